#!/usr/bin/env python3
"""velocity collect on GitHub against a sequential urllib script, on one fake organisation.

    python3 bench/bench_github.py --velocity build/velocity [--repos 125] [--repeat 3]

Builds a scenario from tests/fakes/scenarios/github-pass.json with --repos copies of its first
repository (each protected, scanned and with hooks and deploy keys) beside the scenario's own,
starts tests/fakes/fake_github.py on it, runs `velocity collect` --repeat times, then replays the
requests velocity made with bench/github_peer_urllib.py (sequential urllib). Prints the median
wall time, the client's CPU time (user+sys, from wait4), its peak RSS and the calls, then the
ratios. The fake answers in well under a millisecond a call, so the client is what is timed.
"""

import argparse
import base64
import copy
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request

from bench_aws import measure

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TOKEN = "ghp_VelocityFakeOwner0000000000000000000"


def requests_seen(url):
    with urllib.request.urlopen(url + "/_fake/requests", timeout=30) as response:
        return json.load(response)["requests"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--velocity", required=True, help="the velocity binary")
    parser.add_argument("--repos", type=int, default=125)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="velocity-bench-github-")
    scenario = json.load(open(os.path.join(ROOT, "tests/fakes/scenarios/github-pass.json")))
    template = scenario["repos"][0]
    for i in range(args.repos):
        repo = copy.deepcopy(template)
        repo["name"] = "bench-%03d" % i
        scenario["repos"].append(repo)
    scenario_file = os.path.join(work, "scenario.json")
    json.dump(scenario, open(scenario_file, "w"))
    fake_log = open(os.path.join(work, "fake.log"), "wb")
    fake = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests/fakes/fake_github.py"),
                             "--scenario", scenario_file, "--idle", "1800"],
                            stdout=subprocess.PIPE, stderr=fake_log)
    try:
        port = fake.stdout.readline().decode().strip()
        if not port:
            sys.exit("fake_github did not start: " + open(fake_log.name).read()[-2000:])
        url = "http://127.0.0.1:" + port
        env = dict(os.environ, GITHUB_TOKEN=TOKEN, HOME=work,
                   XDG_DATA_HOME=os.path.join(work, "data"),
                   XDG_CONFIG_HOME=os.path.join(work, "config"),
                   VELOCITY_MASTER_KEY=base64.b64encode(os.urandom(32)).decode())
        env.pop("VELOCITY_STATE", None)
        subprocess.run([args.velocity, "init"], env=env, check=True, capture_output=True)
        subprocess.run([args.velocity, "connect", "github", "--name", "gh", "--org",
                        scenario["org"]["login"], "--api-url", url],
                       env=env, check=True, capture_output=True)
        calls_file = os.path.join(work, "calls.txt")
        results = {}
        for name in ("velocity collect", "urllib sequential"):
            runs = []
            for _ in range(args.repeat):
                before = len(requests_seen(url))
                if name == "velocity collect":
                    command = [args.velocity, "-q", "collect"]
                else:
                    command = [sys.executable, os.path.join(HERE, "github_peer_urllib.py"), url,
                               calls_file]
                wall, cpu, rss, code, stderr = measure(command, env)
                made = requests_seen(url)[before:]
                if code not in (0, 1):
                    print("%s exited %d: %s" % (name, code, stderr[-2000:]), file=sys.stderr)
                if name == "velocity collect" and not os.path.exists(calls_file):
                    with open(calls_file, "w") as out:
                        out.writelines(r["path"] + "\n" for r in made)
                runs.append((wall, cpu, rss, len(made)))
            results[name] = tuple(statistics.median(r[i] for r in runs) for i in range(4))
            wall, cpu, rss, calls = results[name]
            print("%-18s wall %7.2f s   cpu %6.2f s   peak RSS %6.1f MiB   calls %4d   (%d runs)"
                  % (name, wall, cpu, rss, calls, args.repeat), flush=True)
        v, p = results["velocity collect"], results["urllib sequential"]
        print("\n%d repositories: urllib sequential takes %.1fx the wall time and %.1fx the CPU "
              "time of velocity" % (len(scenario["repos"]), p[0] / v[0], p[1] / v[1]))
    finally:
        fake.terminate()
        fake.wait()
        fake_log.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
