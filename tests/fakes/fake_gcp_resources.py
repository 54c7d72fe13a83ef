"""The resource APIs of the fake Google Cloud (fake_gcp.py): IAM service accounts and keys, Cloud
KMS, Cloud Storage, Cloud Logging, Cloud Monitoring alerting policies, Compute Engine, Cloud DNS
and Cloud SQL Admin, each in its published wire format (Google's discovery documents): list
answers page with pageToken/nextPageToken, aggregatedList answers map scopes to items, errors
are google.rpc.Status, and an API missing from the scenario's enabled_services answers 403
SERVICE_DISABLED as Google does. Scenario keys: tests/fakes/README.md."""

import base64
import binascii
import datetime
import re

from fakelib import Reply  # noqa: E402

# op -> (service host, IAM permission, product name in Google's SERVICE_DISABLED message)
RESOURCE_OPS = {
    "serviceAccounts.list": ("iam.googleapis.com", "iam.serviceAccounts.list",
                             "Identity and Access Management (IAM) API"),
    "serviceAccounts.keys.list": ("iam.googleapis.com", "iam.serviceAccountKeys.list",
                                  "Identity and Access Management (IAM) API"),
    "locations.list": ("cloudkms.googleapis.com", "cloudkms.locations.list",
                       "Cloud Key Management Service (KMS) API"),
    "keyRings.list": ("cloudkms.googleapis.com", "cloudkms.keyRings.list",
                      "Cloud Key Management Service (KMS) API"),
    "cryptoKeys.list": ("cloudkms.googleapis.com", "cloudkms.cryptoKeys.list",
                        "Cloud Key Management Service (KMS) API"),
    "cryptoKeys.getIamPolicy": ("cloudkms.googleapis.com", "cloudkms.cryptoKeys.getIamPolicy",
                                "Cloud Key Management Service (KMS) API"),
    "buckets.list": ("storage.googleapis.com", "storage.buckets.list", "Cloud Storage API"),
    "buckets.get": ("storage.googleapis.com", "storage.buckets.get", "Cloud Storage API"),
    "buckets.getIamPolicy": ("storage.googleapis.com", "storage.buckets.getIamPolicy",
                             "Cloud Storage API"),
    "sinks.list": ("logging.googleapis.com", "logging.sinks.list", "Cloud Logging API"),
    "metrics.list": ("logging.googleapis.com", "logging.logMetrics.list", "Cloud Logging API"),
    "alertPolicies.list": ("monitoring.googleapis.com", "monitoring.alertPolicies.list",
                           "Cloud Monitoring API"),
    "compute.projects.get": ("compute.googleapis.com", "compute.projects.get",
                             "Compute Engine API"),
    "networks.list": ("compute.googleapis.com", "compute.networks.list", "Compute Engine API"),
    "firewalls.list": ("compute.googleapis.com", "compute.firewalls.list", "Compute Engine API"),
    "subnetworks.aggregatedList": ("compute.googleapis.com", "compute.subnetworks.list",
                                   "Compute Engine API"),
    "instances.aggregatedList": ("compute.googleapis.com", "compute.instances.list",
                                 "Compute Engine API"),
    "managedZones.list": ("dns.googleapis.com", "dns.managedZones.list", "Cloud DNS API"),
    "dns.policies.list": ("dns.googleapis.com", "dns.policies.list", "Cloud DNS API"),
    "sql.instances.list": ("sqladmin.googleapis.com", "cloudsql.instances.list",
                           "Cloud SQL Admin API"),
}

P = r"/projects/([^/:]+)"


def rfc3339(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class ResourceRoutes:
    RESOURCE_ROUTES = [
        ("GET", re.compile(r"/v1" + P + r"/serviceAccounts"), "serviceAccounts.list",
         "route_service_accounts"),
        ("GET", re.compile(r"/v1" + P + r"/serviceAccounts/([^/]+)/keys"),
         "serviceAccounts.keys.list", "route_sa_keys"),
        ("GET", re.compile(r"/v1" + P + r"/locations"), "locations.list", "route_kms_locations"),
        ("GET", re.compile(r"/v1" + P + r"/locations/([^/]+)/keyRings"), "keyRings.list",
         "route_key_rings"),
        ("GET", re.compile(r"/v1" + P + r"/locations/([^/]+)/keyRings/([^/]+)/cryptoKeys"),
         "cryptoKeys.list", "route_crypto_keys"),
        ("GET", re.compile(r"/v1" + P +
                           r"/locations/([^/]+)/keyRings/([^/]+)/cryptoKeys/([^/:]+):getIamPolicy"),
         "cryptoKeys.getIamPolicy", "route_key_policy"),
        ("GET", re.compile(r"/storage/v1/b"), "buckets.list", "route_buckets"),
        ("GET", re.compile(r"/storage/v1/b/([^/]+)"), "buckets.get", "route_bucket"),
        ("GET", re.compile(r"/storage/v1/b/([^/]+)/iam"), "buckets.getIamPolicy",
         "route_bucket_policy"),
        ("GET", re.compile(r"/v2" + P + r"/sinks"), "sinks.list", "route_sinks"),
        ("GET", re.compile(r"/v2" + P + r"/metrics"), "metrics.list", "route_metrics"),
        ("GET", re.compile(r"/v3" + P + r"/alertPolicies"), "alertPolicies.list",
         "route_alert_policies"),
        ("GET", re.compile(r"/compute/v1" + P), "compute.projects.get", "route_compute_project"),
        ("GET", re.compile(r"/compute/v1" + P + r"/global/networks"), "networks.list",
         "route_networks"),
        ("GET", re.compile(r"/compute/v1" + P + r"/global/firewalls"), "firewalls.list",
         "route_firewalls"),
        ("GET", re.compile(r"/compute/v1" + P + r"/aggregated/subnetworks"),
         "subnetworks.aggregatedList", "route_subnetworks"),
        ("GET", re.compile(r"/compute/v1" + P + r"/aggregated/instances"),
         "instances.aggregatedList", "route_instances"),
        ("GET", re.compile(r"/dns/v1" + P + r"/managedZones"), "managedZones.list",
         "route_managed_zones"),
        ("GET", re.compile(r"/dns/v1" + P + r"/policies"), "dns.policies.list",
         "route_dns_policies"),
        ("GET", re.compile(r"/v1" + P + r"/instances"), "sql.instances.list",
         "route_sql_instances"),
    ]

    # --- shared ---
    def resource_call(self, op, project=None):
        """Authenticates, refuses an API the project has not enabled, applies faults, and checks
        the project. Returns the scenario's project."""
        self.authorize(op)
        host, _, product = RESOURCE_OPS[op]
        scenario = self.server.scenario
        enabled = scenario.get("enabled_services")
        if enabled is not None and host not in enabled:
            number = scenario["project"]["projectNumber"]
            activation = ("https://console.developers.google.com/apis/api/%s/overview?project=%s"
                          % (host, number))
            message = ("%s has not been used in project %s before or it is disabled. Enable it by "
                       "visiting %s then retry. If you enabled this API recently, wait a few "
                       "minutes for the action to propagate to our systems and retry."
                       % (product, number, activation))
            raise self.rpc_error(403, "PERMISSION_DENIED", message, [
                {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED",
                 "domain": "googleapis.com",
                 "metadata": {"serviceTitle": product, "consumer": "projects/%s" % number,
                              "containerInfo": number, "service": host,
                              "activationUrl": activation}}])
        if project is not None:
            return self.project_or_deny(op, project)
        return scenario["project"]

    def page(self, items, key, size_param):
        """One page of `items` under `key`, by the request's pageToken and `size_param`."""
        size = int(self.query_one(size_param, "0") or 0) or 500
        size = min(size, int(self.server.scenario.get("page_size", 500)))
        start = 0
        token = self.query_one("pageToken")
        if token:
            try:
                start = int(base64.urlsafe_b64decode(token + "==").decode())
            except (ValueError, binascii.Error):
                raise self.rpc_error(400, "INVALID_ARGUMENT", "Invalid page token.") from None
        body = {key: items[start:start + size]} if items[start:start + size] else {}
        if start + size < len(items):
            body["nextPageToken"] = base64.urlsafe_b64encode(
                str(start + size).encode()).decode().rstrip("=")
        return body

    def aggregated(self, scopes, key, kind):
        """An aggregatedList answer: every scope in the scenario, empty ones with a warning."""
        flat = [(scope, item) for scope, items in sorted(scopes.items()) for item in items]
        body = self.page(flat, "flat", "maxResults")
        grouped = {}
        for scope, item in body.pop("flat", []):
            grouped.setdefault(scope, {key: []})[key].append(item)
        for scope in scopes:
            if not scopes[scope]:
                grouped.setdefault(scope, {"warning": {
                    "code": "NO_RESULTS_ON_PAGE",
                    "message": "There are no results for scope '%s' on this page." % scope,
                    "data": [{"key": "scope", "value": scope}]}})
        body.update({"kind": kind, "id": "projects/%s/aggregated/%s" % (
            self.server.scenario["project"]["projectId"], key), "items": grouped})
        return body

    def ago(self, days):
        return rfc3339(datetime.datetime.fromtimestamp(self.server.now(), datetime.timezone.utc)
                       - datetime.timedelta(days=days))

    # --- IAM ---
    def route_service_accounts(self, project):
        p = self.resource_call("serviceAccounts.list", project)
        accounts = [{"name": "projects/%s/serviceAccounts/%s" % (p["projectId"], a["email"]),
                     "projectId": p["projectId"], "uniqueId": str(100000000000000000000 + i),
                     "email": a["email"], "displayName": a.get("displayName", ""),
                     "etag": "MDEwMjE5MjA=", "oauth2ClientId": str(100000000000000000000 + i)}
                    for i, a in enumerate(self.server.scenario.get("iam_service_accounts", []))]
        return 200, self.page(accounts, "accounts", "pageSize")

    def route_sa_keys(self, project, email):
        p = self.resource_call("serviceAccounts.keys.list", project)
        account = next((a for a in self.server.scenario.get("iam_service_accounts", [])
                        if a["email"] == email), None)
        if account is None:
            raise self.rpc_error(404, "NOT_FOUND", "Unknown service account")
        wanted = self.query_one("keyTypes")
        keys = []
        for key in account.get("keys", []):
            if wanted and key.get("keyType", "USER_MANAGED") != wanted:
                continue
            entry = {"name": "projects/%s/serviceAccounts/%s/keys/%s" % (p["projectId"], email,
                                                                         key["id"]),
                     "validAfterTime": self.ago(key.get("age_days", 0)),
                     "validBeforeTime": "9999-12-31T23:59:59Z",
                     "keyAlgorithm": "KEY_ALG_RSA_2048", "keyOrigin": "GOOGLE_PROVIDED",
                     "keyType": key.get("keyType", "USER_MANAGED")}
            if key.get("disabled"):
                entry["disabled"] = True
            keys.append(entry)
        return 200, {"keys": keys} if keys else {}

    # --- Cloud KMS ---
    def kms(self):
        return self.server.scenario.get("kms", {"locations": [], "key_rings": []})

    def route_kms_locations(self, project):
        p = self.resource_call("locations.list", project)
        locations = [{"name": "projects/%s/locations/%s" % (p["projectId"], loc),
                      "locationId": loc, "displayName": loc}
                     for loc in self.kms().get("locations", [])]
        return 200, self.page(locations, "locations", "pageSize")

    def route_key_rings(self, project, location):
        p = self.resource_call("keyRings.list", project)
        rings = [{"name": "projects/%s/locations/%s/keyRings/%s" % (p["projectId"], location,
                                                                    r["name"]),
                  "createTime": "2024-01-05T10:00:00.000000Z"}
                 for r in self.kms().get("key_rings", []) if r["location"] == location]
        body = self.page(rings, "keyRings", "pageSize")
        body["totalSize"] = len(rings)
        return 200, body

    def ring(self, location, ring):
        for r in self.kms().get("key_rings", []):
            if r["location"] == location and r["name"] == ring:
                return r
        raise self.rpc_error(404, "NOT_FOUND", "KeyRing %s not found." % ring)

    def route_crypto_keys(self, project, location, ring):
        p = self.resource_call("cryptoKeys.list", project)
        keys = []
        for k in self.ring(location, ring).get("keys", []):
            key = {"name": "projects/%s/locations/%s/keyRings/%s/cryptoKeys/%s" % (
                       p["projectId"], location, ring, k["name"]),
                   "purpose": k.get("purpose", "ENCRYPT_DECRYPT"),
                   "createTime": "2024-01-05T10:00:00.000000Z",
                   "versionTemplate": {"protectionLevel": "SOFTWARE",
                                       "algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION"}}
            if "rotationPeriod" in k:
                key["rotationPeriod"] = k["rotationPeriod"]
            if "next_rotation_in_days" in k:
                key["nextRotationTime"] = self.ago(-k["next_rotation_in_days"])
            keys.append(key)
        body = self.page(keys, "cryptoKeys", "pageSize")
        body["totalSize"] = len(keys)
        return 200, body

    def route_key_policy(self, project, location, ring, name):
        self.resource_call("cryptoKeys.getIamPolicy", project)
        for k in self.ring(location, ring).get("keys", []):
            if k["name"] == name:
                return 200, dict({"version": 1, "etag": "BwXhqDXcs0A="}, **k.get("policy", {}))
        raise self.rpc_error(404, "NOT_FOUND", "CryptoKey %s not found." % name)

    # --- Cloud Storage (JSON API v1) ---
    def storage_bucket(self, bucket):
        p = self.server.scenario["project"]
        out = {"kind": "storage#bucket", "selfLink":
               "https://www.googleapis.com/storage/v1/b/%s" % bucket["name"],
               "id": bucket["name"], "name": bucket["name"], "projectNumber": p["projectNumber"],
               "metageneration": "1", "location": bucket.get("location", "US"),
               "storageClass": "STANDARD", "etag": "CAE=",
               "timeCreated": "2024-02-01T09:00:00.000Z", "updated": "2024-02-01T09:00:00.000Z",
               "iamConfiguration": {
                   "bucketPolicyOnly": {"enabled": bucket.get("uniform", False)},
                   "uniformBucketLevelAccess": {"enabled": bucket.get("uniform", False)},
                   "publicAccessPrevention": "inherited"},
               "locationType": "multi-region"}
        if "retentionPolicy" in bucket:
            out["retentionPolicy"] = bucket["retentionPolicy"]
        return out

    def find_bucket(self, name):
        for bucket in self.server.scenario.get("buckets", []):
            if bucket["name"] == name:
                return bucket
        raise Reply(404, {"error": {"code": 404, "message": "The specified bucket does not exist.",
                                    "errors": [{"message": "The specified bucket does not exist.",
                                                "domain": "global", "reason": "notFound"}]}})

    def route_buckets(self):
        self.resource_call("buckets.list", self.query_one("project", ""))
        items = [self.storage_bucket(b) for b in self.server.scenario.get("buckets", [])]
        body = self.page(items, "items", "maxResults")
        body["kind"] = "storage#buckets"
        return 200, body

    def route_bucket(self, name):
        self.resource_call("buckets.get")
        return 200, self.storage_bucket(self.find_bucket(name))

    def route_bucket_policy(self, name):
        self.resource_call("buckets.getIamPolicy")
        bucket = self.find_bucket(name)
        return 200, dict({"kind": "storage#policy", "resourceId": "projects/_/buckets/" + name,
                          "version": 1, "etag": "CAE=", "bindings": []}, **bucket.get("policy", {}))

    # --- Cloud Logging and Monitoring ---
    def route_sinks(self, project):
        self.resource_call("sinks.list", project)
        return 200, self.page(self.server.scenario.get("sinks", []), "sinks", "pageSize")

    def route_metrics(self, project):
        self.resource_call("metrics.list", project)
        return 200, self.page(self.server.scenario.get("log_metrics", []), "metrics", "pageSize")

    def route_alert_policies(self, project):
        self.resource_call("alertPolicies.list", project)
        body = self.page(self.server.scenario.get("alert_policies", []), "alertPolicies",
                         "pageSize")
        body["totalSize"] = len(self.server.scenario.get("alert_policies", []))
        return 200, body

    # --- Compute Engine ---
    def compute_list(self, op, project, key, kind):
        self.resource_call(op, project)
        body = self.page(self.server.scenario.get(key, []), "items", "maxResults")
        body.update({"kind": kind, "id": "projects/%s/global/%s" % (
            self.server.scenario["project"]["projectId"], key)})
        return 200, body

    def route_compute_project(self, project):
        p = self.resource_call("compute.projects.get", project)
        return 200, dict({"kind": "compute#project", "id": p["projectNumber"],
                          "name": p["projectId"], "commonInstanceMetadata": {
                              "kind": "compute#metadata", "fingerprint": "zhTC8g_9E3E=",
                              "items": []},
                          "defaultServiceAccount": "%s-compute@developer.gserviceaccount.com"
                          % p["projectNumber"], "xpnProjectStatus": "UNSPECIFIED_XPN_PROJECT_STATUS"},
                         **self.server.scenario.get("compute_project", {}))

    def route_networks(self, project):
        return self.compute_list("networks.list", project, "networks", "compute#networkList")

    def route_firewalls(self, project):
        return self.compute_list("firewalls.list", project, "firewalls", "compute#firewallList")

    def route_subnetworks(self, project):
        self.resource_call("subnetworks.aggregatedList", project)
        return 200, self.aggregated(self.server.scenario.get("subnetworks", {}), "subnetworks",
                                    "compute#subnetworkAggregatedList")

    def route_instances(self, project):
        self.resource_call("instances.aggregatedList", project)
        return 200, self.aggregated(self.server.scenario.get("instances", {}), "instances",
                                    "compute#instanceAggregatedList")

    # --- Cloud DNS and Cloud SQL ---
    def route_managed_zones(self, project):
        self.resource_call("managedZones.list", project)
        body = self.page(self.server.scenario.get("managed_zones", []), "managedZones",
                         "maxResults")
        body["kind"] = "dns#managedZonesListResponse"
        return 200, body

    def route_dns_policies(self, project):
        self.resource_call("dns.policies.list", project)
        body = self.page(self.server.scenario.get("dns_policies", []), "policies", "maxResults")
        body["kind"] = "dns#policiesListResponse"
        return 200, body

    def route_sql_instances(self, project):
        self.resource_call("sql.instances.list", project)
        body = self.page(self.server.scenario.get("sql_instances", []), "items", "maxResults")
        body["kind"] = "sql#instancesList"
        return 200, body
