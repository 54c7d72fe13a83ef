#!/usr/bin/env python3
"""Self-test of fake_github.py: tokens, shapes, Link paging, primary and secondary limits."""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from selftest_lib import Checks, Fake  # noqa: E402

OWNER = "ghp_VelocityFakeOwner0000000000000000000"
MEMBER = "ghp_VelocityFakeMember000000000000000000"


def headers_for(token, scheme="Bearer"):
    return {"Authorization": "%s %s" % (scheme, token), "User-Agent": "velocity-selftest",
            "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}


def links(header):
    """rel -> URL from a Link header."""
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="([a-z]+)"', header or "")}


def follow(t, fake, path, auth):
    """Every item of a paged list, following rel="next"; returns (items, pages)."""
    items, pages, url = [], 0, path
    while url:
        status, headers, body = fake.call("GET", url, headers=auth)
        t.equal(status, 200, "page %d of %s" % (pages + 1, path))
        if status != 200:
            break
        items += body
        pages += 1
        url = links(headers.get("link")).get("next")
    return items, pages


def basics(t):
    t.start("authentication and shapes")
    with Fake("fake_github.py") as fake:
        owner = headers_for(OWNER)
        status, headers, body = fake.call("GET", "/user", headers=owner)
        t.equal(status, 200, "GET /user")
        t.equal(body.get("login"), "octocat", "login")
        t.equal(headers.get("x-oauth-scopes"), "read:org, repo", "x-oauth-scopes")
        for name in ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset",
                     "x-ratelimit-used", "x-ratelimit-resource"):
            t.check(name in headers, "header " + name, headers)
        t.equal(headers.get("x-ratelimit-resource"), "core", "resource core")
        t.check(int(headers["x-ratelimit-reset"]) > time.time(), "reset is epoch seconds ahead")
        t.equal(fake.call("GET", "/user", headers=headers_for(OWNER, "token"))[0], 200,
                "older 'token' scheme")
        status, _, body = fake.call("GET", "/user", headers=headers_for("ghp_wrong"))
        t.equal(status, 401, "bad token")
        t.equal(body, {"message": "Bad credentials", "documentation_url":
                       "https://docs.github.com/rest", "status": "401"}, "bad token body")
        status, _, body = fake.call("GET", "/user", headers={"User-Agent": "x"})
        t.equal((status, body["message"]), (401, "Requires authentication"), "no token")
        t.equal(fake.call("GET", "/user", headers={"Authorization": "Bearer " + OWNER,
                                                  "User-Agent": ""})[0], 403,
                "no User-Agent is refused")

        status, _, body = fake.call("GET", "/orgs/acme-corp", headers=owner)
        t.equal(status, 200, "GET /orgs/{org}")
        t.equal(body.get("two_factor_requirement_enabled"), True, "owner sees 2FA requirement")
        t.equal(fake.call("GET", "/orgs/ACME-CORP", headers=owner)[0], 200, "org login any case")
        t.equal(fake.call("GET", "/orgs/nope", headers=owner)[0], 404, "unknown org")
        _, _, body = fake.call("GET", "/orgs/acme-corp", headers=headers_for(MEMBER))
        t.check("two_factor_requirement_enabled" not in body and "login" in body,
                "member does not see owner-only fields", body)

        status, headers, body = fake.call("GET", "/orgs/acme-corp/repos?per_page=100",
                                          headers=owner)
        t.equal((status, len(body)), (200, 6), "all repositories on one page")
        t.check("link" not in headers, "no Link header on a single page")
        t.equal(body[0]["security_and_analysis"]["secret_scanning"], {"status": "enabled"},
                "security_and_analysis for the owner")
        t.equal(body[3]["default_branch"], "trunk", "default branch")
        _, _, body = fake.call("GET", "/orgs/acme-corp/repos", headers=headers_for(MEMBER))
        t.check("security_and_analysis" not in body[0], "no security_and_analysis for members")
        status, _, body = fake.call("GET", "/repos/acme-corp/api", headers=owner)
        t.equal((status, body.get("full_name")), (200, "acme-corp/api"), "GET repo")

        status, _, body = fake.call("GET", "/repos/acme-corp/api/branches/main/protection",
                                    headers=owner)
        t.equal(status, 200, "branch protection")
        reviews = body["required_pull_request_reviews"]
        t.equal((reviews["required_approving_review_count"], reviews["dismiss_stale_reviews"],
                 body["enforce_admins"]["enabled"]), (2, True, True), "protection settings")
        status, _, body = fake.call("GET", "/repos/acme-corp/infra/branches/release/1.x/"
                                           "protection", headers=owner)
        t.equal((status, body.get("message")), (404, "Branch not protected"),
                "branch with a slash, not protected")
        t.equal(fake.call("GET", "/repos/acme-corp/api/branches/nope/protection",
                          headers=owner)[2]["message"], "Branch not found", "unknown branch")
        status, _, body = fake.call("GET", "/repos/acme-corp/api/branches/main/protection",
                                    headers=headers_for(MEMBER))
        t.equal((status, body["message"]), (403, "Must have admin rights to Repository."),
                "member cannot read protection")
        t.equal(fake.call("GET", "/repos/acme-corp/api/vulnerability-alerts",
                          headers=owner)[0], 204, "vulnerability alerts enabled")

        status, _, body = fake.call("GET", "/orgs/acme-corp/members?filter=2fa_disabled",
                                    headers=owner)
        t.equal((status, body), (200, []), "no members without 2FA")
        status, _, body = fake.call("GET", "/orgs/acme-corp/members?filter=2fa_disabled",
                                    headers=headers_for(MEMBER))
        t.equal((status, body["message"]), (422, "Only owners can use this filter."),
                "filter is for owners only")
        status, _, body = fake.call("GET", "/api/v3/orgs/acme-corp/members", headers=owner)
        t.equal((status, len(body)), (200, 3), "GitHub Enterprise Server prefix /api/v3")


def fail_data(t):
    t.start("fail scenario")
    with Fake("fake_github.py", "--scenario", "fail") as fake:
        owner = headers_for(OWNER)
        t.equal(fake.call("GET", "/orgs/acme-corp", headers=owner)[2]
                ["two_factor_requirement_enabled"], False, "2FA not required")
        status, _, body = fake.call("GET", "/repos/acme-corp/api/branches/main/protection",
                                    headers=owner)
        t.equal((status, body), (404, {"message": "Branch not protected", "documentation_url":
                                       "https://docs.github.com/rest/branches/branch-protection"
                                       "#get-branch-protection", "status": "404"}),
                "unprotected branch")
        _, _, body = fake.call("GET", "/repos/acme-corp/web/branches/main/protection",
                               headers=owner)
        t.check("required_pull_request_reviews" not in body and
                not body["enforce_admins"]["enabled"], "no reviews, admins not enforced", body)
        _, _, body = fake.call("GET", "/repos/acme-corp/docs/branches/main/protection",
                               headers=owner)
        t.equal(body["required_pull_request_reviews"]["required_approving_review_count"], 0,
                "zero approving reviews")
        _, _, repos = fake.call("GET", "/orgs/acme-corp/repos", headers=owner)
        t.equal([r["security_and_analysis"]["secret_scanning"]["status"] for r in repos],
                ["disabled", "disabled", "enabled", "disabled", "enabled"],
                "secret scanning status")
        _, _, body = fake.call("GET", "/orgs/acme-corp/members?filter=2fa_disabled",
                               headers=owner)
        t.equal([m["login"] for m in body], ["hubot", "new-hire"], "members without 2FA")
        t.equal(fake.call("GET", "/repos/acme-corp/api/vulnerability-alerts",
                          headers=owner)[0], 404, "vulnerability alerts disabled")


def settings_and_files(t):
    t.start("webhooks, Actions policies, files, code scanning, keys, rules")
    with Fake("fake_github.py", "--scenario", "fail") as fake:
        owner, member = headers_for(OWNER), headers_for(MEMBER)
        status, _, body = fake.call("GET", "/orgs/acme-corp/hooks", headers=owner)
        t.equal((status, body[0]["config"]["url"], body[0]["config"]["insecure_ssl"]),
                (200, "http://hooks.acme.example/github", "1"), "organization webhook")
        t.equal(fake.call("GET", "/orgs/acme-corp/hooks", headers=member)[0], 404,
                "webhooks hidden from members")
        t.equal(fake.call("GET", "/orgs/acme-corp/actions/permissions", headers=owner)[2]
                ["allowed_actions"], "all", "allowed actions")
        t.equal(fake.call("GET", "/orgs/acme-corp/actions/permissions/workflow",
                          headers=owner)[2],
                {"default_workflow_permissions": "write",
                 "can_approve_pull_request_reviews": True}, "workflow permissions")
        t.equal(fake.call("GET", "/orgs/acme-corp/actions/permissions/fork-pr-contributor-"
                                 "approval", headers=owner)[2],
                {"approval_policy": "first_time_contributors"}, "fork PR approval policy")
        _, _, body = fake.call("GET", "/orgs/acme-corp/outside_collaborators?filter=2fa_disabled",
                               headers=owner)
        t.equal([p["login"] for p in body], ["contractor"], "outside collaborators without 2FA")
        _, _, body = fake.call("GET", "/orgs/acme-corp/members?role=admin", headers=owner)
        t.equal(len(body), 4, "owners")
        t.equal(fake.call("GET", "/repos/acme-corp/web/contents/.github/CODEOWNERS",
                          headers=owner)[2]["path"], ".github/CODEOWNERS", "file found")
        t.equal(fake.call("GET", "/repos/acme-corp/api/contents/CODEOWNERS",
                          headers=owner)[:3:2], (404, {"message": "Not Found", "documentation_url":
                "https://docs.github.com/rest/repos/contents#get-repository-content",
                "status": "404"}), "file missing")
        t.equal(fake.call("GET", "/repos/acme-corp/api/code-scanning/analyses",
                          headers=owner)[2]["message"], "no analysis found", "never analysed")
        t.equal(fake.call("GET", "/repos/acme-corp/web/code-scanning/analyses",
                          headers=owner)[0], 403, "code scanning unavailable")
        t.equal(fake.call("GET", "/repos/acme-corp/infra/code-scanning/analyses",
                          headers=owner)[2][0]["tool"]["name"], "CodeQL", "analysed")
        t.equal([k["read_only"] for k in fake.call("GET", "/repos/acme-corp/infra/keys",
                                                   headers=owner)[2]], [False], "deploy key")
        t.equal(fake.call("GET", "/repos/acme-corp/infra/keys", headers=member)[0], 404,
                "deploy keys hidden from members")
        status, _, body = fake.call("GET", "/repos/acme-corp/billing/branches/main/protection",
                                    headers=owner)
        t.check(status == 403 and body["message"].startswith("Upgrade to GitHub Pro"),
                "plan without branch protection", body)
    with Fake("fake_github.py", "--scenario", "pass") as fake:
        owner = headers_for(OWNER)
        _, _, body = fake.call("GET", "/repos/acme-corp/web/rules/branches/main", headers=owner)
        t.equal([r["type"] for r in body][:3], ["update", "deletion", "non_fast_forward"],
                "ruleset rules")
        t.equal(body[0]["ruleset_source_type"], "Repository", "rule source")
        t.equal(fake.call("GET", "/repos/acme-corp/sandbox/contents/CODEOWNERS",
                          headers=owner)[2]["message"], "This repository is empty.",
                "empty repository contents")
        t.equal(fake.call("GET", "/repos/acme-corp/sandbox/branches/main/protection",
                          headers=owner)[2]["message"], "Branch not found",
                "empty repository has no branch")


def paging(t):
    t.start("Link pagination")
    with Fake("fake_github.py", "--scenario", "paged") as fake:
        owner = headers_for(OWNER)
        status, headers, body = fake.call("GET", "/orgs/acme-corp/repos?per_page=100",
                                          headers=owner)
        rels = links(headers.get("link"))
        t.equal(len(body), 2, "page 1 capped at 2")
        t.equal(sorted(rels), ["last", "next"], "page 1 links: next, last")
        t.equal(rels.get("next"), fake.base + "/organizations/1000/repos?per_page=2&page=2",
                "next link follows GitHub's /organizations/{id} form")
        _, headers, _ = fake.call("GET", rels["next"], headers=owner)
        t.equal(sorted(links(headers.get("link"))), ["first", "last", "next", "prev"],
                "middle page links")
        repos, pages = follow(t, fake, "/orgs/acme-corp/repos", owner)
        t.equal(([r["name"] for r in repos], pages),
                (["api", "web", "docs", "infra", "old-site", "sandbox"], 3),
                "all repositories, 3 pages")
        members, pages = follow(t, fake, "/api/v3/orgs/acme-corp/members?filter=all", owner)
        t.equal((len(members), pages), (3, 2), "members over 2 pages under /api/v3")
        _, headers, _ = fake.call("GET", "/api/v3/orgs/acme-corp/members?filter=all",
                                  headers=owner)
        t.check(links(headers["link"])["next"].startswith(fake.base + "/api/v3/organizations/"
                                                          "1000/members?filter=all"),
                "links keep the prefix and the filter", headers["link"])


def rate_limits(t):
    t.start("primary and secondary rate limits")
    with Fake("fake_github.py", "--set", "rate_limit.remaining=2",
              "--set", "rate_limit.reset_after=2") as fake:
        owner = headers_for(OWNER)
        _, headers, _ = fake.call("GET", "/user", headers=owner)
        t.equal((headers["x-ratelimit-remaining"], headers["x-ratelimit-used"]), ("1", "4999"),
                "counts down")
        _, _, body = fake.call("GET", "/rate_limit", headers=owner)
        t.equal(body["resources"]["core"]["remaining"], 1, "/rate_limit reports and is free")
        t.equal(fake.call("GET", "/user", headers=owner)[0], 200, "last request of the window")
        status, headers, body = fake.call("GET", "/user", headers=owner)
        t.equal(status, 403, "primary limit: 403")
        t.equal(headers.get("x-ratelimit-remaining"), "0", "primary limit: remaining 0")
        t.check(body["message"].startswith("API rate limit exceeded for user ID 1."),
                "primary limit message", body)
        reset = int(headers["x-ratelimit-reset"])
        time.sleep(max(0.0, reset - time.time()) + 0.2)
        status, headers, _ = fake.call("GET", "/user", headers=owner)
        t.equal((status, headers.get("x-ratelimit-remaining")), (200, "4999"),
                "after x-ratelimit-reset the window renews")
    with Fake("fake_github.py", "--set", "rate_limit.remaining=0", "--set",
              "rate_limit.status=429") as fake:
        t.equal(fake.call("GET", "/user", headers=headers_for(OWNER))[0], 429,
                "primary limit as 429")
    with Fake("fake_github.py", "--set",
              'secondary={"after": 1, "times": 2, "status": 429, "retry_after": 1}') as fake:
        owner = headers_for(OWNER)
        t.equal(fake.call("GET", "/user", headers=owner)[0], 200, "before the secondary limit")
        for attempt in (1, 2):
            status, headers, body = fake.call("GET", "/orgs/acme-corp", headers=owner)
            t.equal(status, 429, "secondary limit %d" % attempt)
            t.equal(headers.get("retry-after"), "1", "secondary limit: retry-after")
            t.check("secondary rate limit" in body["message"] and
                    headers.get("x-ratelimit-remaining") != "0",
                    "secondary limit: message, remaining not 0", body)
        t.equal(fake.call("GET", "/orgs/acme-corp", headers=owner)[0], 200, "after the limit")
    with Fake("fake_github.py", "--set",
              'secondary={"after": 0, "times": 1, "status": 403, "retry_after": null}') as fake:
        status, headers, body = fake.call("GET", "/user", headers=headers_for(OWNER))
        t.check(status == 403 and "retry-after" not in headers and
                "secondary rate limit" in body["message"], "403 secondary without retry-after",
                body)
    with Fake("fake_github.py", "--deny", "members", "--deny", "branch_protection") as fake:
        owner = headers_for(OWNER)
        t.equal(fake.call("GET", "/orgs/acme-corp/members?filter=2fa_disabled",
                          headers=owner)[0], 422, "denied members filter: 422")
        t.equal(fake.call("GET", "/repos/acme-corp/api/branches/main/protection",
                          headers=owner)[0], 403, "denied branch protection: 403")
        t.equal(fake.call("GET", "/orgs/acme-corp/repos", headers=owner)[0], 200,
                "other calls still work")


def main():
    t = Checks("selftest_github")
    basics(t)
    fail_data(t)
    settings_and_files(t)
    paging(t)
    rate_limits(t)
    t.finish()


if __name__ == "__main__":
    main()
