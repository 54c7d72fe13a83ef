#!/usr/bin/env python3
"""A fake Google Cloud: OAuth 2.0 token endpoint (JWT bearer grant), Cloud Resource Manager v1/v3
projects.get and getIamPolicy, Service Usage services.list, and the resource APIs of
fake_gcp_resources.py (IAM, KMS, Storage, Logging, Monitoring, Compute, DNS, SQL). All on one
loopback port.

Usage: python3 tests/fakes/fake_gcp.py [--scenario pass|fail|FILE] [--audience URL]... [common
options, see fakelib.py]. Routes, scenario keys and error bodies: tests/fakes/README.md.
"""

import base64
import binascii
import json
import os
import re
import secrets
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakelib  # noqa: E402
from fakelib import Reply  # noqa: E402
from fake_gcp_resources import RESOURCE_OPS, ResourceRoutes  # noqa: E402

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
READ_SCOPES = ("https://www.googleapis.com/auth/cloud-platform",
               "https://www.googleapis.com/auth/cloud-platform.read-only")
MAX_LIFETIME = 3600  # Google refuses assertions valid for longer than an hour

TIMEFRAME = ("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
             "timeframe. Check your iat and exp values and use a clock with skew to account for "
             "clock differences between systems.")
UNAUTHENTICATED = ("Request had invalid authentication credentials. Expected OAuth 2 access "
                   "token, login cookie or other valid authentication credential. See "
                   "https://developers.google.com/identity/sign-in/web/devconsole-project.")

# op -> (service host, IAM permission)
OPS = {
    "projects.get": ("cloudresourcemanager.googleapis.com", "resourcemanager.projects.get"),
    "projects.list": ("cloudresourcemanager.googleapis.com", "resourcemanager.projects.list"),
    "projects.getIamPolicy": ("cloudresourcemanager.googleapis.com",
                              "resourcemanager.projects.getIamPolicy"),
    "services.list": ("serviceusage.googleapis.com", "serviceusage.services.list"),
}
OPS.update({op: (host, permission) for op, (host, permission, _) in RESOURCE_OPS.items()})


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def oauth_error(error, description, status=400):
    return Reply(status, {"error": error, "error_description": description})


def rpc_error(code, status, message, details=None):
    """google.rpc.Status as Google's JSON APIs wrap it."""
    error = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = details
    return Reply(code, {"error": error})


class GcpHandler(ResourceRoutes, fakelib.Handler):
    PLATFORM = "fake_gcp"
    rpc_error = staticmethod(rpc_error)
    ROUTES = ResourceRoutes.RESOURCE_ROUTES + [
        ("POST", re.compile(r"/(?:token|o/oauth2/token|oauth2/v4/token)"), "token", "route_token"),
        ("GET", re.compile(r"/v1/projects"), "projects.list", "route_projects_v1"),
        ("GET", re.compile(r"/v1/projects/([^/:]+)"), "projects.get", "route_project_v1"),
        ("GET", re.compile(r"/v3/projects/([^/:]+)"), "projects.get", "route_project_v3"),
        ("POST", re.compile(r"/v[13]/projects/([^/:]+):getIamPolicy"), "projects.getIamPolicy",
         "route_get_iam_policy"),
        ("GET", re.compile(r"/v1/projects/([^/:]+)/services"), "services.list",
         "route_services_list"),
    ]

    # --- errors in Google's shapes ---
    def permission_denied(self, op):
        host, permission = OPS[op]
        resource = "projects/%s" % self.server.scenario["project"]["projectId"]
        return rpc_error(403, "PERMISSION_DENIED",
                         "Permission '%s' denied on resource '//%s/%s' (or it may not exist)."
                         % (permission, host, resource),
                         [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                           "reason": "IAM_PERMISSION_DENIED", "domain": host,
                           "metadata": {"permission": permission, "resource": resource}}])

    def throttled(self, op, retry_after):
        host = OPS.get(op, ("oauth2.googleapis.com", ""))[0]
        number = self.server.scenario["project"]["projectNumber"]
        reply = rpc_error(429, "RESOURCE_EXHAUSTED",
                          "Quota exceeded for quota metric 'Read requests' and limit 'Read requests "
                          "per minute' of service '%s' for consumer 'project_number:%s'."
                          % (host, number))
        if retry_after is not None:
            reply.headers.append(("Retry-After", str(retry_after)))
        return reply

    def server_error(self, op, status):
        names = {500: "INTERNAL", 502: "UNAVAILABLE", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
        return rpc_error(status, names.get(status, "UNKNOWN"), "Internal error encountered.")

    def not_found(self):
        return Reply(404, "Not Found\n")

    # --- token endpoint ---
    def route_token(self):
        self.check_faults("token")
        form = self.form()
        grant = form.get("grant_type")
        if grant != JWT_BEARER:
            raise oauth_error("unsupported_grant_type", "Invalid grant_type: %s" % (grant or ""))
        assertion = form.get("assertion")
        if not assertion:
            raise oauth_error("invalid_request", "Missing required parameter: assertion")
        header, claims, signing_input, signature = self.parse_jwt(assertion)
        issuer = claims.get("iss")
        account = self.server.data["accounts"].get(issuer) if isinstance(issuer, str) else None
        if account is None:
            raise oauth_error("invalid_grant", "Invalid grant: account not found")
        if header.get("alg") != "RS256" or not self.signature_ok(account, header, signing_input,
                                                                 signature):
            raise oauth_error("invalid_grant", "Invalid JWT Signature.")
        audiences = self.server.data["audiences"]
        if claims.get("aud") not in audiences:
            raise oauth_error("invalid_grant", "Invalid JWT: Failed audience check. The right "
                                               "audience is %s" % audiences[0])
        self.check_timeframe(claims)
        scopes = str(claims.get("scope") or "").split()
        if not scopes:
            raise oauth_error("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
        lifetime = int(self.server.scenario.get("token_lifetime", 3599))
        token = "ya29.fake-" + secrets.token_urlsafe(24)
        with self.server.lock:
            self.server.data["tokens"][token] = {"email": claims["iss"], "scopes": scopes,
                                                 "expires": self.server.now() + lifetime}
        return 200, {"access_token": token, "expires_in": lifetime, "token_type": "Bearer"}

    def parse_jwt(self, assertion):
        parts = assertion.split(".")
        if len(parts) != 3:
            raise oauth_error("invalid_grant", "Invalid JWT: malformed assertion.")
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            signature = b64url_decode(parts[2])
        except (ValueError, binascii.Error):
            raise oauth_error("invalid_grant", "Invalid JWT: malformed assertion.") from None
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise oauth_error("invalid_grant", "Invalid JWT: malformed assertion.")
        return header, claims, (parts[0] + "." + parts[1]).encode(), signature

    @staticmethod
    def signature_ok(account, header, signing_input, signature):
        keys = account["keys"]
        kid = header.get("kid")
        if kid is not None:
            # Google picks the key by kid; an unknown kid is a signature failure.
            candidates = [keys[kid]] if kid in keys else []
        else:
            candidates = list(keys.values())
        return any(fakelib.rs256_verify(key, signing_input, signature) for key in candidates)

    def check_timeframe(self, claims):
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int) or not isinstance(exp, int):
            raise oauth_error("invalid_grant", TIMEFRAME)
        now = self.server.now()
        skew = float(self.server.scenario.get("max_clock_skew", 300))
        if exp - iat > MAX_LIFETIME or exp <= iat or iat > now + skew or exp < now - skew:
            raise oauth_error("invalid_grant", TIMEFRAME)

    # --- API calls ---
    def authorize(self, op):
        token = self.bearer_token()
        with self.server.lock:
            record = self.server.data["tokens"].get(token) if token else None
        if record is None or record["expires"] <= self.server.now():
            raise Reply(401, {"error": {"code": 401, "message": UNAUTHENTICATED,
                                        "status": "UNAUTHENTICATED"}},
                        [("WWW-Authenticate",
                          'Bearer realm="https://accounts.google.com/", error="invalid_token"')])
        if not any(scope in READ_SCOPES for scope in record["scopes"]):
            host = OPS[op][0]
            raise rpc_error(403, "PERMISSION_DENIED", "Request had insufficient authentication "
                                                      "scopes.",
                            [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                              "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT", "domain":
                              "googleapis.com", "metadata": {"service": host}}])
        self.check_faults(op)

    def projects(self):
        """The key's project, then the scenario's other_projects (v1 Project objects)."""
        return [self.server.scenario["project"]] + self.server.scenario.get("other_projects", [])

    def project_or_deny(self, op, ident):
        ident = ident[len("projects/"):] if ident.startswith("projects/") else ident
        project = next((p for p in self.projects()
                        if ident in (p["projectId"], p["projectNumber"])), None)
        if project is None:
            # Google answers 403, not 404, for projects the caller cannot see or that do not exist.
            host, permission = OPS[op]
            raise rpc_error(403, "PERMISSION_DENIED",
                            "Permission '%s' denied on resource '//%s/projects/%s' (or it may not "
                            "exist)." % (permission, host, ident))
        return project

    def route_projects_v1(self):
        """projects.list (v1): the projects the caller can see, ?filter=lifecycleState:STATE."""
        self.authorize("projects.list")
        wanted = self.query_one("filter", "")
        projects = [p for p in self.projects()
                    if not wanted or wanted == "lifecycleState:" + p.get("lifecycleState",
                                                                        "ACTIVE")]
        return 200, self.page(projects, "projects", "pageSize")

    def route_project_v1(self, ident):
        self.authorize("projects.get")
        project = self.project_or_deny("projects.get", ident)
        return 200, project

    def route_project_v3(self, ident):
        self.authorize("projects.get")
        p = self.project_or_deny("projects.get", ident)
        parent = p.get("parent") or {}
        body = {"name": "projects/%s" % p["projectNumber"],
                "parent": "%ss/%s" % (parent.get("type", "organization"), parent.get("id", "")),
                "projectId": p["projectId"], "state": p.get("lifecycleState", "ACTIVE"),
                "displayName": p.get("name", p["projectId"]), "createTime": p.get("createTime"),
                "updateTime": p.get("createTime"), "etag": 'W/"%s"' % p["projectNumber"],
                "labels": p.get("labels", {})}
        if not parent:
            del body["parent"]
        return 200, body

    def route_get_iam_policy(self, ident):
        self.authorize("projects.getIamPolicy")
        self.project_or_deny("projects.getIamPolicy", ident)
        if self.body.strip():
            try:
                request = json.loads(self.body)
            except ValueError:
                raise rpc_error(400, "INVALID_ARGUMENT",
                                "Invalid JSON payload received.") from None
            requested = ((request or {}).get("options") or {}).get("requestedPolicyVersion", 0)
            if requested not in (0, 1, 3):
                raise rpc_error(400, "INVALID_ARGUMENT", "Invalid requested policy version.")
        # Google leaves out empty fields; a scenario says "absent" with null.
        policy = {k: v for k, v in self.server.scenario["iam_policy"].items() if v is not None}
        return 200, policy

    def route_services_list(self, ident):
        self.authorize("services.list")
        project = self.project_or_deny("services.list", ident)
        state_filter = self.query_one("filter", "")
        if state_filter not in ("", "state:ENABLED", "state:DISABLED"):
            raise rpc_error(400, "INVALID_ARGUMENT", "Invalid filter: %s" % state_filter)
        parent = "projects/%s" % project["projectNumber"]
        services = []
        for state, key in (("ENABLED", "enabled_services"), ("DISABLED", "disabled_services")):
            if state_filter in ("", "state:" + state):
                services += [self.service(parent, name, state)
                             for name in self.server.scenario.get(key, [])]
        size = int(self.query_one("pageSize", "50") or 50)
        if size <= 0 or size > 200:
            raise rpc_error(400, "INVALID_ARGUMENT", "Requested page size cannot exceed 200.")
        size = min(size, int(self.server.scenario.get("services_page_size", 200)))
        start = 0
        token = self.query_one("pageToken")
        if token:
            try:
                start = int(b64url_decode(token).decode().removeprefix("offset:"))
            except (ValueError, binascii.Error):
                raise rpc_error(400, "INVALID_ARGUMENT", "Invalid page token.") from None
        body = {"services": services[start:start + size]}
        if start + size < len(services):
            body["nextPageToken"] = base64.urlsafe_b64encode(
                ("offset:%d" % (start + size)).encode()).decode().rstrip("=")
        return 200, body

    @staticmethod
    def service(parent, name, state):
        title = name.split(".")[0].replace("-", " ").title() + " API"
        return {"name": "%s/services/%s" % (parent, name), "parent": parent,
                "config": {"name": name, "title": title, "documentation": {}, "quota": {},
                           "authentication": {}, "usage": {}},
                "state": state}


def load_accounts(server):
    """client_email -> {"keys": {kid: public PEM}} from the scenario's service_accounts."""
    accounts = {}
    for entry in server.scenario.get("service_accounts", []):
        entry = dict(entry)
        if "key_file" in entry:
            with open(entry["key_file"], encoding="utf-8") as f:
                key_json = json.load(f)
            entry.setdefault("client_email", key_json["client_email"])
            entry.setdefault("private_key_id", key_json.get("private_key_id"))
            public = fakelib.public_key_from_private(key_json["private_key"].encode())
        elif "public_key_file" in entry:
            with open(entry["public_key_file"], "rb") as f:
                public = f.read()
        else:
            raise ValueError("a service account needs key_file or public_key_file")
        account = accounts.setdefault(entry["client_email"], {"keys": {}})
        account["keys"][entry.get("private_key_id") or "key%d" % len(account["keys"])] = public
    return accounts


def prepare(server):
    server.data["accounts"] = load_accounts(server)
    server.data["tokens"] = {}
    audiences = server.scenario.get("audiences") or [GOOGLE_TOKEN_URI,
                                                     server.base_url + "/token"]
    server.data["audiences"] = [a.replace("{base}", server.base_url) for a in audiences]


def add_arguments(parser):
    parser.add_argument("--audience", action="append", default=[],
                        help="accept this JWT aud (repeatable; {base} is this server's URL); "
                             "default: %s and {base}/token" % GOOGLE_TOKEN_URI)


def apply_arguments(args, scenario):
    if args.audience:
        scenario["audiences"] = args.audience


if __name__ == "__main__":
    fakelib.main("gcp", GcpHandler, __doc__.splitlines()[0], add_arguments, apply_arguments,
                 prepare)
