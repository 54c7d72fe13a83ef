#!/usr/bin/env python3
"""Self-test of fake_azure.py: token endpoint errors, ARM shapes, nextLink paging, faults."""

import base64
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from selftest_lib import Checks, Fake  # noqa: E402

TENANT = "11111111-1111-4111-8111-111111111111"
CLIENT = "22222222-2222-4222-8222-222222222222"
SECRET = "velocity-fake-secret~0123456789"
SUB = "00000000-0000-0000-0000-000000000000"
ARM = "https://management.azure.com/.default"
API = "api-version=2022-04-01"


def token_form(**overrides):
    form = {"client_id": CLIENT, "scope": ARM, "client_secret": SECRET,
            "grant_type": "client_credentials"}
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def get_token(fake):
    status, _, body = fake.call("POST", "/%s/oauth2/v2.0/token" % TENANT, form=token_form())
    assert status == 200, body
    return {"Authorization": "Bearer " + body["access_token"]}


def collect(t, fake, auth, path):
    """Follows nextLink to the end; returns (items, number of pages)."""
    items, pages, url = [], 0, path
    while url:
        status, _, body = fake.call("GET", url, headers=auth)
        t.equal(status, 200, "page %d of %s" % (pages + 1, path))
        if status != 200:
            break
        items += body["value"]
        pages += 1
        url = body.get("nextLink")
        if url:
            t.check(url.startswith(fake.base + "/") and "api-version=" in url,
                    "nextLink is absolute and keeps api-version", url)
    return items, pages


def token_endpoint(t):
    t.start("token endpoint")
    with Fake("fake_azure.py") as fake:
        path = "/%s/oauth2/v2.0/token" % TENANT
        status, _, body = fake.call("POST", path, form=token_form())
        t.equal(status, 200, "client secret accepted")
        t.equal(body.get("token_type"), "Bearer", "token_type")
        t.equal(body.get("expires_in"), 3599, "expires_in")
        t.check(body.get("access_token"), "access_token")
        status, _, _ = fake.call("POST", "/contoso.onmicrosoft.com/oauth2/v2.0/token",
                                 form=token_form())
        t.equal(status, 200, "tenant by domain name")
        basic = base64.b64encode(("%s:%s" % (CLIENT, SECRET)).encode()).decode()
        status, _, _ = fake.call("POST", path, form=token_form(client_id=None, client_secret=None),
                                 headers={"Authorization": "Basic " + basic})
        t.equal(status, 200, "client_secret_basic")

        def rejected(form, status, error, code, what, tenant_path=path):
            got, _, body = fake.call("POST", tenant_path, form=form)
            t.equal(got, status, what + ": status")
            t.equal(body.get("error"), error, what + ": error")
            t.equal(body.get("error_codes"), [code], what + ": error_codes")
            t.check(body.get("error_description", "").startswith("AADSTS%d: " % code),
                    what + ": description starts with the AADSTS code", body)
            t.check("Trace ID: " in body.get("error_description", "") and body.get("trace_id")
                    and body.get("correlation_id") and body.get("timestamp"),
                    what + ": trace, correlation and timestamp", body)

        rejected(token_form(client_secret="wrong"), 401, "invalid_client", 7000215, "wrong secret")
        rejected(token_form(client_secret=None), 401, "invalid_client", 7000218, "no secret")
        rejected(token_form(client_id="99999999-9999-4999-8999-999999999999"), 400,
                 "unauthorized_client", 700016, "unknown client")
        rejected(token_form(scope="https://graph.microsoft.com"), 400, "invalid_scope", 70011,
                 "scope without /.default")
        rejected(token_form(scope=None), 400, "invalid_request", 90014, "no scope")
        rejected(token_form(grant_type="password"), 400, "unsupported_grant_type", 70003,
                 "wrong grant_type")
        rejected(token_form(), 400, "invalid_request", 90002, "unknown tenant",
                 tenant_path="/44444444-4444-4444-8444-444444444444/oauth2/v2.0/token")
        _, _, body = fake.call("POST", path, form=token_form(client_secret="wrong"))
        t.check("not the client secret ID" in body["error_description"],
                "AADSTS7000215 wording", body)


def arm(t):
    t.start("Azure Resource Manager (pass)")
    with Fake("fake_azure.py") as fake:
        auth = get_token(fake)
        status, headers, body = fake.call("GET", "/subscriptions/%s?api-version=2022-12-01" % SUB,
                                          headers=auth)
        t.equal(status, 200, "GET subscription")
        t.equal(body.get("subscriptionId"), SUB, "subscriptionId")
        t.equal(body.get("state"), "Enabled", "state")
        t.equal(body.get("id"), "/subscriptions/" + SUB, "id")
        t.check(headers.get("x-ms-ratelimit-remaining-subscription-reads", "").isdigit(),
                "remaining reads header", headers)
        t.check(headers.get("x-ms-request-id"), "x-ms-request-id")

        groups, pages = collect(t, fake, auth, "/subscriptions/%s/resourcegroups?"
                                               "api-version=2021-04-01" % SUB)
        t.equal([g["name"] for g in groups], ["my-resource-group", "rg-prod-data",
                                              "NetworkWatcherRG"], "resource groups")
        t.equal(pages, 2, "resource groups span two pages")
        t.equal(groups[1]["id"], "/subscriptions/%s/resourceGroups/rg-prod-data" % SUB, "rg id")
        status, _, body = fake.call("GET", "/subscriptions/%s/resourceGroups/RG-PROD-DATA?%s"
                                    % (SUB, API), headers=auth)
        t.check(status == 200 and body["name"] == "rg-prod-data",
                "paths are case-insensitive", body)
        t.equal(fake.call("GET", "/subscriptions/%s/resourcegroups/nope?%s" % (SUB, API),
                          headers=auth)[2]["error"]["code"], "ResourceGroupNotFound",
                "unknown resource group")

        accounts, _ = collect(t, fake, auth, "/subscriptions/%s/providers/Microsoft.Storage/"
                                             "storageAccounts?api-version=2023-01-01" % SUB)
        t.equal(len(accounts), 2, "storage accounts")
        props = accounts[0]["properties"]
        t.equal((props["supportsHttpsTrafficOnly"], props["minimumTlsVersion"],
                 props["allowBlobPublicAccess"]), (True, "TLS1_2", False), "storage settings")
        t.equal(accounts[0]["type"], "Microsoft.Storage/storageAccounts", "storage type")
        t.check(accounts[0]["id"].endswith("/resourceGroups/rg-prod-data/providers/"
                                           "Microsoft.Storage/storageAccounts/stprod01"),
                "storage id", accounts[0]["id"])

        groups, _ = collect(t, fake, auth, "/subscriptions/%s/providers/Microsoft.Network/"
                                           "networkSecurityGroups?api-version=2023-09-01" % SUB)
        t.equal(len(groups), 2, "network security groups")
        rules = groups[0]["properties"]["securityRules"]
        t.equal([r["name"] for r in rules], ["allow-https", "allow-ssh-corp", "deny-rdp",
                                             "allow-ssh-out", "allow-dns-corp"], "custom rules")
        t.equal(rules[1]["properties"]["sourceAddressPrefix"], "10.0.0.0/8", "rule source")
        t.equal(len(groups[0]["properties"]["defaultSecurityRules"]), 6, "default rules")

        assignments, pages = collect(t, fake, auth, "/subscriptions/%s/providers/"
                                                    "Microsoft.Authorization/roleAssignments?%s"
                                     % (SUB, API))
        t.equal(len(assignments), 6, "all role assignments")
        t.equal(pages, 3, "role assignments span three pages")
        at_scope, _ = collect(t, fake, auth, "/subscriptions/%s/providers/Microsoft.Authorization/"
                                             "roleAssignments?%s&$filter=atScope()" % (SUB, API))
        t.equal(len(at_scope), 5, "atScope() leaves out the resource-group assignment")
        owner_id = at_scope[0]["properties"]["roleDefinitionId"]
        t.equal(owner_id, "/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/"
                          "8e3af657-a8ff-443c-a75c-2fe8c4bcb635" % SUB, "roleDefinitionId")
        status, _, body = fake.call("GET", owner_id + "?" + API, headers=auth)
        t.equal((status, body["properties"]["roleName"]), (200, "Owner"), "role definition")
        status, _, body = fake.call("GET", "/providers/Microsoft.Authorization/roleDefinitions/"
                                           "acdd72a7-3385-48ef-bd42-f606fba81ae7?" + API,
                                    headers=auth)
        t.equal((status, body["properties"]["roleName"]), (200, "Reader"), "tenant-level path")
        status, _, body = fake.call("GET", "/subscriptions/%s/providers/Microsoft.Authorization/"
                                           "roleDefinitions?%s&$filter=roleName%%20eq%%20'Owner'"
                                    % (SUB, API), headers=auth)
        t.equal([d["name"] for d in body["value"]], ["8e3af657-a8ff-443c-a75c-2fe8c4bcb635"],
                "roleName filter")
        t.equal(fake.call("GET", "/providers/Microsoft.Authorization/roleDefinitions/nope?" + API,
                          headers=auth)[2]["error"]["code"], "RoleDefinitionDoesNotExist",
                "unknown role definition")

        status, _, body = fake.call("GET", "/subscriptions/%s/resourcegroups" % SUB, headers=auth)
        t.equal((status, body["error"]["code"]), (400, "MissingApiVersionParameter"),
                "api-version is required")
        status, _, body = fake.call("GET", "/subscriptions/%s/resourcegroups?%s" % (SUB, API))
        t.equal((status, body["error"]["code"]), (401, "AuthenticationFailed"), "no token")
        status, headers, body = fake.call("GET", "/subscriptions/%s?%s" % (SUB, API),
                                          headers={"Authorization": "Bearer nope"})
        t.equal((status, body["error"]["code"]), (401, "InvalidAuthenticationToken"), "bad token")
        t.check("www-authenticate" in headers, "WWW-Authenticate on 401")
        status, _, body = fake.call("GET", "/subscriptions/12345678-0000-0000-0000-000000000000?"
                                    + API, headers=auth)
        t.equal((status, body["error"]["code"]), (404, "SubscriptionNotFound"), "other sub")

    t.start("Azure Resource Manager (fail)")
    with Fake("fake_azure.py", "--scenario", "fail") as fake:
        auth = get_token(fake)
        accounts, _ = collect(t, fake, auth, "/subscriptions/%s/providers/Microsoft.Storage/"
                                             "storageAccounts?api-version=2023-01-01" % SUB)
        t.equal(len(accounts), 4, "fail: storage accounts")
        legacy = accounts[3]["properties"]
        t.check("minimumTlsVersion" not in legacy and "allowBlobPublicAccess" not in legacy,
                "fail: legacy account omits the settings", legacy)
        groups, _ = collect(t, fake, auth, "/subscriptions/%s/providers/Microsoft.Network/"
                                           "networkSecurityGroups?api-version=2023-09-01" % SUB)
        rdp = groups[0]["properties"]["securityRules"][1]["properties"]
        t.equal(rdp["destinationPortRanges"], ["443", "3389"], "fail: port list")
        t.check("destinationPortRange" not in rdp, "fail: no single port when a list is given")
        owners, _ = collect(t, fake, auth, "/subscriptions/%s/providers/Microsoft.Authorization/"
                                           "roleAssignments?%s&$filter=atScope()" % (SUB, API))
        t.equal(sum(1 for a in owners if a["properties"]["roleDefinitionId"].endswith(
            "8e3af657-a8ff-443c-a75c-2fe8c4bcb635")), 4, "fail: four Owners")
        vaults, _ = collect(t, fake, auth, "/subscriptions/%s/providers/Microsoft.KeyVault/"
                                           "vaults?api-version=2023-07-01" % SUB)
        t.check("enablePurgeProtection" not in vaults[0]["properties"] and
                vaults[0]["properties"]["privateEndpointConnections"] == [],
                "fail: vault without purge protection or private endpoint", vaults)
        machines, _ = collect(t, fake, auth, "/subscriptions/%s/providers/Microsoft.Compute/"
                                             "virtualMachines?api-version=2024-03-01" % SUB)
        os_disk = machines[0]["properties"]["storageProfile"]["osDisk"]
        t.check("vhd" in os_disk and "managedDisk" not in os_disk, "fail: unmanaged OS disk")
        plans, _ = collect(t, fake, auth, "/subscriptions/%s/providers/Microsoft.Security/"
                                          "pricings?api-version=2024-01-01" % SUB)
        t.equal({p["properties"]["pricingTier"] for p in plans}, {"Free"}, "fail: plans Free")
        alerts, _ = collect(t, fake, auth, "/subscriptions/%s/providers/Microsoft.Insights/"
                                           "activityLogAlerts?api-version=2020-10-01" % SUB)
        t.equal([a["properties"]["enabled"] for a in alerts], [False, True], "fail: alerts")


def services(t):
    t.start("Key Vault, Compute, Defender, Monitor (pass) and unregistered providers")
    with Fake("fake_azure.py", "--set",
              'unregistered_providers=["Microsoft.Compute"]') as fake:
        auth = get_token(fake)
        plans, pages = collect(t, fake, auth, "/subscriptions/%s/providers/Microsoft.Security/"
                                              "pricings?api-version=2024-01-01" % SUB)
        t.equal((pages, {p["properties"]["pricingTier"] for p in plans}), (1, {"Standard"}),
                "pricings: one page, all Standard")
        t.check(all(p["id"].endswith("/pricings/" + p["name"]) for p in plans), "pricing ids")
        settings, _ = collect(t, fake, auth, "/subscriptions/%s/providers/Microsoft.Insights/"
                                             "diagnosticSettings?api-version=2021-05-01-preview"
                                             % SUB)
        t.check({"Administrative", "Security", "Alert", "Policy"} <=
                {log["category"] for log in settings[0]["properties"]["logs"]},
                "diagnostic setting categories")
        alerts, pages = collect(t, fake, auth, "/subscriptions/%s/providers/Microsoft.Insights/"
                                               "activityLogAlerts?api-version=2020-10-01" % SUB)
        t.equal((len(alerts), pages), (11, 6), "alerts: eleven over six pages")
        t.equal(alerts[0]["properties"]["condition"]["allOf"][1]["field"], "operationName",
                "alert condition")
        vaults, _ = collect(t, fake, auth, "/subscriptions/%s/providers/Microsoft.KeyVault/"
                                           "vaults?api-version=2023-07-01" % SUB)
        t.equal(vaults[0]["properties"]["enablePurgeProtection"], True, "vault purge protection")
        status, _, body = fake.call("GET", "/subscriptions/%s/providers/Microsoft.Compute/"
                                           "virtualMachines?api-version=2024-03-01" % SUB,
                                    headers=auth)
        t.equal((status, body["error"]["code"]), (409, "MissingSubscriptionRegistration"),
                "unregistered provider")
        t.check("'Microsoft.Compute'" in body["error"]["message"], "namespace named", body)


def faults(t):
    t.start("missing permission, throttling, expiry")
    with Fake("fake_azure.py", "--deny", "storageAccounts.list",
              "--throttle", "resourceGroups.list:1:2") as fake:
        auth = get_token(fake)
        status, _, body = fake.call("GET", "/subscriptions/%s/providers/Microsoft.Storage/"
                                           "storageAccounts?%s" % (SUB, API), headers=auth)
        t.equal((status, body["error"]["code"]), (403, "AuthorizationFailed"), "denied")
        t.check("'Microsoft.Storage/storageAccounts/read'" in body["error"]["message"] and
                CLIENT in body["error"]["message"], "denied: action and client named", body)
        t.equal(fake.call("GET", "/subscriptions/%s?%s" % (SUB, API), headers=auth)[0], 200,
                "other calls still work")
        path = "/subscriptions/%s/resourcegroups?%s" % (SUB, API)
        status, headers, body = fake.call("GET", path, headers=auth)
        t.equal((status, body["error"]["code"]), (429, "SubscriptionRequestsThrottled"),
                "throttled")
        t.equal(headers.get("retry-after"), "2", "throttled: Retry-After")
        t.equal(fake.call("GET", path, headers=auth)[0], 200, "second attempt passes")
    with Fake("fake_azure.py", "--set", "token_lifetime=1") as fake:
        auth = get_token(fake)
        time.sleep(1.3)
        status, _, body = fake.call("GET", "/subscriptions/%s?%s" % (SUB, API), headers=auth)
        t.equal((status, body["error"]["code"]), (401, "ExpiredAuthenticationToken"), "expired")


def main():
    t = Checks("selftest_azure")
    token_endpoint(t)
    arm(t)
    services(t)
    faults(t)
    t.finish()


if __name__ == "__main__":
    main()
