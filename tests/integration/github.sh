#!/usr/bin/env bash
# `velocity connect github` and `collect` against tests/fakes/fake_github.py: the token from the
# environment or a file (never argv), wrong token exit 3, a PASS and a FAIL for each check
# (classic protection and rulesets), an empty, an internal and an archived repository, a plan
# without branch protection or code scanning, Link paging, a member token's missing permissions
# (those checks not evaluated, the scope named, exit 6), rate limits waited out and bounded by
# --max-wait, --dry-run, GitHub Enterprise Server's /api/v3 prefix.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_clouds.sh"
require python3
require sqlite3

# expect_statuses: for each "CHECK RESOURCE-SUBSTRING EXPECTED" line on stdin, what
# expect_status would check, in one Python run for the whole list.
expect_statuses() {
  printf '%s' "$OUT" >"$SUITE_DIR/out.json"
  local wrong
  wrong=$(python3 -c '
import json, sys
findings = json.load(open(sys.argv[1]))["findings"]
for line in sys.stdin.read().splitlines():
    if not line.strip():
        continue
    check, resource, expected = line.split()
    got = ",".join(f["status"] for f in findings
                   if f["check_id"] == check and resource in f["resource_id"]) or "none"
    if got != expected:
        print("%s on %s: expected %s, got %s" % (check, resource, expected, got))
' "$SUITE_DIR/out.json") || wrong="the findings in the output could not be read"
  if [ -z "$wrong" ]; then pass; else fail "$wrong"; fi
}

OWNER=ghp_VelocityFakeOwner0000000000000000000
MEMBER=ghp_VelocityFakeMember000000000000000000

start_fake github --scenario pass
init_state

TEST "connect without a token is a usage error"
env -u GITHUB_TOKEN -u GH_TOKEN true
OUT=$(env -u GITHUB_TOKEN -u GH_TOKEN "$VELOCITY_BIN" connect github --name gh --org acme-corp \
  --api-url "$FAKE_URL" 2>"$SUITE_DIR/stderr") && RC=0 || RC=$?
ERR=$(cat "$SUITE_DIR/stderr")
expect_rc 2
expect_err_contains "GITHUB_TOKEN"

TEST "connect with a wrong token names GitHub's error, exit 3"
GITHUB_TOKEN=ghp_wrong run connect github --name gh --org acme-corp --api-url "$FAKE_URL"
expect_rc 3
expect_err_contains "Bad credentials"
run connect list --format json
expect_out_lacks '"gh"'

TEST "connect with GITHUB_TOKEN stores it sealed and reports login and scopes"
GITHUB_TOKEN=$OWNER run connect github --name gh --org acme-corp --api-url "$FAKE_URL/" --format json
expect_rc 0
expect_out_contains '"status": "healthy"'
expect_out_contains 'octocat (scopes: read:org, repo)'
expect_out_contains '"credential_source": "GITHUB_TOKEN"'
if grep -rqa "$OWNER" "$XDG_DATA_HOME" 2>/dev/null; then fail "token stored in clear"; else pass; fi

TEST "collect on the pass scenario: every check passes"
run collect --format json
expect_rc 0
expect_out_contains '"outcome": "success"'
expect_statuses <<'LIST'
github_organization_members_mfa_required acme-corp PASS
github_organization_members_2fa_enabled acme-corp:members-without-2fa PASS
github_organization_outside_collaborators_2fa_enabled acme-corp:outside-collaborators PASS
github_organization_owners_limited acme-corp:owners PASS
github_organization_default_repository_permission_strict acme-corp PASS
github_organization_repository_creation_limited acme-corp PASS
github_organization_public_repository_creation_limited acme-corp PASS
github_organization_verified_badge acme-corp PASS
github_organization_actions_default_token_read_only acme-corp PASS
github_organization_actions_allowed_actions_restricted acme-corp PASS
github_organization_actions_fork_pr_approval_required acme-corp PASS
github_organization_actions_cannot_approve_pull_requests acme-corp PASS
github_webhook_url_https acme-corp/api PASS
github_webhook_ssl_verification_enabled acme-corp/infra PASS
github_repository_secret_scanning_enabled acme-corp/docs PASS
github_repository_secret_scanning_push_protection_enabled acme-corp/api PASS
github_repository_dependency_scanning_enabled acme-corp/web PASS
github_repository_dependabot_security_updates_enabled acme-corp/web PASS
github_repository_code_scanning_enabled acme-corp/api PASS
github_repository_has_codeowners_file acme-corp/infra PASS
github_repository_public_has_securitymd_file acme-corp/docs PASS
github_repository_public_has_securitymd_file acme-corp/api none
github_repository_public_has_securitymd_file acme-corp/infra none
github_repository_deploy_keys_read_only acme-corp/web PASS
github_repository_default_branch_protection_enabled acme-corp/api:main PASS
github_repository_default_branch_protection_enabled acme-corp/web:main PASS
github_repository_default_branch_requires_multiple_approvals acme-corp/web:main PASS
github_repository_default_branch_dismisses_stale_reviews acme-corp/web:main PASS
github_repository_default_branch_requires_codeowners_review acme-corp/docs:main PASS
github_repository_default_branch_status_checks_required acme-corp/web:main PASS
github_repository_default_branch_requires_up_to_date_branch acme-corp/api:main PASS
github_repository_default_branch_requires_conversation_resolution acme-corp/web:main PASS
github_repository_default_branch_requires_signed_commits acme-corp/api:main PASS
github_repository_default_branch_requires_linear_history acme-corp/web:main PASS
github_repository_default_branch_protection_applies_to_admins acme-corp/infra:trunk PASS
github_repository_default_branch_protection_applies_to_admins acme-corp/web:main PASS
github_repository_default_branch_disallows_force_push acme-corp/web:main PASS
github_repository_default_branch_deletion_disabled acme-corp/api:main PASS
github_repository_default_branch_push_restricted acme-corp/web:main PASS
github_repository_default_branch_push_restricted acme-corp/infra:trunk PASS
github_repository_default_branch_review_dismissal_restricted acme-corp/docs:main PASS
github_repository_default_branch_review_dismissal_restricted acme-corp/web:main none
github_repository_default_branch_protection_enabled old-site none
github_repository_secret_scanning_enabled old-site none
github_repository_default_branch_protection_enabled sandbox none
github_repository_has_codeowners_file sandbox none
github_repository_code_scanning_enabled sandbox none
github_repository_secret_scanning_enabled sandbox PASS
LIST

TEST "collect --dry-run lists the calls without sending any"
before=$(fake_requests | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
run collect --dry-run --format json
expect_rc 0
expect_out_contains "/orgs/acme-corp/repos"
expect_out_contains "protection"
after=$(fake_requests | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
expect_equal "$before" "$after" "requests during --dry-run"
stop_fake

TEST "collect on the fail scenario: every check fails somewhere"
start_fake github --scenario fail
GITHUB_TOKEN=$OWNER run connect github --name gh --org acme-corp --api-url "$FAKE_URL" --replace
expect_rc 0
run collect --format json --fail-on high
expect_rc 1
expect_statuses <<'LIST'
github_organization_members_mfa_required acme-corp FAIL
github_organization_members_2fa_enabled acme-corp:members-without-2fa FAIL
github_organization_outside_collaborators_2fa_enabled acme-corp:outside-collaborators FAIL
github_organization_owners_limited acme-corp:owners FAIL
github_organization_default_repository_permission_strict acme-corp FAIL
github_organization_repository_creation_limited acme-corp FAIL
github_organization_public_repository_creation_limited acme-corp FAIL
github_organization_verified_badge acme-corp FAIL
github_organization_actions_default_token_read_only acme-corp FAIL
github_organization_actions_allowed_actions_restricted acme-corp FAIL
github_organization_actions_fork_pr_approval_required acme-corp FAIL
github_organization_actions_cannot_approve_pull_requests acme-corp FAIL
github_webhook_url_https acme-corp/api FAIL
github_webhook_url_https acme-corp/web PASS
github_webhook_ssl_verification_enabled acme-corp/api FAIL
github_repository_secret_scanning_enabled acme-corp/api FAIL
github_repository_secret_scanning_enabled acme-corp/docs PASS
github_repository_secret_scanning_push_protection_enabled acme-corp/api FAIL
github_repository_dependency_scanning_enabled acme-corp/web FAIL
github_repository_dependabot_security_updates_enabled acme-corp/api FAIL
github_repository_code_scanning_enabled acme-corp/api FAIL
github_repository_code_scanning_enabled acme-corp/web FAIL
github_repository_code_scanning_enabled acme-corp/infra PASS
github_repository_has_codeowners_file acme-corp/api FAIL
github_repository_public_has_securitymd_file acme-corp/docs FAIL
github_repository_deploy_keys_read_only acme-corp/infra FAIL
github_repository_default_branch_protection_enabled acme-corp/api:main FAIL
github_repository_default_branch_protection_enabled acme-corp/web:main PASS
github_repository_default_branch_protection_enabled acme-corp/billing:main FAIL
github_repository_default_branch_requires_multiple_approvals acme-corp/infra:trunk FAIL
github_repository_default_branch_dismisses_stale_reviews acme-corp/web:main FAIL
github_repository_default_branch_dismisses_stale_reviews acme-corp/docs:main FAIL
github_repository_default_branch_dismisses_stale_reviews acme-corp/infra:trunk PASS
github_repository_default_branch_requires_codeowners_review acme-corp/docs:main FAIL
github_repository_default_branch_status_checks_required acme-corp/docs:main FAIL
github_repository_default_branch_requires_up_to_date_branch acme-corp/web:main FAIL
github_repository_default_branch_requires_conversation_resolution acme-corp/infra:trunk FAIL
github_repository_default_branch_requires_signed_commits acme-corp/infra:trunk FAIL
github_repository_default_branch_requires_linear_history acme-corp/web:main FAIL
github_repository_default_branch_protection_applies_to_admins acme-corp/web:main FAIL
github_repository_default_branch_protection_applies_to_admins acme-corp/infra:trunk FAIL
github_repository_default_branch_disallows_force_push acme-corp/infra:trunk FAIL
github_repository_default_branch_deletion_disabled acme-corp/web:main FAIL
github_repository_default_branch_push_restricted acme-corp/web:main FAIL
github_repository_default_branch_review_dismissal_restricted acme-corp/infra:trunk FAIL
LIST
expect_out_contains 'Advanced Security must be enabled for this repository'
expect_out_contains 'Upgrade to GitHub Pro'
OUT=$(stored_resources)
expect_out_contains "members-without-2fa"
stop_fake

TEST "paged scenario: every page followed by Link rel=next"
start_fake github --scenario paged
GITHUB_TOKEN=$OWNER run connect github --name gh --org acme-corp --api-url "$FAKE_URL" --replace
run collect --format json
expect_rc 0
expect_status github_repository_default_branch_protection_enabled "acme-corp/infra:trunk" PASS
pages=$(fake_requests | python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin) if r["op"] == "repos"))')
expect_equal "$pages" "3" "repos pages"
stop_fake

TEST "a member's token: owner-only data missing, the rest collected, exit 6"
start_fake github --scenario pass
printf '%s\n' "$MEMBER" >"$SUITE_DIR/token"
GITHUB_TOKEN= GH_TOKEN= run connect github --name gh --org acme-corp --api-url "$FAKE_URL" \
  --token-file "$SUITE_DIR/token" --replace
expect_rc 0
run collect --format json
expect_rc 6
expect_out_contains '"outcome": "incomplete"'
expect_out_contains "Must have admin rights"
expect_out_contains "Only owners can use this filter"
expect_out_contains "not evaluated there: the token needs"
expect_out_contains "admin:org_hook"
expect_statuses <<'LIST'
github_organization_members_mfa_required acme-corp none
github_organization_actions_default_token_read_only acme-corp none
github_webhook_url_https acme-corp none
github_repository_deploy_keys_read_only acme-corp none
github_repository_secret_scanning_enabled acme-corp none
github_repository_default_branch_protection_enabled acme-corp none
github_organization_owners_limited acme-corp:owners PASS
github_repository_has_codeowners_file acme-corp/api PASS
github_repository_code_scanning_enabled acme-corp/api PASS
LIST
stop_fake

TEST "a denied call makes its type incomplete, the other type goes on"
start_fake github --scenario pass --deny vulnerability_alerts
GH_TOKEN=$OWNER run connect github --name gh --org acme-corp --api-url "$FAKE_URL" --replace
run collect --format json
expect_rc 6
expect_status github_repository_default_branch_protection_enabled "acme-corp/api:main" PASS
expect_status github_repository_secret_scanning_enabled "acme-corp/api" PASS
expect_status github_repository_dependency_scanning_enabled "acme-corp/api" none
stop_fake

TEST "a server's error body is shown escaped, never passed to the terminal"
start_fake github --scenario pass \
  --set 'errors={"user":{"times":1,"status":403,"body":"\u001b]0;pwned\u0007\u001b[2J \u00ff\u00fe denied"}}'
GH_TOKEN=$OWNER run connect github --name hostile --org acme-corp --api-url "$FAKE_URL"
expect_rc 4
expect_err_contains '\x1b]0;pwned\x07\x1b[2J \xff\xfe denied'
if grep -q $'\e' <<<"$ERR"; then fail "a raw ESC reached the terminal: $ERR"; else pass; fi
if LC_ALL=C grep -q $'\xff' <<<"$ERR"; then fail "invalid UTF-8 reached the terminal: $ERR"; else pass; fi
stop_fake

TEST "secondary rate limit: waited out, then the collection succeeds"
start_fake github --scenario pass --set 'secondary={"after":3,"times":2,"status":403,"retry_after":1}'
GITHUB_TOKEN=$OWNER run connect github --name gh --org acme-corp --api-url "$FAKE_URL" --replace
run collect --format json
expect_rc 0
expect_status github_repository_default_branch_protection_enabled "acme-corp/api:main" PASS
stop_fake

TEST "primary rate limit beyond --max-wait: the call is given up, exit 6"
start_fake github --scenario pass --set 'rate_limit={"limit":5,"remaining":5,"reset_after":3600}'
GITHUB_TOKEN=$OWNER run connect github --name gh --org acme-corp --api-url "$FAKE_URL" \
  --replace --max-wait 2
expect_rc 0
run collect --format json
expect_rc 6
expect_out_contains "max-wait"
stop_fake

TEST "collect --max-wait 0 gives up a wait the integration would allow"
start_fake github --scenario pass --set 'secondary={"after":3,"times":1,"status":403,"retry_after":1}'
GITHUB_TOKEN=$OWNER run connect github --name gh --org acme-corp --api-url "$FAKE_URL" --replace
expect_rc 0
run collect --max-wait 0
expect_rc 6
expect_err_contains "beyond the 0 s --max-wait of this collection"
stop_fake

TEST "collect --max-wait 5 waits out a limit the integration's --max-wait 0 would not"
start_fake github --scenario pass --set 'secondary={"after":3,"times":1,"status":403,"retry_after":1}'
GITHUB_TOKEN=$OWNER run connect github --name gh --org acme-corp --api-url "$FAKE_URL" \
  --replace --max-wait 0
expect_rc 0
run collect --max-wait 5 --format json
expect_rc 0
expect_status github_repository_default_branch_protection_enabled "acme-corp/api:main" PASS
stop_fake

TEST "collect --max-wait must be a number of seconds, not negative"
run collect --max-wait -1
expect_rc 2
expect_err_contains "--max-wait: must be 0 or more, not -1"
run collect --max-wait soon
expect_rc 2
expect_err_contains "--max-wait: 'soon' is not a number"

TEST "GitHub Enterprise Server: /api/v3 prefix"
start_fake github --scenario pass
GITHUB_TOKEN=$OWNER run connect github --name gh --org acme-corp --api-url "$FAKE_URL/api/v3" --replace
expect_rc 0
run collect --format json
expect_rc 0
expect_status github_organization_members_mfa_required acme-corp PASS
stop_fake

finish
