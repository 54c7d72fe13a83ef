"""Helpers for the fakes' self-tests (selftest_*.py): start a fake, call it, count checks.

No pytest: each self-test is a plain script that exits 1 when any check failed.
"""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


class Fake:
    """A running fake: `with Fake("fake_gcp.py", "--scenario", "fail") as fake: fake.call(...)`."""

    def __init__(self, script, *args, env=None):
        self.argv = [sys.executable, os.path.join(HERE, script), "--idle", "30"] + list(args)
        self.env = dict(os.environ, **(env or {}))
        self.process = None
        self.port = None

    def __enter__(self):
        self.process = subprocess.Popen(self.argv, stdout=subprocess.PIPE, env=self.env, text=True)
        line = self.process.stdout.readline()
        if not line.strip().isdigit():
            self.process.kill()
            raise RuntimeError("%s printed %r instead of a port" % (self.argv[1], line))
        self.port = int(line)
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.port

    def call(self, method, path, body=None, headers=None, form=None):
        """Returns (status, headers as a lower-cased dict, parsed JSON body or text or None)."""
        url = path if path.startswith("http") else self.base + path
        data = None
        headers = dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, raw, got = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, raw, got = error.code, error.read(), error.headers
        lowered = {k.lower(): v for k, v in got.items()}
        text = raw.decode("utf-8", "replace")
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = text
        return status, lowered, parsed

    def requests(self):
        return self.call("GET", "/_fake/requests")[2]["requests"]


class Checks:
    """Counts assertions; `finish()` prints the tally and exits non-zero on any failure."""

    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.section = ""

    def start(self, section):
        self.section = section
        print("--- %s: %s" % (self.name, section), flush=True)

    def check(self, condition, what, detail=None):
        if condition:
            self.passed += 1
        else:
            self.failed += 1
            extra = "" if detail is None else ": %s" % json.dumps(detail, default=str)[:600]
            print("FAIL: %s: %s%s" % (self.section, what, extra), file=sys.stderr, flush=True)

    def equal(self, got, expected, what):
        self.check(got == expected, "%s: got %r, expected %r" % (what, got, expected))

    def finish(self):
        print("%s: %d passed, %d failed" % (self.name, self.passed, self.failed), flush=True)
        sys.exit(1 if self.failed else 0)


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
