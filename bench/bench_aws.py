#!/usr/bin/env python3
"""velocity collect against its peers, on one seeded moto with request authentication on.

    python3 bench/bench_aws.py --velocity build/velocity [--repeat 3] [--skip-cli]
                               [--sizes 1000,10000] [--members 20]

Starts tests/fakes/moto_aws.py (the mixed seed plus 30 users with keys, signature checking
on), then runs, one after the other and each --repeat times: `velocity collect` (every type,
every enabled region of the aws partition), bench/aws_peer_cli.sh (AWS CLI, a process per call),
bench/aws_peer_boto3.py --threads 1 and --threads 16. For each it prints the median wall time,
the client's own CPU time (user+sys of the process and everything it started, from wait4),
its peak resident memory, and the calls moto saw; then the ratios the issue asks for.
Moto is the ceiling for everyone: it serves about 90 signed calls a second on these 2 cores.

Then the account grows by each of --sizes resources (half IAM users with a key, half security
groups, made on moto's backends) and velocity and sequential boto3 run once more at each size:
wall time, CPU, peak RSS, calls and calls per resource. Last, --members accounts join the
organisation and one `collect` of an integration connected with --organization-role reads them
all: its wall time per account. The AWS CLI script makes only the calls of the first five
evidence types (no credential report, no CIS services): its row is for orientation.
"""

import argparse
import base64
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def fixture(endpoint, route, body=None):
    data = json.dumps(body or {}).encode()
    request = urllib.request.Request(endpoint + "/velocity-fixture/" + route, data=data,
                                     method="POST", headers={"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(request, timeout=600).read())


def measure(command, env):
    """Runs `command`; returns (wall seconds, user+sys seconds, peak RSS MiB, exit code)."""
    # stderr goes to a file, not a pipe: a command that warns more than a pipe holds would block
    # on its write while we wait for it to exit.
    with tempfile.TemporaryFile() as errors:
        start = time.monotonic()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        stderr = errors.read().decode(errors="replace")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0, process.returncode, stderr


def resource_count(velocity, env):
    """The resources velocity holds findings on, after a collection."""
    listed = subprocess.run([velocity, "evidence", "list", "--format", "jsonl"], env=env,
                            capture_output=True, text=True).stdout
    return len({json.loads(line)["resource_id"] for line in listed.splitlines() if line})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--velocity", required=True, help="the velocity binary")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-cli", action="store_true", help="do not run the AWS CLI peer")
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--sizes", default="1000,10000",
                        help="resources to add for the growth runs, comma-separated")
    parser.add_argument("--members", type=int, default=20,
                        help="member accounts for the organisation run (0: no such run)")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="velocity-bench-aws-")
    moto_log = open(os.path.join(work, "moto.log"), "wb")
    # moto 5.2.1 does not implement Config's DescribeComplianceByConfigRule: its 500 would be
    # retried with each client's own backoff, and the bench would time backoff policies, not
    # clients. The fixture answers it for the two seeded rules instead.
    compliance = {"restricted-ssh": "NON_COMPLIANT",
                  "s3-bucket-server-side-encryption-enabled": "COMPLIANT"}
    moto = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests/fakes/moto_aws.py"),
                             "--auth", "--idle", "3600",
                             "--config-compliance", json.dumps(compliance)],
                            stdout=subprocess.PIPE, stderr=moto_log)
    line = moto.stdout.readline()
    if not line:
        moto.wait()
        moto_log.close()
        reason = open(moto_log.name, errors="replace").read()[-2000:]
        shutil.rmtree(work, ignore_errors=True)
        sys.exit("moto did not start: " + reason)
    info = json.loads(line)
    endpoint = info["endpoint"]
    try:
        fixture(endpoint, "mutate", {"action": "add-users"})
        env = dict(os.environ, AWS_ACCESS_KEY_ID=info["access_key_id"],
                   AWS_SECRET_ACCESS_KEY=info["secret_access_key"], HOME=work,
                   XDG_DATA_HOME=os.path.join(work, "data"),
                   XDG_CONFIG_HOME=os.path.join(work, "config"),
                   VELOCITY_MASTER_KEY=base64.b64encode(os.urandom(32)).decode())
        env.pop("VELOCITY_STATE", None)
        subprocess.run([args.velocity, "init"], env=env, check=True, capture_output=True)
        subprocess.run([args.velocity, "connect", "aws", "--name", "bench", "--endpoint-url",
                        endpoint], env=env, check=True, capture_output=True)

        contenders = [
            ("velocity collect", [args.velocity, "-q", "collect", "--jobs", str(args.jobs)]),
            ("aws CLI script", ["bash", os.path.join(HERE, "aws_peer_cli.sh"), endpoint]),
            ("boto3 sequential", [sys.executable, os.path.join(HERE, "aws_peer_boto3.py"),
                                  "--endpoint-url", endpoint, "--threads", "1"]),
            ("boto3 16 threads", [sys.executable, os.path.join(HERE, "aws_peer_boto3.py"),
                                  "--endpoint-url", endpoint, "--threads", "16"]),
        ]
        if args.skip_cli or shutil.which("aws") is None:
            contenders = [c for c in contenders if c[0] != "aws CLI script"]
        results = {}
        for name, command in contenders:
            runs = []
            repeat = 1 if name == "aws CLI script" else args.repeat
            for _ in range(repeat):
                fixture(endpoint, "reset-calls")
                wall, cpu, rss, code, stderr = measure(command, env)
                calls = sum(fixture(endpoint, "calls").values())
                if code != 0:
                    print("%s exited %d: %s" % (name, code, stderr[-2000:]), file=sys.stderr)
                runs.append((wall, cpu, rss, calls))
            results[name] = tuple(statistics.median(r[i] for r in runs) for i in range(4))
            wall, cpu, rss, calls = results[name]
            print("%-18s wall %7.2f s   cpu %6.2f s   peak RSS %6.1f MiB   calls %4d   (%d run%s)"
                  % (name, wall, cpu, rss, calls, repeat, "" if repeat == 1 else "s"),
                  flush=True)

        v = results["velocity collect"]
        print()
        for name in ("aws CLI script", "boto3 sequential", "boto3 16 threads"):
            if name not in results:
                continue
            p = results[name]
            print("%-18s %5.1fx the wall time, %5.1fx the CPU time, %4.1fx the peak memory "
                  "of velocity" % (name + ":", p[0] / v[0], p[1] / v[1], p[2] / v[2]))
        if "aws CLI script" in results:
            p = results["aws CLI script"]
            print("aws CLI per call: %.2f s; velocity per call: %.3f s"
                  % (p[0] / max(p[3], 1), v[0] / max(v[3], 1)))
        print()
        sequential = [sys.executable, os.path.join(HERE, "aws_peer_boto3.py"),
                      "--endpoint-url", endpoint, "--threads", "1"]
        grown = 0
        for size in [int(x) for x in args.sizes.split(",") if x]:
            fixture(endpoint, "mutate", {"action": "grow", "users": (size - grown) // 2,
                                         "groups": (size - grown) - (size - grown) // 2})
            grown = size
            for name, command in (("velocity collect", contenders[0][1]),
                                  ("boto3 sequential", sequential)):
                fixture(endpoint, "reset-calls")
                wall, cpu, rss, code, stderr = measure(command, env)
                calls = sum(fixture(endpoint, "calls").values())
                if code != 0:
                    print("%s exited %d: %s" % (name, code, stderr[-2000:]), file=sys.stderr)
                resources = resource_count(args.velocity, env)
                print("+%-6d resources (%6d in all) %-17s wall %7.2f s  cpu %6.2f s  peak RSS "
                      "%6.1f MiB  calls %5d  (%.3f per resource)"
                      % (size, resources, name, wall, cpu, rss, calls, calls / max(resources, 1)),
                      flush=True)
        if args.members > 0:
            fixture(endpoint, "mutate", {"action": "add-members", "members": args.members})
            subprocess.run([args.velocity, "connect", "aws", "--name", "org", "--endpoint-url",
                            endpoint, "--organization-role", "OrganizationAccountAccessRole"],
                           env=env, check=True, capture_output=True)
            fixture(endpoint, "reset-calls")
            wall, cpu, rss, code, stderr = measure(
                [args.velocity, "-q", "collect", "-i", "org", "--jobs", str(args.jobs)], env)
            calls = sum(fixture(endpoint, "calls").values())
            accounts = len(info.get("members", [])) + args.members + 1
            if code not in (0, 1):
                print("organisation collect exited %d: %s" % (code, stderr[-2000:]),
                      file=sys.stderr)
            print("\norganisation of %d accounts: wall %.2f s (%.2f s per account), cpu %.2f s, "
                  "peak RSS %.1f MiB, %d calls" % (accounts, wall, wall / accounts, cpu, rss,
                                                   calls))
    finally:
        moto.terminate()
        moto.wait()
        moto_log.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
