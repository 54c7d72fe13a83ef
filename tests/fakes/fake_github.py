#!/usr/bin/env python3
"""A fake GitHub REST API (v3): /user, the organization, its webhooks and Actions policies, its
repositories (Link paging), branch protection and ruleset rules, members (2FA filter, owners),
outside collaborators, Dependabot alerts status, contents, code scanning analyses, repository
webhooks and deploy keys, /rate_limit; primary and secondary rate limits with GitHub's headers;
also served under /api/v3 as GitHub Enterprise Server does.

Usage: python3 tests/fakes/fake_github.py [--scenario pass|fail|FILE] [common options, see
fakelib.py]. Routes, scenario keys and error bodies: tests/fakes/README.md.
"""

import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakelib  # noqa: E402
from fakelib import Reply  # noqa: E402

DOCS = "https://docs.github.com/rest"
ORG_SCOPES = "admin:org, read:org, repo, user, write:org"
# Fields of GET /orgs/{org} that only organization owners see.
OWNER_ONLY_ORG_FIELDS = (
    "two_factor_requirement_enabled", "billing_email", "plan", "total_private_repos",
    "owned_private_repos", "private_gists", "disk_usage", "collaborators",
    "default_repository_permission", "members_can_create_repositories",
    "members_allowed_repository_creation_type", "members_can_create_public_repositories",
    "members_can_create_private_repositories", "members_can_create_internal_repositories",
    "members_can_fork_private_repositories", "web_commit_signoff_required",
    "advanced_security_enabled_for_new_repositories",
    "dependabot_alerts_enabled_for_new_repositories",
    "dependabot_security_updates_enabled_for_new_repositories",
    "dependency_graph_enabled_for_new_repositories",
    "secret_scanning_enabled_for_new_repositories",
    "secret_scanning_push_protection_enabled_for_new_repositories")


def gh_error(status, message, doc=DOCS, headers=()):
    return Reply(status, {"message": message, "documentation_url": doc, "status": str(status)},
                 headers)


class GitHubHandler(fakelib.Handler):
    PLATFORM = "fake_github"
    ROUTES = [
        ("GET", re.compile(r"/user"), "user", "route_user"),
        ("GET", re.compile(r"/rate_limit"), "rate_limit", "route_rate_limit"),
        ("GET", re.compile(r"/orgs/([^/]+)"), "org", "route_org"),
        ("GET", re.compile(r"/orgs/([^/]+)/repos"), "repos", "route_repos"),
        ("GET", re.compile(r"/organizations/(\d+)/repos"), "repos", "route_repos_by_id"),
        ("GET", re.compile(r"/orgs/([^/]+)/members"), "members", "route_members"),
        ("GET", re.compile(r"/organizations/(\d+)/members"), "members", "route_members_by_id"),
        ("GET", re.compile(r"/repos/([^/]+)/([^/]+)"), "repo", "route_repo"),
        ("GET", re.compile(r"/repos/([^/]+)/([^/]+)/branches/(.+)/protection"),
         "branch_protection", "route_protection"),
        ("GET", re.compile(r"/repos/([^/]+)/([^/]+)/vulnerability-alerts"), "vulnerability_alerts",
         "route_vulnerability_alerts"),
        ("GET", re.compile(r"/orgs/([^/]+)/hooks"), "org_hooks", "route_org_hooks"),
        ("GET", re.compile(r"/orgs/([^/]+)/actions/permissions"), "actions_permissions",
         "route_actions_permissions"),
        ("GET", re.compile(r"/orgs/([^/]+)/actions/permissions/workflow"), "actions_workflow",
         "route_actions_workflow"),
        ("GET", re.compile(r"/orgs/([^/]+)/actions/permissions/fork-pr-contributor-approval"),
         "actions_fork_pr_approval", "route_actions_fork_pr_approval"),
        ("GET", re.compile(r"/orgs/([^/]+)/outside_collaborators"), "outside_collaborators",
         "route_outside_collaborators"),
        ("GET", re.compile(r"/repos/([^/]+)/([^/]+)/contents/(.+)"), "contents", "route_contents"),
        ("GET", re.compile(r"/repos/([^/]+)/([^/]+)/code-scanning/analyses"), "code_scanning",
         "route_code_scanning"),
        ("GET", re.compile(r"/repos/([^/]+)/([^/]+)/hooks"), "repo_hooks", "route_repo_hooks"),
        ("GET", re.compile(r"/repos/([^/]+)/([^/]+)/keys"), "deploy_keys", "route_deploy_keys"),
        ("GET", re.compile(r"/repos/([^/]+)/([^/]+)/rules/branches/(.+)"), "branch_rules",
         "route_branch_rules"),
        ("GET", re.compile(r"/repos/([^/]+)/([^/]+)/rulesets/(\d+)"), "ruleset", "route_ruleset"),
    ]

    def prepare(self):
        # GitHub Enterprise Server serves the same API under /api/v3.
        self.prefix = ""
        if self.route_path.startswith("/api/v3/"):
            self.prefix = "/api/v3"
            self.route_path = self.route_path[len(self.prefix):]
        if not self.headers.get("User-Agent"):
            raise Reply(403, "Request forbidden by administrative rules. Please make sure your "
                             "request has a User-Agent header "
                             "(https://docs.github.com/en/rest/overview/resources-in-the-rest-api"
                             "#user-agent-required). Check https://developer.github.com for other "
                             "possible causes.\n")

    @property
    def api(self):
        return self.server.base_url + self.prefix

    # --- errors in GitHub's shapes ---
    def permission_denied(self, op):
        if op == "members" and self.query_one("filter") in ("2fa_disabled", "2fa_insecure"):
            return gh_error(422, "Only owners can use this filter.",
                            DOCS + "/orgs/members#list-organization-members")
        if op == "branch_protection":
            return gh_error(403, "Must have admin rights to Repository.",
                            DOCS + "/branches/branch-protection#get-branch-protection")
        return gh_error(403, "Resource not accessible by personal access token",
                        DOCS + "#" + op)

    def throttled(self, op, retry_after):
        return self.secondary_limit(429, retry_after)

    def server_error(self, op, status):
        return Reply(status, {"message": "Server Error"})

    def not_found(self):
        return gh_error(404, "Not Found")

    def extra_headers(self):
        headers = [("x-github-media-type", "github.v3; format=json"),
                   ("x-github-request-id", fakelib.new_id().upper()[:23]),
                   ("x-github-api-version-selected", "2022-11-28")]
        user = getattr(self, "user", None)
        if user is not None:
            headers.append(("x-oauth-scopes", ", ".join(user.get("scopes", []))))
            headers.append(("x-accepted-oauth-scopes", getattr(self, "accepted", "")))
            headers += self.rate_headers(user)
        return headers

    # --- authentication and rate limits ---
    def rate_state(self, user):
        """This token's primary-limit window, renewed when its reset time has passed."""
        limits = self.server.scenario.get("rate_limit", {})
        now = self.server.now()
        with self.server.lock:
            state = self.server.data["rate"].setdefault(user["login"], {
                "limit": int(limits.get("limit", 5000)),
                "remaining": int(limits.get("remaining", limits.get("limit", 5000))),
                "reset": int(now + float(limits.get("reset_after", 3600)))})
            if now >= state["reset"]:
                state["remaining"] = state["limit"]
                state["reset"] = int(now + float(limits.get("window", 3600)))
            return state

    def rate_headers(self, user):
        state = self.rate_state(user)
        return [("x-ratelimit-limit", str(state["limit"])),
                ("x-ratelimit-remaining", str(state["remaining"])),
                ("x-ratelimit-reset", str(state["reset"])),
                ("x-ratelimit-used", str(state["limit"] - state["remaining"])),
                ("x-ratelimit-resource", "core")]

    def secondary_limit(self, status, retry_after):
        headers = [("retry-after", str(retry_after))] if retry_after is not None else []
        return gh_error(status, "You have exceeded a secondary rate limit. Please wait a few "
                                "minutes before you try again. If you reach out to GitHub "
                                "Support for help, please include the request ID %s."
                        % fakelib.new_id().upper()[:23],
                        DOCS + "/overview/rate-limits-for-the-rest-api"
                               "#about-secondary-rate-limits", headers)

    def authorize(self, op, accepted="", counted=True):
        self.accepted = accepted
        token = self.bearer_token()
        if token is None:
            raise gh_error(401, "Requires authentication")
        user = self.server.scenario["tokens"].get(token)
        if user is None:
            raise gh_error(401, "Bad credentials")
        self.user = user
        if not counted:
            return
        state = self.rate_state(user)
        if state["remaining"] <= 0:
            status = int(self.server.scenario.get("rate_limit", {}).get("status", 403))
            raise gh_error(status, "API rate limit exceeded for user ID %d. If you reach out to "
                                   "GitHub Support for help, please include the request ID %s "
                                   "and timestamp %s." % (
                                       user["id"], fakelib.new_id().upper()[:23],
                                       time.strftime("%Y-%m-%d %H:%M:%S UTC",
                                                     time.gmtime(self.server.now()))),
                           DOCS + "/overview/rate-limits-for-the-rest-api")
        with self.server.lock:
            state["remaining"] -= 1
            self.server.data["counted"] += 1
            number = self.server.data["counted"]
        secondary = self.server.scenario.get("secondary")
        if secondary and secondary.get("after", 0) < number <= (secondary.get("after", 0) +
                                                                 secondary.get("times", 1)):
            raise self.secondary_limit(int(secondary.get("status", 403)),
                                       secondary.get("retry_after", 60))
        self.check_faults(op)

    def is_owner(self):
        return self.user.get("role") == "owner"

    # --- data ---
    def org_or_404(self, name):
        org = self.server.scenario["org"]
        if name.lower() != org["login"].lower():
            raise gh_error(404, "Not Found", DOCS + "/orgs/orgs#get-an-organization")
        return org

    def org_by_id(self, ident):
        org = self.server.scenario["org"]
        if int(ident) != org["id"]:
            raise gh_error(404, "Not Found")
        return org

    def repo_or_404(self, owner, name):
        org = self.server.scenario["org"]
        if owner.lower() == org["login"].lower():
            for repo in self.server.scenario["repos"]:
                if repo["name"].lower() == name.lower():
                    return repo
        raise gh_error(404, "Not Found", DOCS + "/repos/repos#get-a-repository")

    def owner_json(self, org):
        login = org["login"]
        return {"login": login, "id": org["id"], "node_id": "O_fake%d" % org["id"],
                "avatar_url": "https://avatars.githubusercontent.com/u/%d?v=4" % org["id"],
                "url": "%s/users/%s" % (self.api, login), "html_url": "https://github.com/" + login,
                "type": "Organization", "site_admin": False}

    def repo_json(self, index, repo):
        org = self.server.scenario["org"]
        full = "%s/%s" % (org["login"], repo["name"])
        private = repo.get("private", True)
        body = {"id": 1296269 + index, "node_id": "R_fake%d" % index, "name": repo["name"],
                "full_name": full, "owner": self.owner_json(org), "private": private,
                "html_url": "https://github.com/" + full, "description": repo.get("description"),
                "fork": repo.get("fork", False), "url": "%s/repos/%s" % (self.api, full),
                "branches_url": "%s/repos/%s/branches{/branch}" % (self.api, full),
                "default_branch": repo.get("default_branch", "main"),
                "archived": repo.get("archived", False), "disabled": False,
                "visibility": repo.get("visibility", "private" if private else "public"),
                "size": 0 if repo.get("empty") else 2048,
                "pushed_at": "2024-01-26T19:06:43Z", "created_at": "2020-01-26T19:01:12Z",
                "updated_at": "2024-01-26T19:14:43Z",
                "permissions": {"admin": self.is_owner(), "maintain": self.is_owner(),
                                "push": True, "triage": True, "pull": True}}
        # security_and_analysis is only shown to admins and security managers.
        if self.is_owner() and repo.get("security_and_analysis") is not None:
            body["security_and_analysis"] = {k: {"status": v} for k, v in
                                             repo["security_and_analysis"].items()}
        return body

    def paginate(self, items, link_path, extra=()):
        """(page, Link header) for `items`, by per_page (max 100) and page, as GitHub does."""
        try:
            per_page = min(int(self.query_one("per_page", "30")), 100)
            page = max(int(self.query_one("page", "1")), 1)
        except ValueError:
            raise gh_error(422, "Validation Failed") from None
        per_page = max(1, min(per_page, int(self.server.scenario.get("page_size_cap", 100))))
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page:page * per_page]
        if last == 1:
            return chunk, []

        def url(number):
            query = list(extra) + [("per_page", str(per_page)), ("page", str(number))]
            return "<%s%s?%s>" % (self.api, link_path, urllib.parse.urlencode(query))

        links = []
        if page > 1:
            links.append(url(page - 1) + '; rel="prev"')
        if page < last:
            links.append(url(page + 1) + '; rel="next"')
            links.append(url(last) + '; rel="last"')
        if page > 1:
            links.append(url(1) + '; rel="first"')
        return chunk, [("Link", ", ".join(links))]

    # --- routes ---
    def route_user(self):
        self.authorize("user")
        user = self.user
        return 200, {"login": user["login"], "id": user["id"], "node_id": "U_fake%d" % user["id"],
                     "avatar_url": "https://avatars.githubusercontent.com/u/%d?v=4" % user["id"],
                     "url": "%s/users/%s" % (self.api, user["login"]),
                     "html_url": "https://github.com/" + user["login"], "type": "User",
                     "site_admin": False, "name": user.get("name"),
                     "created_at": "2008-01-14T04:33:35Z", "updated_at": "2024-01-14T04:33:35Z",
                     "two_factor_authentication": user.get("two_factor", True)}

    def route_rate_limit(self):
        self.authorize("rate_limit", counted=False)  # GET /rate_limit is free
        state = self.rate_state(self.user)
        core = {"limit": state["limit"], "used": state["limit"] - state["remaining"],
                "remaining": state["remaining"], "reset": state["reset"]}
        reset = state["reset"]
        return 200, {"resources": {
            "core": core,
            "search": {"limit": 30, "used": 0, "remaining": 30, "reset": reset},
            "graphql": {"limit": 5000, "used": 0, "remaining": 5000, "reset": reset}},
            "rate": core}

    def route_org(self, name):
        self.authorize("org", ORG_SCOPES)
        org = dict(self.org_or_404(name))
        login = org["login"]
        body = {"login": login, "id": org["id"], "node_id": "O_fake%d" % org["id"],
                "url": "%s/orgs/%s" % (self.api, login),
                "repos_url": "%s/orgs/%s/repos" % (self.api, login),
                "members_url": "%s/orgs/%s/members{/member}" % (self.api, login),
                "description": org.get("description"), "name": org.get("name", login),
                "html_url": "https://github.com/" + login, "type": "Organization",
                "created_at": "2014-02-10T19:51:54Z", "updated_at": "2024-01-10T19:51:54Z",
                "public_repos": sum(1 for r in self.server.scenario["repos"]
                                    if not r.get("private", True))}
        body.update({k: v for k, v in org.items() if k not in ("login", "id")})
        if not self.is_owner():
            for field in OWNER_ONLY_ORG_FIELDS:
                body.pop(field, None)
        return 200, body

    def list_repos(self, org):
        kind = self.query_one("type", "all")
        if kind not in ("all", "public", "private", "forks", "sources", "member"):
            raise gh_error(422, "Validation Failed")
        repos = []
        for index, repo in enumerate(self.server.scenario["repos"]):
            private = repo.get("private", True)
            fork = repo.get("fork", False)
            if ((kind == "public" and private) or (kind == "private" and not private) or
                    (kind == "forks" and not fork) or (kind == "sources" and fork)):
                continue
            repos.append(self.repo_json(index, repo))
        extra = [("type", kind)] if self.query_one("type") else []
        page, headers = self.paginate(repos, "/organizations/%d/repos" % org["id"], extra)
        return 200, page, headers

    def route_repos(self, name):
        self.authorize("repos", ORG_SCOPES)
        return self.list_repos(self.org_or_404(name))

    def route_repos_by_id(self, ident):
        self.authorize("repos", ORG_SCOPES)
        return self.list_repos(self.org_by_id(ident))

    def list_members(self, org):
        wanted = self.query_one("filter", "all")
        role = self.query_one("role", "all")
        if wanted not in ("all", "2fa_disabled", "2fa_insecure") or role not in (
                "all", "admin", "member"):
            raise gh_error(422, "Validation Failed")
        if wanted != "all" and not self.is_owner():
            raise gh_error(422, "Only owners can use this filter.",
                           DOCS + "/orgs/members#list-organization-members")
        members = []
        for index, member in enumerate(self.server.scenario["members"]):
            if wanted == "2fa_disabled" and member.get("two_factor", True):
                continue
            if wanted == "2fa_insecure" and not member.get("insecure_two_factor", False):
                continue
            if role != "all" and member.get("role", "member") != role:
                continue
            login = member["login"]
            members.append({"login": login, "id": 583231 + index, "node_id": "U_fake%d" % index,
                            "avatar_url": "https://avatars.githubusercontent.com/u/%d?v=4"
                                          % (583231 + index),
                            "url": "%s/users/%s" % (self.api, login),
                            "html_url": "https://github.com/" + login, "type": "User",
                            "site_admin": False})
        extra = [(name, self.query_one(name)) for name in ("filter", "role")
                 if self.query_one(name)]
        page, headers = self.paginate(members, "/organizations/%d/members" % org["id"], extra)
        return 200, page, headers

    def route_members(self, name):
        self.authorize("members", ORG_SCOPES)
        return self.list_members(self.org_or_404(name))

    def route_members_by_id(self, ident):
        self.authorize("members", ORG_SCOPES)
        return self.list_members(self.org_by_id(ident))

    def route_repo(self, owner, name):
        self.authorize("repo", "repo")
        repo = self.repo_or_404(owner, name)
        return 200, self.repo_json(self.server.scenario["repos"].index(repo), repo)

    def route_protection(self, owner, name, branch):
        self.authorize("branch_protection", "repo")
        repo = self.repo_or_404(owner, name)
        if not self.is_owner():
            raise self.permission_denied("branch_protection")
        if repo.get("plan_lacks_protection"):
            raise self.upgrade_required()
        if branch not in self.branches(repo):
            raise gh_error(404, "Branch not found",
                           DOCS + "/branches/branch-protection#get-branch-protection")
        # "protection" is the default branch's; "branch_protection" maps other branches' rules.
        if branch == repo.get("default_branch", "main"):
            rules = repo.get("protection")
        else:
            rules = repo.get("branch_protection", {}).get(branch)
        if rules is None:
            raise gh_error(404, "Branch not protected",
                           DOCS + "/branches/branch-protection#get-branch-protection")
        return 200, self.protection_json(owner, name, branch, rules)

    def protection_json(self, owner, name, branch, rules):
        base = "%s/repos/%s/%s/branches/%s/protection" % (self.api, owner, name, branch)
        body = {"url": base}
        checks = rules.get("required_status_checks")
        if checks is not None:
            body["required_status_checks"] = {
                "url": base + "/required_status_checks", "strict": checks.get("strict", True),
                "contexts": checks.get("contexts", []),
                "contexts_url": base + "/required_status_checks/contexts", "checks": [
                    {"context": c, "app_id": None} for c in checks.get("contexts", [])]}
        body["required_signatures"] = {"url": base + "/required_signatures",
                                       "enabled": rules.get("required_signatures", False)}
        body["enforce_admins"] = {"url": base + "/enforce_admins",
                                  "enabled": rules.get("enforce_admins", False)}
        reviews = rules.get("required_pull_request_reviews")
        if reviews is not None:
            body["required_pull_request_reviews"] = {
                "url": base + "/required_pull_request_reviews",
                "dismiss_stale_reviews": reviews.get("dismiss_stale_reviews", False),
                "require_code_owner_reviews": reviews.get("require_code_owner_reviews", False),
                "required_approving_review_count": reviews.get("required_approving_review_count",
                                                               1),
                "require_last_push_approval": reviews.get("require_last_push_approval", False)}
            if reviews.get("dismissal_restrictions") is not None:
                body["required_pull_request_reviews"]["dismissal_restrictions"] = self.allowed(
                    base + "/required_pull_request_reviews/dismissal_restrictions",
                    reviews["dismissal_restrictions"])
        if rules.get("restrictions") is not None:
            body["restrictions"] = self.allowed(base + "/restrictions", rules["restrictions"])
        for flag in ("required_linear_history", "allow_force_pushes", "allow_deletions",
                     "block_creations", "required_conversation_resolution", "lock_branch",
                     "allow_fork_syncing"):
            body[flag] = {"enabled": rules.get(flag, False)}
        return body

    def allowed(self, url, spec):
        """Who a protection lets do something: users, teams and apps, as GitHub lists them."""
        return {"url": url, "users_url": url + "/users", "teams_url": url + "/teams",
                "apps_url": url + "/apps",
                "users": [{"login": login, "type": "User", "site_admin": False}
                          for login in spec.get("users", [])],
                "teams": [{"slug": slug, "name": slug, "privacy": "closed",
                           "permission": "push"} for slug in spec.get("teams", [])],
                "apps": []}

    def route_vulnerability_alerts(self, owner, name):
        self.authorize("vulnerability_alerts", "repo")
        repo = self.repo_or_404(owner, name)
        if not self.is_owner():
            raise self.permission_denied("vulnerability_alerts")
        if repo.get("vulnerability_alerts", False):
            return 204, None
        raise gh_error(404, "Vulnerability alerts are disabled.",
                       DOCS + "/repos/repos#check-if-vulnerability-alerts-are-enabled-for-a-"
                              "repository")

    # --- organisation webhooks, Actions policies, outside collaborators ---
    def upgrade_required(self):
        return gh_error(403, "Upgrade to GitHub Pro or make this repository public to enable "
                             "this feature.",
                        DOCS + "/branches/branch-protection#get-branch-protection")

    def branches(self, repo):
        if repo.get("empty"):
            return []
        return repo.get("branches", [repo.get("default_branch", "main")])

    def owner_only(self, op):
        """GitHub hides admin-only resources from others: 404 Not Found."""
        if not self.is_owner():
            raise gh_error(404, "Not Found", DOCS + "#" + op)

    def hook_json(self, index, hook, url_base, kind):
        config = {"content_type": hook.get("content_type", "json"),
                  "insecure_ssl": str(hook.get("insecure_ssl", "0")), "url": hook["url"]}
        if hook.get("secret", True):
            config["secret"] = "********"
        body = {"type": kind, "id": 12345678 + index, "name": "web",
                "active": hook.get("active", True), "events": hook.get("events", ["push"]),
                "config": config, "updated_at": "2024-06-03T00:57:16Z",
                "created_at": "2024-06-03T00:57:16Z", "url": "%s/%d" % (url_base, 12345678 + index),
                "ping_url": "%s/%d/pings" % (url_base, 12345678 + index),
                "deliveries_url": "%s/%d/deliveries" % (url_base, 12345678 + index)}
        if kind == "Repository":
            body["test_url"] = "%s/%d/test" % (url_base, 12345678 + index)
            body["last_response"] = {"code": None, "status": "unused", "message": None}
        return body

    def route_org_hooks(self, name):
        self.authorize("org_hooks", "admin:org_hook")
        org = self.org_or_404(name)
        self.owner_only("org_hooks")
        base = "%s/orgs/%s/hooks" % (self.api, org["login"])
        hooks = [self.hook_json(i, h, base, "Organization") for i, h in
                 enumerate(org.get("hooks", []))]
        page, headers = self.paginate(hooks, "/orgs/%s/hooks" % org["login"])
        return 200, page, headers

    def actions_setting(self, name, op, key):
        self.authorize(op, "admin:org")
        org = self.org_or_404(name)
        self.owner_only(op)
        return org.get("actions", {}).get(key, {})

    def route_actions_permissions(self, name):
        setting = self.actions_setting(name, "actions_permissions", "permissions")
        body = {"enabled_repositories": setting.get("enabled_repositories", "all"),
                "allowed_actions": setting.get("allowed_actions", "all"),
                "sha_pinning_required": setting.get("sha_pinning_required", False)}
        if body["allowed_actions"] == "selected":
            body["selected_actions_url"] = "%s/orgs/%s/actions/permissions/selected-actions" % (
                self.api, name)
        if body["enabled_repositories"] == "selected":
            body["selected_repositories_url"] = "%s/orgs/%s/actions/permissions/repositories" % (
                self.api, name)
        return 200, body

    def route_actions_workflow(self, name):
        setting = self.actions_setting(name, "actions_workflow", "workflow")
        return 200, {"default_workflow_permissions": setting.get("default_workflow_permissions",
                                                                 "read"),
                     "can_approve_pull_request_reviews": setting.get(
                         "can_approve_pull_request_reviews", False)}

    def route_actions_fork_pr_approval(self, name):
        setting = self.actions_setting(name, "actions_fork_pr_approval", "fork_pr_approval")
        return 200, {"approval_policy": setting.get("approval_policy",
                                                    "first_time_contributors_new_to_github")}

    def route_outside_collaborators(self, name):
        self.authorize("outside_collaborators", ORG_SCOPES)
        org = self.org_or_404(name)
        wanted = self.query_one("filter", "all")
        if wanted not in ("all", "2fa_disabled", "2fa_insecure"):
            raise gh_error(422, "Validation Failed")
        if wanted != "all" and not self.is_owner():
            raise gh_error(422, "Only owners can use this filter.",
                           DOCS + "/orgs/outside-collaborators#list-outside-collaborators-for-"
                                  "an-organization")
        people = []
        for index, person in enumerate(self.server.scenario.get("outside_collaborators", [])):
            if wanted == "2fa_disabled" and person.get("two_factor", True):
                continue
            login = person["login"]
            people.append({"login": login, "id": 9000 + index, "node_id": "U_out%d" % index,
                           "url": "%s/users/%s" % (self.api, login),
                           "html_url": "https://github.com/" + login, "type": "User",
                           "site_admin": False})
        extra = [("filter", wanted)] if self.query_one("filter") else []
        page, headers = self.paginate(people, "/orgs/%s/outside_collaborators" % org["login"],
                                      extra)
        return 200, page, headers

    # --- repository contents, code scanning, webhooks, deploy keys, rules ---
    def route_contents(self, owner, name, path):
        self.authorize("contents", "repo")
        repo = self.repo_or_404(owner, name)
        if repo.get("empty"):
            raise gh_error(404, "This repository is empty.",
                           DOCS + "/repos/contents#get-repository-content")
        path = urllib.parse.unquote(path)
        if path not in repo.get("files", []):
            raise gh_error(404, "Not Found", DOCS + "/repos/contents#get-repository-content")
        full = "%s/%s" % (self.server.scenario["org"]["login"], repo["name"])
        return 200, {"type": "file", "encoding": "base64", "size": 42,
                     "name": path.rsplit("/", 1)[-1], "path": path,
                     "content": "KiBAYWNtZS1jb3JwL3NlY3VyaXR5Cg==\n",
                     "sha": "3d21ec53a331a6f037a91c368710b99387d012c1",
                     "url": "%s/repos/%s/contents/%s" % (self.api, full, path),
                     "git_url": None, "html_url": "https://github.com/%s/blob/%s/%s" % (
                         full, repo.get("default_branch", "main"), path),
                     "download_url": None, "_links": {}}

    def route_code_scanning(self, owner, name):
        self.authorize("code_scanning", "security_events")
        repo = self.repo_or_404(owner, name)
        state = repo.get("code_scanning", "analysed")
        if state == "unavailable":
            raise gh_error(403, "Advanced Security must be enabled for this repository to use "
                                "code scanning.",
                           DOCS + "/code-scanning/code-scanning#list-code-scanning-analyses-for-"
                                  "a-repository")
        if state == "none":
            raise gh_error(404, "no analysis found",
                           DOCS + "/code-scanning/code-scanning#list-code-scanning-analyses-for-"
                                  "a-repository")
        full = "%s/%s" % (self.server.scenario["org"]["login"], repo["name"])
        return 200, [{"ref": "refs/heads/" + repo.get("default_branch", "main"),
                      "commit_sha": "d99612c3e1f2970085cfbaeadf8f010ef69bad83",
                      "analysis_key": ".github/workflows/codeql-analysis.yml:analyze",
                      "environment": "{\"language\":\"python\"}", "category": "",
                      "error": "", "created_at": "2024-06-01T11:21:41Z", "results_count": 2,
                      "rules_count": 48, "id": 201, "deletable": True, "warning": "",
                      "url": "%s/repos/%s/code-scanning/analyses/201" % (self.api, full),
                      "sarif_id": "6c81cd8e-b078-4ac3-a3be-1dad7dbd0b53",
                      "tool": {"name": "CodeQL", "guid": None, "version": "2.17.4"}}]

    def route_repo_hooks(self, owner, name):
        self.authorize("repo_hooks", "admin:repo_hook")
        repo = self.repo_or_404(owner, name)
        self.owner_only("repo_hooks")
        full = "%s/%s" % (self.server.scenario["org"]["login"], repo["name"])
        base = "%s/repos/%s/hooks" % (self.api, full)
        hooks = [self.hook_json(i, h, base, "Repository") for i, h in
                 enumerate(repo.get("hooks", []))]
        page, headers = self.paginate(hooks, "/repos/%s/hooks" % full)
        return 200, page, headers

    def route_deploy_keys(self, owner, name):
        self.authorize("deploy_keys", "repo")
        repo = self.repo_or_404(owner, name)
        self.owner_only("deploy_keys")
        full = "%s/%s" % (self.server.scenario["org"]["login"], repo["name"])
        keys = [{"id": 5000 + i, "key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake%d" % i,
                 "url": "%s/repos/%s/keys/%d" % (self.api, full, 5000 + i),
                 "title": key.get("title", "deploy"), "verified": True,
                 "created_at": "2024-01-10T15:17:34Z", "read_only": key.get("read_only", True),
                 "added_by": "octocat", "last_used": "2024-06-01T15:17:34Z", "enabled": True}
                for i, key in enumerate(repo.get("deploy_keys", []))]
        page, headers = self.paginate(keys, "/repos/%s/keys" % full)
        return 200, page, headers

    def route_branch_rules(self, owner, name, branch):
        self.authorize("branch_rules", "repo")
        repo = self.repo_or_404(owner, name)
        if repo.get("plan_lacks_protection"):
            raise self.upgrade_required()
        branch = urllib.parse.unquote(branch)
        full = "%s/%s" % (self.server.scenario["org"]["login"], repo["name"])
        rules = []
        if branch == repo.get("default_branch", "main") and branch in self.branches(repo):
            for rule in repo.get("rulesets", []):
                item = {"type": rule["type"], "ruleset_source_type": "Repository",
                        "ruleset_source": full, "ruleset_id": rule.get("ruleset_id", 42)}
                if "parameters" in rule:
                    item["parameters"] = rule["parameters"]
                rules.append(item)
        page, headers = self.paginate(rules, "/repos/%s/rules/branches/%s" % (full, branch))
        return 200, page, headers

    def route_ruleset(self, owner, name, ident):
        self.authorize("ruleset", "repo")
        repo = self.repo_or_404(owner, name)
        ids = {rule.get("ruleset_id", 42) for rule in repo.get("rulesets", [])}
        if int(ident) not in ids:
            raise gh_error(404, "Not Found",
                           DOCS + "/repos/rules#get-a-repository-ruleset")
        full = "%s/%s" % (self.server.scenario["org"]["login"], repo["name"])
        body = {"id": int(ident), "name": "default branch", "target": "branch",
                "source_type": "Repository", "source": full, "enforcement": "active",
                "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
                "rules": [{k: v for k, v in rule.items() if k != "ruleset_id"}
                          for rule in repo.get("rulesets", [])
                          if rule.get("ruleset_id", 42) == int(ident)],
                "node_id": "RRS_fake%s" % ident,
                "created_at": "2024-05-01T10:00:00Z", "updated_at": "2024-05-01T10:00:00Z"}
        # Only those who may edit the ruleset see who may bypass it.
        if self.is_owner():
            body["bypass_actors"] = repo.get("ruleset_bypass", [])
            body["current_user_can_bypass"] = "never"
        return 200, body


def prepare(server):
    server.data["rate"] = {}
    server.data["counted"] = 0
    for key in ("tokens", "org", "repos", "members"):
        if key not in server.scenario:
            raise KeyError(key)


if __name__ == "__main__":
    fakelib.main("github", GitHubHandler, __doc__.splitlines()[0], prepare_server=prepare)
