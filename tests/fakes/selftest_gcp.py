#!/usr/bin/env python3
"""Self-test of fake_gcp.py: it accepts good requests and rejects bad ones the way Google does.

Run: python3 tests/fakes/selftest_gcp.py (FAKES_CRYPTO=openssl to use the openssl command).
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakelib  # noqa: E402
from selftest_lib import HERE, Checks, Fake  # noqa: E402

TESTDATA = os.environ.get("VELOCITY_TESTDATA_DIR",
                          os.path.join(HERE, "..", "data"))
GOOGLE = "https://oauth2.googleapis.com/token"
READ_ONLY = "https://www.googleapis.com/auth/cloud-platform.read-only"
EMAIL = "velocity-test@tokyo-rain-123.iam.gserviceaccount.com"
BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def key_json(name):
    with open(os.path.join(HERE, "keys", name), encoding="utf-8") as f:
        return json.load(f)


def make_jwt(key, claims=None, header=None, **overrides):
    now = int(time.time())
    body = {"iss": EMAIL, "scope": READ_ONLY, "aud": GOOGLE, "iat": now, "exp": now + 3600}
    body.update(claims or {})
    body.update(overrides)
    body = {k: v for k, v in body.items() if v is not None}
    head = header if header is not None else {"alg": "RS256", "typ": "JWT",
                                              "kid": key["private_key_id"]}
    signing_input = b64url(json.dumps(head).encode()) + "." + b64url(json.dumps(body).encode())
    signature = fakelib.rs256_sign(key["private_key"].encode(), signing_input.encode())
    return signing_input + "." + b64url(signature)


def token(fake, assertion):
    return fake.call("POST", "/token", form={"grant_type": BEARER, "assertion": assertion})


def get_token(fake, key, **overrides):
    status, _, body = token(fake, make_jwt(key, **overrides))
    assert status == 200, body
    return {"Authorization": "Bearer " + body["access_token"]}


def token_endpoint(t, key, wrong):
    t.start("token endpoint (crypto: %s)" % fakelib.crypto_backend())
    with Fake("fake_gcp.py") as fake:
        status, headers, body = token(fake, make_jwt(key))
        t.equal(status, 200, "good assertion")
        t.check(body.get("access_token", "").startswith("ya29."), "access token", body)
        t.equal(body.get("token_type"), "Bearer", "token_type")
        t.equal(body.get("expires_in"), 3599, "expires_in")
        t.check(headers.get("content-type", "").startswith("application/json"), "JSON answer")
        t.equal(token(fake, make_jwt(key, aud=fake.base + "/token"))[0], 200,
                "the fake's own token URL is an accepted audience")
        t.equal(token(fake, make_jwt(key, header={"alg": "RS256", "typ": "JWT"}))[0], 200,
                "no kid: every key of the account is tried")

        def rejected(assertion, error, description, what, form=None):
            status, _, body = fake.call("POST", "/token", form=form or {
                "grant_type": BEARER, "assertion": assertion})
            t.equal(status, 400, what + ": status")
            t.equal(body, {"error": error, "error_description": description}, what + ": body")

        bad_sig = "Invalid JWT Signature."
        rejected(make_jwt(wrong), "invalid_grant", bad_sig, "signed by another key")
        rejected(make_jwt(wrong, header={"alg": "RS256", "typ": "JWT", "kid": "1"}),
                 "invalid_grant", bad_sig, "another key claiming the right kid")
        good = make_jwt(key)
        head, claims, sig = good.split(".")
        forged = json.loads(base64.urlsafe_b64decode(claims + "=="))
        forged["scope"] = "https://www.googleapis.com/auth/cloud-platform"
        rejected(head + "." + b64url(json.dumps(forged).encode()) + "." + sig, "invalid_grant",
                 bad_sig, "claims changed after signing")
        rejected(make_jwt(key, header={"alg": "HS256", "typ": "JWT"}), "invalid_grant", bad_sig,
                 "alg other than RS256")
        rejected(make_jwt(key, iss="someone@else.iam.gserviceaccount.com"), "invalid_grant",
                 "Invalid grant: account not found", "unknown iss")
        rejected(make_jwt(key, iss=[EMAIL]), "invalid_grant", "Invalid grant: account not found",
                 "iss that is not a string")
        rejected(make_jwt(key, aud="https://example.com/token"), "invalid_grant",
                 "Invalid JWT: Failed audience check. The right audience is " + GOOGLE,
                 "wrong aud")
        now = int(time.time())
        timeframe = ("Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                     "reasonable timeframe. Check your iat and exp values and use a clock with "
                     "skew to account for clock differences between systems.")
        rejected(make_jwt(key, exp=now + 3601), "invalid_grant", timeframe, "exp - iat > 1 h")
        rejected(make_jwt(key, iat=now - 7200, exp=now - 3600), "invalid_grant", timeframe,
                 "expired")
        rejected(make_jwt(key, iat=now + 900, exp=now + 1800), "invalid_grant", timeframe,
                 "iat in the future")
        rejected(make_jwt(key, iat=None), "invalid_grant", timeframe, "no iat")
        rejected(make_jwt(key, scope=None), "invalid_scope",
                 "Invalid OAuth scope or ID token audience provided.", "no scope")
        rejected(None, "unsupported_grant_type", "Invalid grant_type: client_credentials",
                 "wrong grant_type", form={"grant_type": "client_credentials"})
        rejected(None, "invalid_request", "Missing required parameter: assertion",
                 "no assertion", form={"grant_type": BEARER})
        rejected("not.a.jwt!", "invalid_grant", "Invalid JWT: malformed assertion.", "garbage")
        log = fake.requests()
        t.equal(sum(1 for r in log if r["op"] == "token"), 18, "request log counts token calls")


def known_answer(t):
    t.start("Google JWT-bearer known-answer vector")
    with open(os.path.join(TESTDATA, "gcp", "oauth", "jwt-bearer-kat.json"), encoding="utf-8") as f:
        kat = json.load(f)
    with tempfile.TemporaryDirectory(prefix="selftest-gcp-") as tmp:
        scenario = os.path.join(tmp, "kat.json")
        with open(scenario, "w", encoding="utf-8") as f:
            json.dump({"extends": os.path.join(HERE, "scenarios", "gcp-pass.json"),
                       "service_accounts": [{"key_file": os.path.join(
                           TESTDATA, "gcp", "oauth", "google-auth-library-python",
                           "service_account.json")}]}, f)
        form = {"grant_type": BEARER, "assertion": kat["assertion"]}
        with Fake("fake_gcp.py", "--scenario", scenario, "--now", "1700000100") as fake:
            status, _, body = fake.call("POST", "/token", form=form)
            t.equal(status, 200, "the vector's assertion verifies at its own time")
            raw = kat["token_request"]["body"].encode()
            status, _, _ = fake.call("POST", "/token", body=raw, headers={
                "Content-Type": "application/x-www-form-urlencoded"})
            t.equal(status, 200, "the vector's exact form body is accepted")
        with Fake("fake_gcp.py", "--scenario", scenario) as fake:
            status, _, body = fake.call("POST", "/token", form=form)
            t.check(status == 400 and "timeframe" in body.get("error_description", ""),
                    "the same assertion today is too old", body)


def apis(t, key):
    t.start("Cloud Resource Manager and Service Usage")
    with Fake("fake_gcp.py") as fake:
        auth = get_token(fake, key)
        status, _, body = fake.call("GET", "/v1/projects/tokyo-rain-123", headers=auth)
        t.equal(status, 200, "v1 projects.get")
        t.equal(body.get("projectNumber"), "415104041262", "v1 projectNumber is a string")
        t.equal(body.get("lifecycleState"), "ACTIVE", "v1 lifecycleState")
        status, _, body = fake.call("GET", "/v3/projects/415104041262", headers=auth)
        t.equal(status, 200, "v3 projects.get by number")
        t.equal(body.get("name"), "projects/415104041262", "v3 name")
        t.equal(body.get("parent"), "organizations/123", "v3 parent")
        t.equal(body.get("state"), "ACTIVE", "v3 state")
        status, _, body = fake.call("GET", "/v1/projects/other-project", headers=auth)
        t.equal(status, 403, "unknown project: 403, as Google hides existence")
        t.equal(body["error"]["status"], "PERMISSION_DENIED", "unknown project: status")

        status, _, body = fake.call("GET", "/v1/projects/tokyo-rain-123")
        t.equal(status, 401, "no token")
        t.equal(body["error"]["status"], "UNAUTHENTICATED", "no token: status")
        status, _, _ = fake.call("GET", "/v1/projects/tokyo-rain-123",
                                 headers={"Authorization": "Bearer ya29.made-up"})
        t.equal(status, 401, "unknown token")

        request = {"options": {"requestedPolicyVersion": 3}}
        for path in ("/v1/projects/tokyo-rain-123:getIamPolicy",
                     "/v3/projects/tokyo-rain-123%3AgetIamPolicy"):
            status, _, body = fake.call("POST", path, body=request, headers=auth)
            t.equal(status, 200, "getIamPolicy " + path)
            t.equal(body.get("version"), 3, "policy version")
            t.equal(body["auditConfigs"][0]["service"], "allServices", "auditConfigs")
            t.check(any(b["role"] == "roles/owner" for b in body["bindings"]), "bindings")
        t.equal(fake.call("POST", "/v1/projects/tokyo-rain-123:getIamPolicy", headers=auth,
                          body=b"")[0], 200, "getIamPolicy with an empty body")
        t.equal(fake.call("GET", "/v1/projects/tokyo-rain-123:getIamPolicy",
                          headers=auth)[0], 404, "getIamPolicy is POST only")

        status, _, body = fake.call("GET", "/v1/projects/415104041262/services?filter=state:ENABLED",
                                    headers=auth)
        t.equal(status, 200, "services.list")
        names = [s["config"]["name"] for s in body["services"]]
        t.equal(len(names), 11, "enabled services")
        t.check(all(s["state"] == "ENABLED" for s in body["services"]), "all ENABLED")
        t.equal(body["services"][0]["name"],
                "projects/415104041262/services/cloudasset.googleapis.com",
                "service resource name")
        t.check("nextPageToken" not in body, "one page")
        status, _, body = fake.call("GET", "/v1/projects/tokyo-rain-123/services", headers=auth)
        t.equal(len(body["services"]), 12, "no filter: enabled and disabled")
        path = "/v1/projects/tokyo-rain-123/services?filter=state:ENABLED&pageSize=8"
        status, _, first = fake.call("GET", path, headers=auth)
        t.equal(len(first["services"]), 8, "page 1 size")
        status, _, second = fake.call("GET", path + "&pageToken=" + first["nextPageToken"],
                                      headers=auth)
        t.equal(len(second["services"]), 3, "page 2 size")
        t.check("nextPageToken" not in second, "last page has no token")
        t.equal(fake.call("GET", "/v1/projects/tokyo-rain-123/services?filter=state:ON",
                          headers=auth)[0], 400, "bad filter")

        narrow = get_token(fake, key, scope="https://www.googleapis.com/auth/userinfo.email")
        status, _, body = fake.call("GET", "/v1/projects/tokyo-rain-123", headers=narrow)
        t.equal(status, 403, "token without a cloud-platform scope")
        t.equal(body["error"]["details"][0]["reason"], "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                "insufficient scope reason")

    with Fake("fake_gcp.py", "--scenario", "fail") as fake:
        auth = get_token(fake, key)
        _, _, body = fake.call("POST", "/v1/projects/tokyo-rain-123:getIamPolicy", body={},
                               headers=auth)
        members = [m for b in body["bindings"] for m in b["members"]]
        t.check("allUsers" in members and "allAuthenticatedUsers" in members, "fail: public")
        t.check(any(b["role"] == "roles/owner" and "user:alice@example.com" in b["members"]
                    for b in body["bindings"]), "fail: user owner")
        t.check(not any(c["service"] == "allServices" and {"DATA_READ", "DATA_WRITE"} <=
                        {x["logType"] for x in c["auditLogConfigs"]}
                        for c in body["auditConfigs"]), "fail: audit logs incomplete")
    with Fake("fake_gcp.py", "--scenario", "no-audit") as fake:
        _, _, body = fake.call("POST", "/v1/projects/tokyo-rain-123:getIamPolicy", body={},
                               headers=get_token(fake, key))
        t.check("auditConfigs" not in body, "no-audit: the field is absent", body)


def resource_apis(t, key):
    t.start("resource APIs: list pages, aggregatedList, SERVICE_DISABLED")
    with Fake("fake_gcp.py", "--set", "page_size=1") as fake:
        auth = get_token(fake, key)
        path = "/compute/v1/projects/tokyo-rain-123/global/firewalls"
        status, _, first = fake.call("GET", path, headers=auth)
        t.equal(status, 200, "firewalls.list")
        t.equal(first["kind"], "compute#firewallList", "firewall list kind")
        t.equal(len(first["items"]), 1, "firewalls page 1")
        status, _, second = fake.call("GET", path + "?pageToken=" + first["nextPageToken"],
                                      headers=auth)
        t.equal(second["items"][0]["name"], "prod-allow-https", "firewalls page 2")
        t.check("nextPageToken" not in second, "firewalls: last page has no token")
        status, _, body = fake.call(
            "GET", "/compute/v1/projects/tokyo-rain-123/aggregated/instances?maxResults=500",
            headers=auth)
        t.equal(body["items"]["zones/us-central1-a"]["instances"][0]["name"], "web-1",
                "aggregated instances by zone")
        t.equal(body["items"]["zones/us-central1-b"]["warning"]["code"], "NO_RESULTS_ON_PAGE",
                "an empty zone carries a warning")
        status, _, body = fake.call(
            "GET", "/v1/projects/tokyo-rain-123/serviceAccounts/"
            "app@tokyo-rain-123.iam.gserviceaccount.com/keys?keyTypes=USER_MANAGED", headers=auth)
        t.equal((status, body), (200, {}), "no user-managed keys: an empty answer")
        status, _, body = fake.call("GET", "/storage/v1/b/tokyo-rain-logs", headers=auth)
        t.equal(body["retentionPolicy"]["isLocked"], True, "bucket retention lock")
        t.equal(fake.call("GET", "/storage/v1/b/nosuch", headers=auth)[0], 404, "unknown bucket")
    with Fake("fake_gcp.py", "--scenario", "apis-disabled") as fake:
        auth = get_token(fake, key)
        status, _, body = fake.call("GET", "/v1/projects/tokyo-rain-123/instances", headers=auth)
        t.equal(status, 403, "Cloud SQL disabled")
        t.equal(body["error"]["status"], "PERMISSION_DENIED", "disabled: status")
        t.equal(body["error"]["details"][0]["reason"], "SERVICE_DISABLED", "disabled: reason")
        t.equal(body["error"]["details"][0]["metadata"]["service"], "sqladmin.googleapis.com",
                "disabled: service")
        status, _, _ = fake.call("GET", "/v2/projects/tokyo-rain-123/sinks", headers=auth)
        t.equal(status, 200, "an enabled API still answers")


def faults(t, key):
    t.start("missing permission, rate limiting, token expiry")
    with Fake("fake_gcp.py", "--deny", "projects.getIamPolicy",
              "--throttle", "services.list:2:1") as fake:
        auth = get_token(fake, key)
        status, _, body = fake.call("POST", "/v1/projects/tokyo-rain-123:getIamPolicy", body={},
                                    headers=auth)
        t.equal(status, 403, "denied getIamPolicy")
        t.equal(body["error"]["status"], "PERMISSION_DENIED", "denied: status")
        t.check("resourcemanager.projects.getIamPolicy" in body["error"]["message"],
                "denied: permission named", body)
        t.equal(body["error"]["details"][0]["reason"], "IAM_PERMISSION_DENIED", "denied: reason")
        t.equal(fake.call("GET", "/v1/projects/tokyo-rain-123", headers=auth)[0], 200,
                "other calls still work")
        path = "/v1/projects/tokyo-rain-123/services?filter=state:ENABLED"
        for attempt in (1, 2):
            status, headers, body = fake.call("GET", path, headers=auth)
            t.equal(status, 429, "throttled attempt %d" % attempt)
            t.equal(body["error"]["status"], "RESOURCE_EXHAUSTED", "throttled: status")
            t.equal(headers.get("retry-after"), "1", "throttled: Retry-After")
        t.equal(fake.call("GET", path, headers=auth)[0], 200, "third attempt passes")
    with Fake("fake_gcp.py", "--set", "token_lifetime=1") as fake:
        auth = get_token(fake, key)
        t.equal(fake.call("GET", "/v1/projects/tokyo-rain-123", headers=auth)[0], 200,
                "fresh short-lived token")
        time.sleep(1.3)
        t.equal(fake.call("GET", "/v1/projects/tokyo-rain-123", headers=auth)[0], 401,
                "expired token")


def lifecycle(t):
    t.start("lifecycle")
    started = time.monotonic()
    with Fake("fake_gcp.py", "--idle", "0.5") as fake:
        try:
            fake.process.wait(timeout=5)
            t.check(time.monotonic() - started < 5, "stops by itself when idle")
        except subprocess.TimeoutExpired:
            t.check(False, "stops by itself when idle")
    fake = Fake("fake_gcp.py")
    with fake:
        pass
    t.equal(fake.process.returncode, 0, "stops cleanly on SIGTERM")
    result = subprocess.run([sys.executable, os.path.join(HERE, "fake_gcp.py"), "--scenario",
                             "no-such-scenario"], capture_output=True, text=True, check=False)
    t.check(result.returncode == 2 and "bad scenario" in result.stderr, "unknown scenario",
            result.stderr)


def main():
    t = Checks("selftest_gcp")
    key = key_json("gcp-sa.json")
    wrong = key_json("gcp-sa-wrong-key.json")
    token_endpoint(t, key, wrong)
    known_answer(t)
    apis(t, key)
    resource_apis(t, key)
    faults(t, key)
    lifecycle(t)
    t.finish()


if __name__ == "__main__":
    main()
