#!/usr/bin/env python3
"""A fake Azure: Microsoft identity platform v2.0 token endpoint (client credentials) and the
Azure Resource Manager reads velocity makes (subscription, resource groups, storage accounts,
network security groups, key vaults, virtual machines, SQL servers and their children, App
Service apps and their configuration, Defender for Cloud pricings, activity log diagnostic
settings and alerts, role assignments and definitions), with nextLink paging.

Usage: python3 tests/fakes/fake_azure.py [--scenario pass|fail|FILE] [common options, see
fakelib.py]. Routes, scenario keys and error bodies: tests/fakes/README.md.
"""

import base64
import os
import re
import secrets
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakelib  # noqa: E402
from fakelib import Reply  # noqa: E402

ARM_SCOPES = ("https://management.azure.com/.default",
              "https://management.core.windows.net//.default")

# op -> the action ARM names when the caller lacks it
ACTIONS = {
    "subscriptions.list": "Microsoft.Resources/subscriptions/read",
    "subscriptions.get": "Microsoft.Resources/subscriptions/read",
    "resourceGroups.list": "Microsoft.Resources/subscriptions/resourcegroups/read",
    "resourceGroups.get": "Microsoft.Resources/subscriptions/resourcegroups/read",
    "storageAccounts.list": "Microsoft.Storage/storageAccounts/read",
    "networkSecurityGroups.list": "Microsoft.Network/networkSecurityGroups/read",
    "roleAssignments.list": "Microsoft.Authorization/roleAssignments/read",
    "roleDefinitions.list": "Microsoft.Authorization/roleDefinitions/read",
    "roleDefinitions.get": "Microsoft.Authorization/roleDefinitions/read",
    "vaults.listBySubscription": "Microsoft.KeyVault/vaults/read",
    "virtualMachines.listAll": "Microsoft.Compute/virtualMachines/read",
    "pricings.list": "Microsoft.Security/pricings/read",
    "subscriptionDiagnosticSettings.list": "Microsoft.Insights/diagnosticSettings/read",
    "activityLogAlerts.listBySubscriptionId": "Microsoft.Insights/activityLogAlerts/read",
    "blobServices.getServiceProperties": "Microsoft.Storage/storageAccounts/blobServices/read",
    "keys.list": "Microsoft.KeyVault/vaults/keys/read",
    "secrets.list": "Microsoft.KeyVault/vaults/secrets/read",
    "servers.list": "Microsoft.Sql/servers/read",
    "firewallRules.listByServer": "Microsoft.Sql/servers/firewallRules/read",
    "serverBlobAuditingPolicies.listByServer": "Microsoft.Sql/servers/auditingSettings/read",
    "serverAzureADAdministrators.listByServer": "Microsoft.Sql/servers/administrators/read",
    "databases.listByServer": "Microsoft.Sql/servers/databases/read",
    "transparentDataEncryptions.get":
        "Microsoft.Sql/servers/databases/transparentDataEncryption/read",
    "webApps.list": "Microsoft.Web/sites/Read",
    "webApps.getConfiguration": "Microsoft.Web/sites/config/Read",
}

# op -> the resource provider namespace a subscription must have registered for it
NAMESPACES = {
    "storageAccounts.list": "Microsoft.Storage",
    "networkSecurityGroups.list": "Microsoft.Network",
    "vaults.listBySubscription": "Microsoft.KeyVault",
    "virtualMachines.listAll": "Microsoft.Compute",
    "pricings.list": "Microsoft.Security",
    "subscriptionDiagnosticSettings.list": "Microsoft.Insights",
    "activityLogAlerts.listBySubscriptionId": "Microsoft.Insights",
    "servers.list": "Microsoft.Sql",
    "webApps.list": "Microsoft.Web",
}

SUB = r"/subscriptions/([^/]+)"
PROVIDERS = r"/providers/microsoft\.authorization"
SQL_SERVER = SUB + r"/resourcegroups/([^/]+)/providers/microsoft\.sql/servers/([^/]+)"


def arm_error(status, code, message, headers=()):
    return Reply(status, {"error": {"code": code, "message": message}}, headers)


class AzureHandler(fakelib.Handler):
    PLATFORM = "fake_azure"
    # ARM paths are case-insensitive: routes match the lower-cased path (see prepare()).
    ROUTES = [
        ("POST", re.compile(r"/([^/]+)/oauth2/v2\.0/token"), "token", "route_token"),
        ("GET", re.compile(r"/subscriptions"), "subscriptions.list", "route_subscriptions"),
        ("GET", re.compile(SUB), "subscriptions.get", "route_subscription"),
        ("GET", re.compile(SUB + r"/resourcegroups"), "resourceGroups.list",
         "route_resource_groups"),
        ("GET", re.compile(SUB + r"/resourcegroups/([^/]+)"), "resourceGroups.get",
         "route_resource_group"),
        ("GET", re.compile(SUB + r"/providers/microsoft\.storage/storageaccounts"),
         "storageAccounts.list", "route_storage_accounts"),
        ("GET", re.compile(SUB + r"/providers/microsoft\.network/networksecuritygroups"),
         "networkSecurityGroups.list", "route_network_security_groups"),
        ("GET", re.compile(SUB + r"/providers/microsoft\.keyvault/vaults"),
         "vaults.listBySubscription", "route_vaults"),
        ("GET", re.compile(SUB + r"/providers/microsoft\.compute/virtualmachines"),
         "virtualMachines.listAll", "route_virtual_machines"),
        ("GET", re.compile(SUB + r"/providers/microsoft\.security/pricings"), "pricings.list",
         "route_pricings"),
        ("GET", re.compile(SUB + r"/providers/microsoft\.insights/diagnosticsettings"),
         "subscriptionDiagnosticSettings.list", "route_diagnostic_settings"),
        ("GET", re.compile(SUB + r"/providers/microsoft\.insights/activitylogalerts"),
         "activityLogAlerts.listBySubscriptionId", "route_activity_log_alerts"),
        ("GET", re.compile(SUB + r"/resourcegroups/([^/]+)/providers/microsoft\.storage/"
                           r"storageaccounts/([^/]+)/blobservices/default"),
         "blobServices.getServiceProperties", "route_blob_service"),
        ("GET", re.compile(SUB + r"/resourcegroups/([^/]+)/providers/microsoft\.keyvault/vaults/"
                           r"([^/]+)/(keys|secrets)"), "vault.items", "route_vault_items"),
        ("GET", re.compile(SUB + r"/providers/microsoft\.sql/servers"), "servers.list",
         "route_sql_servers"),
        ("GET", re.compile(SQL_SERVER + r"/(firewallrules|auditingsettings|administrators|databases)"),
         "sql.children", "route_sql_children"),
        ("GET", re.compile(SQL_SERVER + r"/databases/([^/]+)/transparentdataencryption/current"),
         "transparentDataEncryptions.get", "route_tde"),
        ("GET", re.compile(SUB + r"/providers/microsoft\.web/sites"), "webApps.list",
         "route_web_apps"),
        ("GET", re.compile(SUB + r"/resourcegroups/([^/]+)/providers/microsoft\.web/sites/([^/]+)"
                           r"/config/web"), "webApps.getConfiguration", "route_web_config"),
        ("GET", re.compile(SUB + PROVIDERS + r"/roleassignments"), "roleAssignments.list",
         "route_role_assignments"),
        ("GET", re.compile(SUB + PROVIDERS + r"/roledefinitions"), "roleDefinitions.list",
         "route_role_definitions"),
        ("GET", re.compile(r"((?:/subscriptions/[^/]+)?)" + PROVIDERS + r"/roledefinitions/([^/]+)"),
         "roleDefinitions.get", "route_role_definition"),
    ]

    def prepare(self):
        # Match on the lower-cased path, but hand routes the names as the client spelled them.
        self.original_path = self.route_path
        self.route_path = self.route_path.rstrip("/").lower() or "/"

    def original(self, lowered):
        index = self.original_path.lower().find(lowered)
        return self.original_path[index:index + len(lowered)] if index >= 0 else lowered

    # --- errors in ARM's shapes ---
    def permission_denied(self, op):
        sub = self.server.scenario["subscription"]["subscriptionId"]
        client = getattr(self, "client", None) or {}
        return arm_error(403, "AuthorizationFailed",
                         "The client '%s' with object id '%s' does not have authorization to "
                         "perform action '%s' over scope '/subscriptions/%s' or the scope is "
                         "invalid. If access was recently granted, please refresh your "
                         "credentials." % (client.get("client_id", ""), client.get("object_id", ""),
                                           ACTIONS.get(op, op), sub))

    def throttled(self, op, retry_after):
        sub = self.server.scenario["subscription"]["subscriptionId"]
        seconds = retry_after if retry_after is not None else 17
        headers = [("x-ms-ratelimit-remaining-subscription-reads", "0")]
        if retry_after is not None:
            headers.append(("Retry-After", str(retry_after)))
        return arm_error(429, "SubscriptionRequestsThrottled",
                         "Number of 'read' requests for subscription '%s' exceeded the limit of "
                         "'12000' for time interval '01:00:00'. Please try again after '%d' "
                         "seconds." % (sub, seconds), headers)

    def server_error(self, op, status):
        return arm_error(status, "InternalServerError",
                         "Encountered internal server error. Diagnostic information: timestamp "
                         "'%s', subscription id '%s'." % (
                             time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(self.server.now())),
                             self.server.scenario["subscription"]["subscriptionId"]))

    def not_found(self):
        return arm_error(404, "InvalidResourceType",
                         "The resource type could not be found in the namespace for api "
                         "version '%s'." % self.query_one("api-version", ""))

    def extra_headers(self):
        headers = [("x-ms-request-id", fakelib.new_id()),
                   ("x-ms-correlation-request-id", fakelib.new_id())]
        if self.route_path.startswith("/subscriptions"):
            with self.server.lock:
                self.server.data["reads_left"] = max(0, self.server.data["reads_left"] - 1)
                left = self.server.data["reads_left"]
            headers.append(("x-ms-ratelimit-remaining-subscription-reads", str(left)))
        return headers

    # --- token endpoint ---
    def token_error(self, status, error, code, text):
        trace, correlation = fakelib.new_id(), fakelib.new_id()
        stamp = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(self.server.now()))
        return Reply(status, {
            "error": error,
            "error_description": "AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\n"
                                 "Timestamp: %s" % (code, text, trace, correlation, stamp),
            "error_codes": [code], "timestamp": stamp, "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": "https://login.microsoftonline.com/error?code=%d" % code})

    def route_token(self, tenant):
        tenant = self.original("/" + tenant)[1:]
        self.check_faults("token")
        scenario = self.server.scenario
        if tenant.lower() not in (scenario["tenant_id"].lower(),
                                  scenario.get("tenant_domain", "").lower()):
            raise self.token_error(400, "invalid_request", 90002,
                                   "Tenant '%s' not found. Check to make sure you have the correct "
                                   "tenant ID and are signing into the correct cloud. Check with "
                                   "your subscription administrator, this may happen if there are "
                                   "no active subscriptions for the tenant." % tenant)
        form = self.form()
        client_id, secret = form.get("client_id"), form.get("client_secret")
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            try:
                pair = base64.b64decode(basic[6:]).decode()
                client_id, secret = (urllib.parse.unquote_plus(p) for p in pair.split(":", 1))
            except (ValueError, UnicodeDecodeError):
                pass
        grant = form.get("grant_type")
        if grant != "client_credentials":
            raise self.token_error(400, "unsupported_grant_type", 70003,
                                   "The app requested an unsupported grant type '%s'." % grant)
        if not client_id:
            raise self.token_error(400, "invalid_request", 900144,
                                   "The request body must contain the following parameter: "
                                   "'client_id'.")
        client = next((c for c in scenario["clients"] if c["client_id"] == client_id), None)
        if client is None:
            raise self.token_error(400, "unauthorized_client", 700016,
                                   "Application with identifier '%s' was not found in the "
                                   "directory '%s'. This can happen if the application has not "
                                   "been installed by the administrator of the tenant or consented "
                                   "to by any user in the tenant. You may have sent your "
                                   "authentication request to the wrong tenant." % (client_id,
                                                                                    tenant))
        scope = form.get("scope")
        if not scope:
            raise self.token_error(400, "invalid_request", 90014,
                                   "The required field 'scope' is missing from the credential. "
                                   "Ensure that you have all the necessary parameters for the "
                                   "login request.")
        if scope not in ARM_SCOPES:
            raise self.token_error(400, "invalid_scope", 70011,
                                   "The provided value for the input parameter 'scope' is not "
                                   "valid. The scope %s is not valid." % scope)
        if not secret:
            raise self.token_error(401, "invalid_client", 7000218,
                                   "The request body must contain the following parameter: "
                                   "'client_assertion' or 'client_secret'.")
        if secret != client["client_secret"]:
            raise self.token_error(401, "invalid_client", 7000215,
                                   "Invalid client secret provided. Ensure the secret being sent "
                                   "in the request is the client secret value, not the client "
                                   "secret ID, for a secret added to app '%s'." % client_id)
        lifetime = int(scenario.get("token_lifetime", 3599))
        token = "fake-arm." + secrets.token_urlsafe(32)
        with self.server.lock:
            self.server.data["tokens"][token] = {"client": client,
                                                 "expires": self.server.now() + lifetime}
        return 200, {"token_type": "Bearer", "expires_in": lifetime, "access_token": token}

    # --- ARM ---
    def authorize(self, op, sub=None):
        scenario = self.server.scenario
        challenge = ('Bearer authorization_uri="https://login.microsoftonline.com/%s", '
                     'error="invalid_token"' % scenario["tenant_id"])
        header = self.headers.get("Authorization")
        if not header:
            raise arm_error(401, "AuthenticationFailed",
                            "Authentication failed. The 'Authorization' header is missing.",
                            [("WWW-Authenticate", challenge)])
        token = self.bearer_token()
        with self.server.lock:
            record = self.server.data["tokens"].get(token) if token else None
        if record is None:
            raise arm_error(401, "InvalidAuthenticationToken", "The access token is invalid.",
                            [("WWW-Authenticate", challenge)])
        now = self.server.now()
        if record["expires"] <= now:
            fmt = "%m/%d/%Y %H:%M:%S"
            raise arm_error(401, "ExpiredAuthenticationToken",
                            "The access token expiry UTC time '%s' is earlier than current UTC "
                            "time '%s'." % (time.strftime(fmt, time.gmtime(record["expires"])),
                                            time.strftime(fmt, time.gmtime(now))),
                            [("WWW-Authenticate", challenge)])
        self.client = record["client"]
        if not self.query_one("api-version"):
            raise arm_error(400, "MissingApiVersionParameter",
                            "The api-version query parameter (?api-version=) is required for all "
                            "requests.")
        extra = self.extra_subscription(sub) if sub is not None else None
        if sub is not None and extra is None and \
                sub.lower() != scenario["subscription"]["subscriptionId"].lower():
            raise arm_error(404, "SubscriptionNotFound",
                            "The subscription '%s' could not be found." % sub)
        self.check_faults(op)
        namespace = NAMESPACES.get(op)
        if namespace in scenario.get("unregistered_providers", []):
            raise arm_error(409, "MissingSubscriptionRegistration",
                            "The subscription is not registered to use namespace '%s'. See "
                            "https://aka.ms/rps-not-found for how to register subscriptions."
                            % namespace)
        # The other subscriptions hold no resources: every list in them is empty.
        if extra is not None and op != "subscriptions.get":
            raise Reply(200, {"value": []})

    def extra_subscription(self, sub):
        for extra in self.server.scenario.get("extra_subscriptions", []):
            if extra["subscriptionId"].lower() == sub.lower():
                return extra
        return None

    def page(self, items):
        """One page of `items` as {"value": [...], "nextLink": ...} ($skiptoken = offset)."""
        size = int(self.server.scenario.get("page_size", 100))
        try:
            start = int(self.query_one("$skiptoken", "0"))
        except ValueError:
            raise arm_error(400, "InvalidSkipToken", "The provided skip token is invalid.") \
                from None
        body = {"value": items[start:start + size]}
        if start + size < len(items):
            query = [(k, v) for k, values in self.query.items() if k != "$skiptoken"
                     for v in values] + [("$skiptoken", str(start + size))]
            body["nextLink"] = (self.server.base_url + self.url.path + "?" +
                                urllib.parse.urlencode(query))
        return body

    def sub_id(self):
        return self.server.scenario["subscription"]["subscriptionId"]

    def subscription(self, s=None):
        s = s or self.server.scenario["subscription"]
        return {"id": "/subscriptions/%s" % s["subscriptionId"],
                "authorizationSource": "RoleBased", "managedByTenants": [],
                "subscriptionId": s["subscriptionId"], "tenantId": self.server.scenario["tenant_id"],
                "displayName": s["displayName"], "state": s.get("state", "Enabled"),
                "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01",
                                         "quotaId": "PayAsYouGo_2014-09-01",
                                         "spendingLimit": "Off"}}

    def route_subscriptions(self):
        self.authorize("subscriptions.list")
        return 200, self.page([self.subscription()] + [
            self.subscription(extra)
            for extra in self.server.scenario.get("extra_subscriptions", [])])

    def route_subscription(self, sub):
        self.authorize("subscriptions.get", sub)
        return 200, self.subscription(self.extra_subscription(sub))

    def resource_group(self, rg):
        body = {"id": "/subscriptions/%s/resourceGroups/%s" % (self.sub_id(), rg["name"]),
                "name": rg["name"], "type": "Microsoft.Resources/resourceGroups",
                "location": rg["location"], "properties": {"provisioningState": "Succeeded"}}
        if rg.get("tags"):
            body["tags"] = rg["tags"]
        return body

    def route_resource_groups(self, sub):
        self.authorize("resourceGroups.list", sub)
        return 200, self.page([self.resource_group(rg)
                               for rg in self.server.scenario["resource_groups"]])

    def route_resource_group(self, sub, name):
        self.authorize("resourceGroups.get", sub)
        name = self.original("/" + name)[1:]
        for rg in self.server.scenario["resource_groups"]:
            if rg["name"].lower() == name.lower():
                return 200, self.resource_group(rg)
        raise arm_error(404, "ResourceGroupNotFound", "Resource group '%s' could not be found."
                        % name)

    def resource_id(self, rg, provider, name):
        return "/subscriptions/%s/resourceGroups/%s/providers/%s/%s" % (self.sub_id(), rg,
                                                                          provider, name)

    def route_storage_accounts(self, sub):
        self.authorize("storageAccounts.list", sub)
        accounts = []
        for a in self.server.scenario["storage_accounts"]:
            name = a["name"]
            endpoints = {kind: "https://%s.%s.core.windows.net/" % (name, kind)
                         for kind in ("blob", "queue", "table", "file", "dfs", "web")}
            properties = {"provisioningState": "Succeeded", "creationTime":
                          "2023-05-01T10:00:00.0000000Z", "primaryLocation": a["location"],
                          "statusOfPrimary": "available", "primaryEndpoints": endpoints,
                          "encryption": {"keySource": "Microsoft.Storage", "services": {
                              "blob": {"enabled": True, "keyType": "Account"},
                              "file": {"enabled": True, "keyType": "Account"}}},
                          "networkAcls": {"bypass": "AzureServices", "defaultAction": "Allow",
                                          "ipRules": [], "virtualNetworkRules": []}}
            # Absent settings stay absent: older accounts omit minimumTlsVersion, for instance.
            properties.update({k: v for k, v in a.get("properties", {}).items() if v is not None})
            accounts.append({"id": self.resource_id(a["resource_group"],
                                                    "Microsoft.Storage/storageAccounts", name),
                             "name": name, "type": "Microsoft.Storage/storageAccounts",
                             "location": a["location"], "tags": a.get("tags", {}),
                             "kind": a.get("kind", "StorageV2"),
                             "sku": {"name": a.get("sku", "Standard_LRS"), "tier": "Standard"},
                             "properties": properties})
        return 200, self.page(accounts)

    def route_network_security_groups(self, sub):
        self.authorize("networkSecurityGroups.list", sub)
        groups = []
        for g in self.server.scenario["network_security_groups"]:
            gid = self.resource_id(g["resource_group"], "Microsoft.Network/networkSecurityGroups",
                                   g["name"])
            rules = []
            for rule in g.get("security_rules", []):
                properties = {"provisioningState": "Succeeded", "protocol": "Tcp",
                              "sourcePortRange": "*", "destinationAddressPrefix": "*",
                              "sourcePortRanges": [], "destinationPortRanges": [],
                              "sourceAddressPrefixes": [], "destinationAddressPrefixes": []}
                properties.update(rule["properties"])
                rules.append({"name": rule["name"], "id": gid + "/securityRules/" + rule["name"],
                              "etag": 'W/"%s"' % fakelib.new_id(),
                              "type": "Microsoft.Network/networkSecurityGroups/securityRules",
                              "properties": properties})
            groups.append({"name": g["name"], "id": gid,
                           "type": "Microsoft.Network/networkSecurityGroups",
                           "location": g["location"], "etag": 'W/"%s"' % fakelib.new_id(),
                           "properties": {"provisioningState": "Succeeded",
                                          "resourceGuid": fakelib.new_id(),
                                          "securityRules": rules,
                                          "defaultSecurityRules": default_rules(gid)}})
        return 200, self.page(groups)

    def route_vaults(self, sub):
        self.authorize("vaults.listBySubscription", sub)
        vaults = []
        for v in self.server.scenario.get("key_vaults", []):
            vid = self.resource_id(v["resource_group"], "Microsoft.KeyVault/vaults", v["name"])
            properties = {"tenantId": self.server.scenario["tenant_id"],
                          "sku": {"family": "A", "name": "standard"}, "accessPolicies": [],
                          "enabledForDeployment": False, "enabledForDiskEncryption": False,
                          "enabledForTemplateDeployment": False, "enableSoftDelete": True,
                          "softDeleteRetentionInDays": 90, "enableRbacAuthorization": False,
                          "vaultUri": "https://%s.vault.azure.net/" % v["name"],
                          "provisioningState": "Succeeded", "publicNetworkAccess": "Enabled"}
            # enablePurgeProtection is absent until turned on (it can never be set to false).
            properties.update({k: val for k, val in v.get("properties", {}).items()
                               if val is not None})
            properties["privateEndpointConnections"] = [
                {"id": vid + "/privateEndpointConnections/" + pe, "etag": "",
                 "properties": {"provisioningState": "Succeeded",
                                "privateEndpoint": {"id": self.resource_id(
                                    v["resource_group"], "Microsoft.Network/privateEndpoints",
                                    pe)},
                                "privateLinkServiceConnectionState": {
                                    "status": "Approved", "actionsRequired": "None"}}}
                for pe in v.get("private_endpoints", [])]
            vaults.append({"id": vid, "name": v["name"], "type": "Microsoft.KeyVault/vaults",
                           "location": v["location"], "tags": v.get("tags", {}),
                           "systemData": {"createdBy": "admin@contoso.com",
                                          "createdByType": "User",
                                          "createdAt": "2023-05-01T10:00:00.000Z"},
                           "properties": properties})
        return 200, self.page(vaults)

    def route_virtual_machines(self, sub):
        self.authorize("virtualMachines.listAll", sub)
        machines = []
        for m in self.server.scenario.get("virtual_machines", []):
            rg, name = m["resource_group"], m["name"]

            def disk(disk_name, managed, extra):
                body = {"name": disk_name, "createOption": "FromImage", "caching": "ReadWrite",
                        "diskSizeGB": 30}
                body.update(extra)
                if managed:
                    body["managedDisk"] = {"storageAccountType": "Premium_LRS", "id":
                                           self.resource_id(rg, "Microsoft.Compute/disks",
                                                            disk_name)}
                else:
                    body["vhd"] = {"uri": "https://%svhds.blob.core.windows.net/vhds/%s.vhd"
                                          % (name.replace("-", ""), disk_name)}
                return body
            managed = m.get("managed_disks", True)
            properties = {"vmId": fakelib.new_id(),
                          "hardwareProfile": {"vmSize": "Standard_D2s_v3"},
                          "storageProfile": {
                              "imageReference": {"publisher": "Canonical",
                                                 "offer": "0001-com-ubuntu-server-jammy",
                                                 "sku": "22_04-lts-gen2", "version": "latest"},
                              "osDisk": disk(name + "_OsDisk_1", managed, {"osType": "Linux"}),
                              "dataDisks": [disk(name + "_data_%d" % i, managed, {"lun": i})
                                            for i in range(m.get("data_disks", 0))]},
                          "osProfile": {"computerName": name, "adminUsername": "azureuser",
                                        "linuxConfiguration": {
                                            "disablePasswordAuthentication": True}},
                          "networkProfile": {"networkInterfaces": [{"id": self.resource_id(
                              rg, "Microsoft.Network/networkInterfaces", name + "-nic")}]},
                          "provisioningState": "Succeeded"}
            if m.get("encryption_at_host") is not None:
                properties["securityProfile"] = {"encryptionAtHost": m["encryption_at_host"]}
            machines.append({"name": name, "id": self.resource_id(
                rg, "Microsoft.Compute/virtualMachines", name),
                "type": "Microsoft.Compute/virtualMachines", "location": m["location"],
                "properties": properties})
        return 200, self.page(machines)

    def route_pricings(self, sub):
        self.authorize("pricings.list", sub)
        plans = []
        for name, tier in self.server.scenario.get("defender_plans", {}).items():
            properties = {"pricingTier": tier, "freeTrialRemainingTime":
                          "PT0S" if tier == "Standard" else "P30D"}
            if tier == "Standard":
                properties["enablementTime"] = "2024-02-01T10:00:00.0000000Z"
            plans.append({"id": "/subscriptions/%s/providers/Microsoft.Security/pricings/%s"
                                % (self.sub_id(), name),
                          "name": name, "type": "Microsoft.Security/pricings",
                          "properties": properties})
        return 200, {"value": plans}

    def route_diagnostic_settings(self, sub):
        self.authorize("subscriptionDiagnosticSettings.list", sub)
        settings = []
        for d in self.server.scenario.get("activity_log_diagnostic_settings", []):
            settings.append({
                "id": "/subscriptions/%s/providers/microsoft.insights/diagnosticSettings/%s"
                      % (self.sub_id(), d["name"]),
                "type": "Microsoft.Insights/diagnosticSettings", "name": d["name"],
                "properties": {"workspaceId": self.resource_id(
                    "rg-monitor", "Microsoft.OperationalInsights/workspaces", "law-central"),
                    "logs": [{"category": c, "enabled": True} for c in d["categories"]]}})
        return 200, {"value": settings}

    def route_activity_log_alerts(self, sub):
        self.authorize("activityLogAlerts.listBySubscriptionId", sub)
        alerts = []
        for a in self.server.scenario.get("activity_log_alerts", []):
            conditions = [{"field": "category", "equals": a.get("category", "Administrative")}]
            if a.get("operation"):
                conditions.append({"field": "operationName", "equals": a["operation"]})
            alerts.append({
                "id": self.resource_id("rg-monitor", "Microsoft.Insights/activityLogAlerts",
                                       a["name"]),
                "type": "Microsoft.Insights/ActivityLogAlerts", "name": a["name"],
                "location": "Global", "tags": {},
                "properties": {"scopes": [a.get("scope", "/subscriptions/%s" % self.sub_id())],
                               "condition": {"allOf": conditions},
                               "actions": {"actionGroups": [{
                                   "actionGroupId": self.resource_id(
                                       "rg-monitor", "Microsoft.Insights/actionGroups",
                                       "security-team"),
                                   "webhookProperties": {}}]},
                               "enabled": a.get("enabled", True), "description": ""}})
        return 200, self.page(alerts)

    def find(self, key, rg, name, kind):
        for item in self.server.scenario.get(key, []):
            if item["resource_group"].lower() == rg and item["name"].lower() == name:
                return item
        raise arm_error(404, "ResourceNotFound",
                        "The Resource '%s/%s' under resource group '%s' was not found."
                        % (kind, name, rg))

    def route_blob_service(self, sub, rg, name):
        self.authorize("blobServices.getServiceProperties", sub)
        account = self.find("storage_accounts", rg, name, "Microsoft.Storage/storageAccounts")
        blob = account.get("blob_service", {})
        aid = self.resource_id(account["resource_group"], "Microsoft.Storage/storageAccounts",
                               account["name"])
        return 200, {"id": aid + "/blobServices/default", "name": "default",
                     "type": "Microsoft.Storage/storageAccounts/blobServices",
                     "sku": {"name": account.get("sku", "Standard_LRS"), "tier": "Standard"},
                     "properties": {
                         "cors": {"corsRules": []},
                         "deleteRetentionPolicy": {"enabled": blob.get("soft_delete", False),
                                                   "days": 14} if blob.get("soft_delete")
                         else {"enabled": False, "allowPermanentDelete": False},
                         "containerDeleteRetentionPolicy": {
                             "enabled": blob.get("container_soft_delete", False), "days": 14}
                         if blob.get("container_soft_delete") else {"enabled": False},
                         "isVersioningEnabled": blob.get("versioning", False)}}

    def route_vault_items(self, sub, rg, name, which):
        op = "keys.list" if which == "keys" else "secrets.list"
        self.authorize(op, sub)
        vault = self.find("key_vaults", rg, name, "Microsoft.KeyVault/vaults")
        vid = self.resource_id(vault["resource_group"], "Microsoft.KeyVault/vaults",
                               vault["name"])
        items = []
        for item in vault.get(which, []):
            attributes = {"enabled": item.get("enabled", True), "created": 1700000000,
                          "updated": 1700000000, "recoveryLevel": "Recoverable+Purgeable"}
            if item.get("exp") is not None:
                attributes["exp"] = item["exp"]
            properties = {"attributes": attributes}
            if which == "keys":
                properties.update({"kty": "RSA", "keyUri": "https://%s.vault.azure.net/keys/%s"
                                   % (vault["name"], item["name"])})
            else:
                properties.update({"contentType": "text/plain", "secretUri":
                                   "https://%s.vault.azure.net/secrets/%s"
                                   % (vault["name"], item["name"])})
            items.append({"id": "%s/%s/%s" % (vid, which, item["name"]), "name": item["name"],
                          "type": "Microsoft.KeyVault/vaults/" + which, "location":
                          vault["location"], "properties": properties})
        return 200, self.page(items)

    def find_sql_server(self, rg, name):
        for server in self.server.scenario.get("sql_servers", []):
            if server["resource_group"].lower() == rg and server["name"].lower() == name:
                return server
        raise arm_error(404, "ResourceNotFound",
                        "The Resource 'Microsoft.Sql/servers/%s' under resource group '%s' was "
                        "not found." % (name, rg))

    def route_sql_servers(self, sub):
        self.authorize("servers.list", sub)
        servers = []
        for v in self.server.scenario.get("sql_servers", []):
            properties = {"administratorLogin": "sqladmin", "version": "12.0", "state": "Ready",
                          "fullyQualifiedDomainName": "%s.database.windows.net" % v["name"],
                          "privateEndpointConnections": [], "publicNetworkAccess": "Enabled",
                          "restrictOutboundNetworkAccess": "Disabled"}
            if v.get("minimal_tls_version") is not None:
                properties["minimalTlsVersion"] = v["minimal_tls_version"]
            servers.append({"id": self.resource_id(v["resource_group"], "Microsoft.Sql/servers",
                                                   v["name"]),
                            "name": v["name"], "type": "Microsoft.Sql/servers",
                            "location": v["location"], "kind": "v12.0", "properties": properties})
        return 200, self.page(servers)

    def route_sql_children(self, sub, rg, name, child):
        op = {"firewallrules": "firewallRules.listByServer",
              "auditingsettings": "serverBlobAuditingPolicies.listByServer",
              "administrators": "serverAzureADAdministrators.listByServer",
              "databases": "databases.listByServer"}[child]
        self.authorize(op, sub)
        server = self.find_sql_server(rg, name)
        sid = self.resource_id(server["resource_group"], "Microsoft.Sql/servers", server["name"])
        if child == "firewallrules":
            items = [{"id": sid + "/firewallRules/" + r["name"], "name": r["name"],
                      "type": "Microsoft.Sql/servers/firewallRules",
                      "properties": {"startIpAddress": r["start"], "endIpAddress": r["end"]}}
                     for r in server.get("firewall_rules", [])]
        elif child == "auditingsettings":
            audit = server.get("auditing", {})
            items = [{"id": sid + "/auditingSettings/Default", "name": "Default",
                      "type": "Microsoft.Sql/servers/auditingSettings",
                      "properties": {"state": audit.get("state", "Disabled"),
                                     "retentionDays": audit.get("retention_days", 0),
                                     "auditActionsAndGroups": [
                                         "SUCCESSFUL_DATABASE_AUTHENTICATION_GROUP",
                                         "FAILED_DATABASE_AUTHENTICATION_GROUP",
                                         "BATCH_COMPLETED_GROUP"],
                                     "isStorageSecondaryKeyInUse": False,
                                     "isAzureMonitorTargetEnabled": True,
                                     "isManagedIdentityInUse": False}}]
        elif child == "administrators":
            admin = server.get("entra_admin")
            items = [] if not admin else [{
                "id": sid + "/administrators/ActiveDirectory", "name": "ActiveDirectory",
                "type": "Microsoft.Sql/servers/administrators",
                "properties": {"administratorType": "ActiveDirectory", "login": admin,
                               "sid": fakelib.new_id(),
                               "tenantId": self.server.scenario["tenant_id"],
                               "azureADOnlyAuthentication": False}}]
        else:
            items = [{"id": sid + "/databases/" + db, "name": db,
                      "type": "Microsoft.Sql/servers/databases", "location": server["location"],
                      "kind": "v12.0,user" if db != "master" else "v12.0,system",
                      "sku": {"name": "GP_Gen5", "tier": "GeneralPurpose", "capacity": 2},
                      "properties": {"status": "Online", "collation":
                                     "SQL_Latin1_General_CP1_CI_AS"}}
                     for db in ["master"] + list(server.get("databases", {}))]
        return 200, self.page(items)

    def route_tde(self, sub, rg, name, database):
        self.authorize("transparentDataEncryptions.get", sub)
        server = self.find_sql_server(rg, name)
        state = {k.lower(): v for k, v in server.get("databases", {}).items()}.get(database)
        if state is None:
            raise arm_error(404, "ResourceNotFound", "The requested resource of type "
                            "'Microsoft.Sql/servers/databases' with name '%s' was not found."
                            % database)
        sid = self.resource_id(server["resource_group"], "Microsoft.Sql/servers", server["name"])
        return 200, {"id": "%s/databases/%s/transparentDataEncryption/Current" % (sid, database),
                     "name": "Current",
                     "type": "Microsoft.Sql/servers/databases/transparentDataEncryption",
                     "properties": {"state": state}}

    def find_web_app(self, rg, name):
        for app in self.server.scenario.get("web_apps", []):
            if app["resource_group"].lower() == rg and app["name"].lower() == name:
                return app
        raise arm_error(404, "ResourceNotFound",
                        "The Resource 'Microsoft.Web/sites/%s' under resource group '%s' was not "
                        "found." % (name, rg))

    def route_web_apps(self, sub):
        self.authorize("webApps.list", sub)
        sites = []
        for app in self.server.scenario.get("web_apps", []):
            site = {"id": self.resource_id(app["resource_group"], "Microsoft.Web/sites",
                                           app["name"]),
                    "name": app["name"], "type": "Microsoft.Web/sites", "kind": "app,linux",
                    "location": app["location"],
                    "properties": {"state": "Running",
                                   "hostNames": ["%s.azurewebsites.net" % app["name"]],
                                   "enabled": True, "httpsOnly": app.get("https_only", False),
                                   "clientCertEnabled": False, "siteConfig": None,
                                   "publicNetworkAccess": "Enabled"}}
            if app.get("identity"):
                site["identity"] = {"type": app["identity"], "principalId": fakelib.new_id(),
                                    "tenantId": self.server.scenario["tenant_id"]}
            sites.append(site)
        return 200, self.page(sites)

    def route_web_config(self, sub, rg, name):
        self.authorize("webApps.getConfiguration", sub)
        app = self.find_web_app(rg, name)
        aid = self.resource_id(app["resource_group"], "Microsoft.Web/sites", app["name"])
        return 200, {"id": aid + "/config/web", "name": app["name"],
                     "type": "Microsoft.Web/sites/config", "location": app["location"],
                     "properties": {"numberOfWorkers": 1, "netFrameworkVersion": "v4.0",
                                    "linuxFxVersion": "PYTHON|3.11", "http20Enabled":
                                    app.get("http20", True), "minTlsVersion":
                                    app.get("min_tls", "1.2"), "scmMinTlsVersion": "1.2",
                                    "ftpsState": app.get("ftps_state", "FtpsOnly"),
                                    "alwaysOn": False, "remoteDebuggingEnabled": False}}

    def definition_id(self, definition, scoped=True):
        prefix = "/subscriptions/%s" % self.sub_id() if scoped else ""
        return prefix + "/providers/Microsoft.Authorization/roleDefinitions/" + definition["name"]

    def find_definition(self, ref):
        for d in self.server.scenario["role_definitions"]:
            if ref.lower() in (d["name"].lower(), d["role_name"].lower()):
                return d
        return None

    def route_role_assignments(self, sub):
        self.authorize("roleAssignments.list", sub)
        at_scope = self.query_one("$filter", "") == "atScope()"
        items = []
        for a in self.server.scenario["role_assignments"]:
            scope = a.get("scope", "/subscriptions/%s" % self.sub_id())
            if at_scope and scope.lower() != "/subscriptions/%s" % self.sub_id().lower():
                continue
            definition = self.find_definition(a["role"])
            items.append({"properties": {
                "roleDefinitionId": self.definition_id(definition or {"name": a["role"]}),
                "principalId": a["principal_id"], "principalType": a.get("principal_type", "User"),
                "scope": scope, "condition": None, "conditionVersion": None,
                "createdOn": "2023-01-10T09:00:00.0000000Z",
                "updatedOn": "2023-01-10T09:00:00.0000000Z",
                "createdBy": None, "updatedBy": None, "delegatedManagedIdentityResourceId": None,
                "description": None},
                "id": scope + "/providers/Microsoft.Authorization/roleAssignments/" + a["name"],
                "type": "Microsoft.Authorization/roleAssignments", "name": a["name"]})
        return 200, self.page(items)

    def role_definition(self, d, scoped=True):
        return {"properties": {"roleName": d["role_name"], "type": d.get("type", "BuiltInRole"),
                               "description": d.get("description", ""),
                               "assignableScopes": ["/"],
                               "permissions": d.get("permissions", [
                                   {"actions": ["*"], "notActions": [], "dataActions": [],
                                    "notDataActions": []}]),
                               "createdOn": "2015-02-02T21:55:09.8806423Z",
                               "updatedOn": "2021-11-11T20:13:47.8628684Z",
                               "createdBy": None, "updatedBy": None},
                "id": self.definition_id(d, scoped),
                "type": "Microsoft.Authorization/roleDefinitions", "name": d["name"]}

    def route_role_definitions(self, sub):
        self.authorize("roleDefinitions.list", sub)
        wanted = None
        match = re.fullmatch(r"roleName eq '([^']*)'", self.query_one("$filter", ""))
        if match:
            wanted = match.group(1).lower()
        return 200, self.page([self.role_definition(d)
                               for d in self.server.scenario["role_definitions"]
                               if wanted is None or d["role_name"].lower() == wanted])

    def route_role_definition(self, scope, ident):
        sub = scope[len("/subscriptions/"):] if scope else None
        self.authorize("roleDefinitions.get", sub)
        for d in self.server.scenario["role_definitions"]:
            if d["name"].lower() == ident:
                return 200, self.role_definition(d, bool(scope))
        raise arm_error(404, "RoleDefinitionDoesNotExist",
                        "The specified role definition with ID '%s' does not exist." % ident)


def default_rules(gid):
    """The six default rules every NSG carries (as in the NetworkSecurityGroupListAll example)."""
    rules = [("AllowVnetInBound", "Allow inbound traffic from all VMs in VNET", "VirtualNetwork",
              "VirtualNetwork", "Allow", 65000, "Inbound"),
             ("AllowAzureLoadBalancerInBound", "Allow inbound traffic from azure load balancer",
              "AzureLoadBalancer", "*", "Allow", 65001, "Inbound"),
             ("DenyAllInBound", "Deny all inbound traffic", "*", "*", "Deny", 65500, "Inbound"),
             ("AllowVnetOutBound", "Allow outbound traffic from all VMs to all VMs in VNET",
              "VirtualNetwork", "VirtualNetwork", "Allow", 65000, "Outbound"),
             ("AllowInternetOutBound", "Allow outbound traffic from all VMs to Internet", "*",
              "Internet", "Allow", 65001, "Outbound"),
             ("DenyAllOutBound", "Deny all outbound traffic", "*", "*", "Deny", 65500,
              "Outbound")]
    return [{"name": name, "id": gid + "/defaultSecurityRules/" + name,
             "properties": {"provisioningState": "Succeeded", "description": text,
                            "protocol": "*", "sourcePortRange": "*", "destinationPortRange": "*",
                            "sourceAddressPrefix": source, "destinationAddressPrefix": dest,
                            "access": access, "priority": priority, "direction": direction}}
            for name, text, source, dest, access, priority, direction in rules]


def prepare(server):
    server.data["tokens"] = {}
    server.data["reads_left"] = 12000
    for key in ("tenant_id", "clients", "subscription"):
        if key not in server.scenario:
            raise KeyError(key)


if __name__ == "__main__":
    fakelib.main("azure", AzureHandler, __doc__.splitlines()[0], prepare_server=prepare)
