#!/usr/bin/env python3
"""The peer of `velocity collect` on GitHub: a sequential Python script with urllib making the
same calls, one after another, and parsing each JSON answer.

    GITHUB_TOKEN=... python3 bench/github_peer_urllib.py BASE_URL CALLS_FILE

CALLS_FILE holds one request path a line (the fake's log of velocity's own run), so both make
exactly the same calls; the script does no paging or judging of its own, which only flatters it.
"""

import json
import os
import sys
import urllib.error
import urllib.request


def main():
    base, calls_file = sys.argv[1], sys.argv[2]
    headers = {"Authorization": "Bearer " + os.environ["GITHUB_TOKEN"],
               "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    answered = 0
    with open(calls_file) as paths:
        for path in paths:
            request = urllib.request.Request(base + path.strip(), headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    body = response.read()
            except urllib.error.HTTPError as error:
                body = error.read()
            if body:
                json.loads(body)
            answered += 1
    print("%d calls" % answered, file=sys.stderr)


if __name__ == "__main__":
    main()
