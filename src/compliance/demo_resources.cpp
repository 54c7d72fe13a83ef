#include <velocity/compliance/demo.hpp>
#include <velocity/core/error.hpp>

#include <fmt/format.h>

#include <array>

// The made-up accounts of each scenario: names, ids and the checks on each resource. Check ids
// and evidence types are those of the real providers (AWS, GitHub), severities come from the
// check catalogue, and the reasons use the evaluators' wording, so demo findings read like
// collected ones; a unit test keeps the ids and evidence types in step with the catalogue.
namespace velocity::compliance {

namespace {

constexpr std::array<std::string_view, 32> k_people = {
  "alice", "bilal", "chen",  "dana",  "emeka",  "fatima", "goran", "hana",
  "ivan",  "jia",   "kofi",  "lena",  "marco",  "nadia",  "omar",  "priya",
  "quinn", "rosa",  "sven",  "tariq", "uma",    "victor", "wei",   "ximena",
  "yusuf", "zoe",   "arjun", "bea",   "carlos", "dmitri", "elif",  "farah"};

constexpr std::array<std::string_view, 12> k_bucket_purposes = {
  "app-uploads",     "backups",       "logs",    "static-assets",
  "data-lake",       "invoices",      "exports", "ml-datasets",
  "terraform-state", "audit-archive", "reports", "media"};

constexpr std::array<std::string_view, 10> k_sg_purposes = {
  "web", "api", "db", "bastion", "workers", "cache", "vpn", "batch", "admin", "legacy"};

constexpr std::array<std::string_view, 8> k_config_rules = {
  "s3-bucket-ssl-requests-only",       "rds-storage-encrypted", "ebs-encrypted-volumes",
  "iam-user-unused-credentials-check", "restricted-ssh",        "cloudtrail-enabled",
  "root-account-mfa-enabled",          "vpc-flow-logs-enabled"};

constexpr std::array<std::string_view, 8> k_policies = {
  "DeployPipeline", "ReadOnlyAnalysts", "BreakGlassAdmin", "SupportTooling",
  "BackupOperator", "LegacyFullAccess", "DataEngineering", "BillingViewer"};

constexpr std::array<std::string_view, 16> k_repos = {
  "api",           "web",           "infra",
  "mobile",        "billing",       "auth-service",
  "data-pipeline", "docs",          "terraform-modules",
  "design-system", "notifications", "search",
  "admin-console", "sdk-python",    "sdk-js",
  "load-tests"};

struct Counts {
  int users;
  int policies;
  int buckets;
  int security_groups;
  int trails;
  int config_rules;
  int repos;
};

Counts counts_for(OrgSize size) {
  switch (size) {
  case OrgSize::small:
    return {8, 3, 4, 4, 1, 3, 6};
  case OrgSize::medium:
    return {16, 5, 7, 6, 1, 5, 10};
  case OrgSize::large:
    return {24, 7, 10, 8, 2, 7, 16};
  }
  return {8, 3, 4, 4, 1, 3, 6};
}

std::string account_id(DemoRandom& random) {
  return fmt::format("{:012}", random.between(100'000'000'000, 999'999'999'999));
}

std::string hex8(DemoRandom& random) {
  return fmt::format("{:08x}", random.next() & 0xffffffffu);
}

// A check of `resource`, with the severity of its catalogue entry.
DemoCheck check(const CheckCatalogue& checks, std::string id, std::string pass, std::string fail) {
  const Check* entry = checks.find(id);
  if (entry == nullptr) {
    throw UsageError(
      fmt::format("the check catalogue has no entry for {}, which the demo runs", id),
      "use a catalogue with every built-in check (frameworks/checks/)");
  }
  return DemoCheck{std::move(id), entry->severity, false, std::move(pass), std::move(fail)};
}

void add_aws_resources(DemoIntegration& integration, const std::vector<std::string>& regions,
                       const Counts& counts, std::string_view prefix, DemoRandom& random,
                       const CheckCatalogue& checks) {
  const std::string& acct = integration.account_id;
  auto& out = integration.resources;
  out.push_back({"aws_root",
                 "policies",
                 fmt::format("arn:aws:iam::{}:root", acct),
                 acct,
                 "",
                 "root",
                 0,
                 {check(checks, "aws_iam_root_mfa_enabled", "the root user has MFA enabled",
                        "the root user has no MFA device")}});
  out.push_back(
    {"aws_password_policy",
     "policies",
     fmt::format("arn:aws:iam::{}:account-password-policy", acct),
     acct,
     "",
     "password-policy",
     0,
     {check(checks, "aws_iam_password_policy_strong",
            "length >= 14, reuse prevention >= 24, symbols, numbers, upper and lower "
            "case required",
            "password policy too weak: minimum length 8 < 14, reuse prevention 0 < 24")}});
  for (int i = 0; i < counts.users; ++i) {
    const std::string name =
      fmt::format("{}{}", k_people[static_cast<size_t>(i) % k_people.size()],
                  i >= static_cast<int>(k_people.size()) ? std::to_string(i / 32 + 1) : "");
    DemoResource user{"aws_user", "policies", fmt::format("arn:aws:iam::{}:user/{}", acct, name),
                      acct,       "",         name,
                      0,          {}};
    user.checks.push_back(
      check(checks, "aws_iam_user_mfa_enabled_console_access",
            fmt::format("user {} signs in to the console with MFA", name),
            fmt::format("user {} has a console password and no MFA device", name)));
    user.checks.push_back(
      check(checks, "aws_iam_rotate_access_key_90_days",
            fmt::format("user {}: every active access key is at most 90 days old", name),
            fmt::format("user {}: active access key not rotated in 90 days: AKIA{} ({} days old)",
                        name, hex8(random), random.between(95, 400))));
    out.push_back(std::move(user));
  }
  for (int i = 0; i < counts.policies; ++i) {
    const std::string name(k_policies[static_cast<size_t>(i) % k_policies.size()]);
    out.push_back({"aws_policy",
                   "policies",
                   fmt::format("arn:aws:iam::{}:policy/{}", acct, name),
                   acct,
                   "",
                   name,
                   0,
                   {check(checks, "aws_iam_customer_attached_policy_no_administrative_privileges",
                          fmt::format("policy {} allows no '*' action on '*' resource", name),
                          fmt::format("policy {} allows action * on resource *", name))}});
  }
  for (int i = 0; i < counts.security_groups; ++i) {
    const std::string& region = regions[static_cast<size_t>(i) % regions.size()];
    const std::string group = "sg-0" + hex8(random) + hex8(random).substr(0, 8);
    const std::string name =
      fmt::format("{}-{}", prefix, k_sg_purposes[static_cast<size_t>(i) % k_sg_purposes.size()]);
    const std::string label = fmt::format("{} ({})", group, name);
    out.push_back(
      {"aws_sg",
       "security_groups",
       fmt::format("arn:aws:ec2:{}:{}:security-group/{}", region, acct, group),
       acct,
       region,
       name,
       0,
       {check(checks, "aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22",
              fmt::format("security group {} does not open port 22 to the internet", label),
              fmt::format("security group {} allows port 22 from the internet", label)),
        check(checks, "aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389",
              fmt::format("security group {} does not open port 3389 to the internet", label),
              fmt::format("security group {} allows port 3389 from the internet", label)),
        check(checks, "aws_ec2_securitygroup_allow_ingress_from_internet_to_all_ports",
              fmt::format("security group {} does not open all ports to the internet", label),
              fmt::format("security group {} allows all traffic from the internet", label))}});
  }
  for (int i = 0; i < counts.buckets; ++i) {
    const std::string& region = regions[static_cast<size_t>(i) % regions.size()];
    const std::string name = fmt::format(
      "{}-{}-{}", prefix, k_bucket_purposes[static_cast<size_t>(i) % k_bucket_purposes.size()],
      acct.substr(8));
    out.push_back(
      {"aws_bucket",
       "encryption_status",
       name,
       acct,
       region,
       name,
       0,
       {check(checks, "aws_s3_bucket_default_encryption",
              fmt::format("bucket {} encrypts new objects by default (AES256)", name),
              fmt::format("bucket {} has no default encryption", name)),
        check(checks, "aws_s3_bucket_level_public_access_block",
              fmt::format("bucket {} blocks public access (all four settings on)", name),
              fmt::format("bucket {} public access block has BlockPublicPolicy, "
                          "RestrictPublicBuckets off",
                          name)),
        check(checks, "aws_s3_bucket_object_versioning",
              fmt::format("bucket {} has versioning enabled", name),
              fmt::format("bucket {} has versioning off", name))}});
  }
  for (int i = 0; i < counts.trails; ++i) {
    const std::string& region = regions.front();
    const std::string name =
      i == 0 ? fmt::format("{}-org-trail", prefix) : fmt::format("{}-data-events", prefix);
    out.push_back(
      {"aws_trail",
       "audit_logs",
       fmt::format("arn:aws:cloudtrail:{}:{}:trail/{}", region, acct, name),
       acct,
       region,
       name,
       0,
       {check(checks, "aws_cloudtrail_multi_region_enabled",
              fmt::format("trail {} records every region", name),
              fmt::format("trail {} records its home region only", name)),
        check(checks, "aws_cloudtrail_log_file_validation_enabled",
              fmt::format("trail {} validates its log files", name),
              fmt::format("trail {} has log file validation off", name)),
        check(checks, "aws_cloudtrail_logging_on", fmt::format("trail {} is logging", name),
              fmt::format("trail {} is not logging", name))}});
  }
  for (int i = 0; i < counts.config_rules; ++i) {
    const std::string& region = regions[static_cast<size_t>(i) % regions.size()];
    const std::string name(k_config_rules[static_cast<size_t>(i) % k_config_rules.size()]);
    out.push_back({"aws_config_rule",
                   "compliance_rules",
                   fmt::format("arn:aws:config:{}:{}:config-rule/{}", region, acct, name),
                   acct,
                   region,
                   name,
                   0,
                   {check(checks, "aws_config_rules_compliant",
                          fmt::format("config rule {} is compliant", name),
                          fmt::format("config rule {} is not compliant ({} resources)", name,
                                      random.between(1, 9)))}});
  }
  integration.types = {"policies", "security_groups", "encryption_status", "audit_logs",
                       "compliance_rules"};
}

void add_github_resources(DemoIntegration& integration, const Counts& counts,
                          const CheckCatalogue& checks) {
  const std::string& org = integration.account_id;
  auto& out = integration.resources;
  out.push_back(
    {"github_org",
     "configurations",
     org,
     org,
     "",
     org,
     0,
     {check(checks, "github_organization_members_mfa_required",
            fmt::format("organisation {} requires two-factor authentication", org),
            fmt::format("organisation {} does not require two-factor authentication", org))}});
  for (int i = 0; i < counts.repos; ++i) {
    const std::string repo =
      fmt::format("{}/{}", org, k_repos[static_cast<size_t>(i) % k_repos.size()]);
    out.push_back({"github_repo",
                   "configurations",
                   repo,
                   org,
                   "",
                   repo,
                   0,
                   {check(checks, "github_repository_secret_scanning_enabled",
                          fmt::format("repository {} has secret scanning enabled", repo),
                          fmt::format("repository {} has secret scanning disabled", repo))}});
    const std::string branch = repo + ":main";
    out.push_back(
      {"github_branch",
       "security_groups",
       branch,
       org,
       "",
       branch,
       0,
       {check(checks, "github_repository_default_branch_protection_enabled",
              fmt::format("default branch main of {} is protected", repo),
              fmt::format("default branch main of {} is not protected", repo)),
        check(checks, "github_repository_default_branch_dismisses_stale_reviews",
              fmt::format("{}: main needs 1 approving review, stale reviews dismissed", repo),
              fmt::format("{}: main can be merged without an approving review", repo)),
        check(checks, "github_repository_default_branch_protection_applies_to_admins",
              fmt::format("{}: branch protection applies to administrators", repo),
              fmt::format("{}: administrators bypass branch protection", repo))}});
  }
  integration.types = {"configurations", "security_groups"};
}

DemoIntegration aws(std::string name, std::vector<std::string> regions, int connected_on_day,
                    DemoRandom& random) {
  DemoIntegration integration;
  integration.name = std::move(name);
  integration.platform = "aws";
  integration.account_id = account_id(random);
  integration.connected_on_day = connected_on_day;
  integration.settings = {
    {"account_id", integration.account_id},
    {"regions", regions},
    {"identity", fmt::format("arn:aws:iam::{}:role/velocity-readonly", integration.account_id)},
    {"credential_source", "demo (no credentials: this account is made up)"},
    {"demo", true}};
  return integration;
}

DemoIntegration github(std::string name, std::string org, int connected_on_day) {
  DemoIntegration integration;
  integration.name = std::move(name);
  integration.platform = "github";
  integration.account_id = std::move(org);
  integration.connected_on_day = connected_on_day;
  integration.settings = {{"org", integration.account_id},
                          {"account_id", integration.account_id},
                          {"credential_source", "demo (no token: this organisation is made up)"},
                          {"demo", true}};
  return integration;
}

// Marks a few resources as created during the history: the classic drift of a new bucket or
// group made by hand, unhardened, then fixed.
void schedule_new_resources(DemoIntegration& integration, int days, DemoRandom& random) {
  // A new resource shows up at least two days after its integration joins, before the last day.
  const int first_day = integration.connected_on_day + 2;
  const int last_day = days - 1;
  if (first_day > last_day) {
    return;
  }
  for (DemoResource& resource : integration.resources) {
    const bool candidate = resource.kind == "aws_bucket" || resource.kind == "aws_sg" ||
                           resource.kind == "aws_user" || resource.kind == "github_repo";
    if (candidate && random.chance(0.12)) {
      resource.appears_on_day = static_cast<int>(random.between(first_day, last_day));
    }
  }
}

} // namespace

std::vector<DemoIntegration> build_demo_integrations(const ScenarioInfo& info, DemoRandom& random,
                                                     const CheckCatalogue& checks) {
  const Counts counts = counts_for(info.size);
  std::vector<DemoIntegration> integrations;
  // A second account or platform joins a few days in: the pathway sees integrations added over
  // time, not all on day one.
  switch (info.id) {
  case Scenario::startup_soc2: {
    integrations.push_back(aws("aws-production", {"us-east-1", "us-west-2"}, 0, random));
    add_aws_resources(integrations.back(), {"us-east-1", "us-west-2"}, counts, "acme", random,
                      checks);
    integrations.push_back(github("github-acme", "acme-cloud", 2));
    add_github_resources(integrations.back(), counts, checks);
    break;
  }
  case Scenario::healthcare_hipaa: {
    integrations.push_back(aws("aws-phi", {"us-east-1", "us-east-2"}, 0, random));
    add_aws_resources(integrations.back(), {"us-east-1", "us-east-2"}, counts, "northwind-phi",
                      random, checks);
    integrations.push_back(aws("aws-shared-services", {"us-east-1"}, 3, random));
    Counts shared = counts;
    shared.users = counts.users / 2;
    add_aws_resources(integrations.back(), {"us-east-1"}, shared, "northwind-shared", random,
                      checks);
    break;
  }
  case Scenario::fintech_pci: {
    integrations.push_back(aws("aws-cde", {"eu-west-1", "eu-central-1"}, 0, random));
    add_aws_resources(integrations.back(), {"eu-west-1", "eu-central-1"}, counts, "ledgerly-cde",
                      random, checks);
    integrations.push_back(aws("aws-corporate", {"eu-west-1"}, 1, random));
    Counts corporate = counts;
    corporate.buckets = counts.buckets / 2;
    add_aws_resources(integrations.back(), {"eu-west-1"}, corporate, "ledgerly-corp", random,
                      checks);
    integrations.push_back(github("github-ledgerly", "ledgerly", 2));
    add_github_resources(integrations.back(), counts, checks);
    break;
  }
  case Scenario::enterprise_iso27001: {
    integrations.push_back(
      aws("aws-prod", {"eu-west-1", "us-east-1", "ap-southeast-2"}, 0, random));
    add_aws_resources(integrations.back(), {"eu-west-1", "us-east-1", "ap-southeast-2"}, counts,
                      "globex-prod", random, checks);
    integrations.push_back(aws("aws-staging", {"eu-west-1"}, 1, random));
    Counts staging = counts;
    staging.users = counts.users / 3;
    staging.buckets = counts.buckets / 2;
    add_aws_resources(integrations.back(), {"eu-west-1"}, staging, "globex-staging", random,
                      checks);
    integrations.push_back(aws("aws-security", {"eu-west-1"}, 2, random));
    Counts security = counts;
    security.users = 4;
    security.buckets = 3;
    security.security_groups = 2;
    add_aws_resources(integrations.back(), {"eu-west-1"}, security, "globex-sec", random, checks);
    integrations.push_back(github("github-globex", "globex", 4));
    add_github_resources(integrations.back(), counts, checks);
    break;
  }
  }
  return integrations;
}

void schedule_demo_drift(std::vector<DemoIntegration>& integrations, int days, DemoRandom& random) {
  for (DemoIntegration& integration : integrations) {
    schedule_new_resources(integration, days, random);
  }
}

} // namespace velocity::compliance
