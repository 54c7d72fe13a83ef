#include <velocity/compliance/demo.hpp>
#include <velocity/core/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <span>

// The made-up accounts of each scenario, built from the check catalogue: every check of a
// platform goes on the demo resources of the kind it judges (a bucket, a security group, a
// repository, a Cloud SQL instance ...), chosen by the rules below from its evidence type and the
// start of its id, and a check no rule names goes on the account itself. So a check added to the
// catalogue is in the demo without a change here. Resource ids have the shape the providers give
// them (ARNs, bucket names, GCP resource names, ARM ids); severities and titles come from the
// catalogue.
namespace velocity::compliance {

namespace {

using Words = std::span<const std::string_view>;

constexpr std::array<std::string_view, 32> k_people = {
  "alice", "bilal", "chen",  "dana",  "emeka",  "fatima", "goran", "hana",
  "ivan",  "jia",   "kofi",  "lena",  "marco",  "nadia",  "omar",  "priya",
  "quinn", "rosa",  "sven",  "tariq", "uma",    "victor", "wei",   "ximena",
  "yusuf", "zoe",   "arjun", "bea",   "carlos", "dmitri", "elif",  "farah"};

constexpr std::array<std::string_view, 12> k_bucket_purposes = {
  "app-uploads",     "backups",       "logs",    "static-assets",
  "data-lake",       "invoices",      "exports", "ml-datasets",
  "terraform-state", "audit-archive", "reports", "media"};

constexpr std::array<std::string_view, 10> k_server_roles = {
  "web", "api", "db", "bastion", "workers", "cache", "vpn", "batch", "admin", "legacy"};

constexpr std::array<std::string_view, 8> k_config_rules = {
  "s3-bucket-ssl-requests-only",       "rds-storage-encrypted", "ebs-encrypted-volumes",
  "iam-user-unused-credentials-check", "restricted-ssh",        "cloudtrail-enabled",
  "root-account-mfa-enabled",          "vpc-flow-logs-enabled"};

constexpr std::array<std::string_view, 8> k_policies = {
  "DeployPipeline", "ReadOnlyAnalysts", "BreakGlassAdmin", "SupportTooling",
  "BackupOperator", "LegacyFullAccess", "DataEngineering", "BillingViewer"};

constexpr std::array<std::string_view, 4> k_aws_managed_policies = {
  "AdministratorAccess", "PowerUserAccess", "AWSCloudShellFullAccess", "IAMFullAccess"};

constexpr std::array<std::string_view, 2> k_trails = {"org-trail", "data-events"};

constexpr std::array<std::string_view, 6> k_databases = {"orders",    "users", "billing",
                                                         "analytics", "audit", "search"};

constexpr std::array<std::string_view, 6> k_data_stores = {"data",  "logs",    "backup",
                                                           "media", "exports", "archive"};

constexpr std::array<std::string_view, 16> k_repos = {
  "api",           "web",           "infra",
  "mobile",        "billing",       "auth-service",
  "data-pipeline", "docs",          "terraform-modules",
  "design-system", "notifications", "search",
  "admin-console", "sdk-python",    "sdk-js",
  "load-tests"};

constexpr std::array<std::string_view, 4> k_webhooks = {"ci", "chatops", "deploy", "audit-sink"};

constexpr std::array<std::string_view, 7> k_firewall_rules = {
  "allow-ssh",           "allow-rdp", "allow-https", "allow-internal",
  "allow-health-checks", "allow-iap", "legacy-admin"};

constexpr std::array<std::string_view, 4> k_subnets = {"app", "data", "gke", "mgmt"};
constexpr std::array<std::string_view, 3> k_networks = {"prod-vpc", "shared-vpc", "data-vpc"};
constexpr std::array<std::string_view, 3> k_zones = {"public", "api", "corp"};
constexpr std::array<std::string_view, 6> k_service_accounts = {
  "deployer", "ci-runner", "etl", "monitoring", "backup", "terraform"};
constexpr std::array<std::string_view, 4> k_keys = {"app-data", "backups", "secrets", "tokens"};
constexpr std::array<std::string_view, 2> k_log_buckets = {"audit-logs", "log-archive"};
constexpr std::array<std::string_view, 5> k_apps = {"portal", "api", "admin", "webhooks", "docs"};
constexpr std::array<std::string_view, 4> k_vaults = {"app", "secrets", "certs", "keys"};

// How many of a kind an account of each size holds.
struct Count {
  int small = 1;
  int medium = 1;
  int large = 1;

  int of(OrgSize size) const {
    switch (size) {
    case OrgSize::small:
      return small;
    case OrgSize::medium:
      return medium;
    case OrgSize::large:
      break;
    }
    return large;
  }
};

constexpr Count k_one{1, 1, 1};

// Where the resources of a kind are: global (IAM users, repositories), spread over the account's
// regions, or one in each region (region-wide settings such as EBS default encryption).
enum class Spread { none, regions, each_region };
// Whether people create resources of the kind by hand during the history (a bucket, a user, a
// repository), unhardened at first.
enum class Made { with_the_account, by_hand };

// A kind of demo resource and the checks it carries. A check goes on the first kind of its
// platform whose evidence types include the check's (none listed: any) and whose prefixes start
// its id (none listed: any). `id` and `label` are fmt patterns over the names in `Naming`.
struct DemoKind {
  std::string_view platform;
  std::vector<std::string_view> types;
  std::vector<std::string_view> prefixes;
  Count count;
  Words words;
  std::string_view id;
  std::string_view label;
  Spread spread = Spread::none;
  Made made = Made::with_the_account;
};

// Names the patterns use for one resource.
struct Naming {
  std::string account; // AWS account id, GitHub organisation, GCP project, Azure subscription
  std::string prefix;  // the scenario's short name for this account: "acme", "northwind-phi"
  std::string region;
  std::string name; // a word of the kind, numbered once the words run out
  std::string hex;  // 16 hex digits: "sg-0{hex}" is an EC2 id's 17
  std::string uuid;
  std::string number;
};

std::string format_named(std::string_view pattern, const Naming& n) {
  return fmt::format(
    fmt::runtime(pattern), fmt::arg("account", n.account), fmt::arg("prefix", n.prefix),
    fmt::arg("region", n.region), fmt::arg("name", n.name), fmt::arg("hex", n.hex),
    fmt::arg("uuid", n.uuid), fmt::arg("number", n.number),
    fmt::arg("tail", n.account.substr(n.account.size() - std::min<size_t>(4, n.account.size()))));
}

const std::vector<DemoKind>& kinds() {
  static const std::vector<DemoKind> list = {
    // AWS
    {"aws",
     {"policies"},
     {"aws_iam_user_", "aws_iam_rotate_access_key", "aws_iam_policy_attached_only_to_group"},
     {8, 16, 24},
     k_people,
     "arn:aws:iam::{account}:user/{name}",
     "user {name}",
     Spread::none,
     Made::by_hand},
    {"aws",
     {"policies"},
     {"aws_iam_aws_attached_policy", "aws_iam_policy_cloudshell"},
     {2, 3, 4},
     k_aws_managed_policies,
     "arn:aws:iam::aws:policy/{name}",
     "AWS managed policy {name}"},
    {"aws",
     {"policies"},
     {"aws_iam_customer_attached_policy", "aws_iam_policy_"},
     {3, 5, 7},
     k_policies,
     "arn:aws:iam::{account}:policy/{name}",
     "policy {name}"},
    {"aws",
     {"policies"},
     {"aws_iam_root_", "aws_iam_no_root_", "aws_iam_avoid_root"},
     k_one,
     {},
     "arn:aws:iam::{account}:root",
     "the root user of {account}"},
    {"aws",
     {"security_groups"},
     {"aws_ec2_securitygroup_default"},
     {2, 3, 4},
     {},
     "arn:aws:ec2:{region}:{account}:security-group/sg-0{hex}",
     "default security group sg-0{hex}",
     Spread::regions},
    {"aws",
     {"security_groups"},
     {},
     {4, 6, 8},
     k_server_roles,
     "arn:aws:ec2:{region}:{account}:security-group/sg-0{hex}",
     "security group sg-0{hex} ({prefix}-{name})",
     Spread::regions,
     Made::by_hand},
    {"aws",
     {"vpc_network"},
     {"aws_ec2_networkacl"},
     {2, 3, 4},
     {},
     "arn:aws:ec2:{region}:{account}:network-acl/acl-0{hex}",
     "network ACL acl-0{hex}",
     Spread::regions},
    {"aws",
     {"vpc_network"},
     {},
     {2, 3, 4},
     {},
     "arn:aws:ec2:{region}:{account}:vpc/vpc-0{hex}",
     "VPC vpc-0{hex}",
     Spread::regions},
    {"aws",
     {"ebs_encryption"},
     {"aws_ec2_ebs_volume"},
     {3, 6, 9},
     {},
     "arn:aws:ec2:{region}:{account}:volume/vol-0{hex}",
     "volume vol-0{hex}",
     Spread::regions},
    {"aws",
     {"ebs_encryption", "access_analyzers", "security_hub", "config_recorders"},
     {},
     k_one,
     {},
     "{region}",
     "region {region}",
     Spread::each_region},
    {"aws",
     {"instances"},
     {},
     {3, 6, 9},
     k_server_roles,
     "arn:aws:ec2:{region}:{account}:instance/i-0{hex}",
     "instance i-0{hex} ({prefix}-{name})",
     Spread::regions},
    {"aws",
     {"file_systems"},
     {},
     {1, 2, 3},
     {},
     "arn:aws:elasticfilesystem:{region}:{account}:file-system/fs-0{hex}",
     "file system fs-0{hex}",
     Spread::regions},
    {"aws",
     {"kms_keys"},
     {},
     {2, 3, 5},
     {},
     "arn:aws:kms:{region}:{account}:key/{uuid}",
     "KMS key {uuid}",
     Spread::regions},
    {"aws",
     {"databases"},
     {},
     {2, 3, 5},
     k_databases,
     "arn:aws:rds:{region}:{account}:db:{prefix}-{name}",
     "DB instance {prefix}-{name}",
     Spread::regions},
    {"aws",
     {"encryption_status"},
     {"aws_s3_bucket_"},
     {4, 7, 10},
     k_bucket_purposes,
     "{prefix}-{name}-{tail}",
     "bucket {prefix}-{name}-{tail}",
     Spread::regions,
     Made::by_hand},
    {"aws",
     {"audit_logs"},
     {"aws_cloudtrail_multi_region", "aws_cloudtrail_s3_dataevents"},
     k_one,
     {},
     "{account}",
     "account {account}"},
    {"aws",
     {"audit_logs"},
     {"aws_cloudtrail_"},
     {1, 1, 2},
     k_trails,
     "arn:aws:cloudtrail:{region}:{account}:trail/{prefix}-{name}",
     "trail {prefix}-{name}"},
    {"aws",
     {"compliance_rules"},
     {},
     {3, 5, 7},
     k_config_rules,
     "arn:aws:config:{region}:{account}:config-rule/{name}",
     "config rule {name}",
     Spread::regions},
    {"aws", {}, {}, k_one, {}, "{account}", "account {account}"},
    // GitHub
    {"github",
     {},
     {"github_repository_default_branch"},
     {6, 10, 16},
     k_repos,
     "{account}/{name}:main",
     "{account}/{name}: default branch main"},
    {"github",
     {},
     {"github_repository_"},
     {6, 10, 16},
     k_repos,
     "{account}/{name}",
     "repository {account}/{name}",
     Spread::none,
     Made::by_hand},
    {"github",
     {},
     {"github_webhook_"},
     {2, 3, 4},
     k_webhooks,
     "{account}/hooks/{number}",
     "webhook {number} ({name})"},
    {"github", {}, {}, k_one, {}, "{account}", "organisation {account}"},
    // Google Cloud
    {"gcp",
     {"sql_instances"},
     {},
     {2, 3, 4},
     k_databases,
     "projects/{account}/instances/{prefix}-{name}",
     "Cloud SQL instance {prefix}-{name}",
     Spread::regions},
    {"gcp",
     {"storage_buckets"},
     {},
     {3, 5, 7},
     k_bucket_purposes,
     "projects/_/buckets/{account}-{name}",
     "bucket {account}-{name}",
     Spread::regions,
     Made::by_hand},
    {"gcp",
     {},
     {"gcp_cloudstorage_bucket_log_retention"},
     {1, 1, 2},
     k_log_buckets,
     "projects/_/buckets/{account}-{name}",
     "log bucket {account}-{name}"},
    {"gcp",
     {},
     {"gcp_compute_firewall_"},
     {3, 5, 7},
     k_firewall_rules,
     "projects/{account}/global/firewalls/{name}",
     "firewall rule {name}"},
    {"gcp",
     {},
     {"gcp_compute_subnet_"},
     {2, 3, 4},
     k_subnets,
     "projects/{account}/regions/{region}/subnetworks/{name}",
     "subnetwork {name} ({region})",
     Spread::regions},
    {"gcp",
     {},
     {"gcp_dns_"},
     {1, 2, 3},
     k_zones,
     "projects/{account}/managedZones/{prefix}-{name}",
     "managed zone {prefix}-{name}"},
    {"gcp",
     {},
     {"gcp_compute_network_not_legacy", "gcp_compute_network_dns"},
     {1, 2, 3},
     k_networks,
     "projects/{account}/global/networks/{name}",
     "network {name}"},
    {"gcp",
     {},
     {"gcp_compute_instance_"},
     {3, 6, 9},
     k_server_roles,
     "projects/{account}/zones/{region}-b/instances/{prefix}-{name}",
     "instance {prefix}-{name}",
     Spread::regions,
     Made::by_hand},
    {"gcp",
     {"service_accounts"},
     {},
     {2, 4, 6},
     k_service_accounts,
     "projects/{account}/serviceAccounts/{name}@{account}.iam.gserviceaccount.com",
     "service account {name}@{account}.iam.gserviceaccount.com"},
    {"gcp",
     {"kms_keys"},
     {},
     {2, 3, 4},
     k_keys,
     "projects/{account}/locations/{region}/keyRings/{prefix}-ring/cryptoKeys/{name}",
     "key {name} of key ring {prefix}-ring",
     Spread::regions},
    {"gcp", {}, {}, k_one, {}, "projects/{account}", "project {account}"},
    // Azure
    {"azure",
     {"app_services"},
     {},
     {2, 3, 5},
     k_apps,
     "/subscriptions/{account}/resourceGroups/rg-{prefix}/providers/Microsoft.Web/sites/"
     "{prefix}-{name}",
     "app {prefix}-{name}",
     Spread::regions},
    {"azure",
     {},
     {"azure_keyvault_"},
     {2, 3, 4},
     k_vaults,
     "/subscriptions/{account}/resourceGroups/rg-{prefix}/providers/Microsoft.KeyVault/vaults/"
     "kv-{prefix}-{name}",
     "key vault kv-{prefix}-{name}",
     Spread::regions},
    {"azure",
     {},
     {"azure_network_"},
     {3, 4, 6},
     k_server_roles,
     "/subscriptions/{account}/resourceGroups/rg-{prefix}/providers/Microsoft.Network/"
     "networkSecurityGroups/nsg-{prefix}-{name}",
     "network security group nsg-{prefix}-{name}",
     Spread::regions,
     Made::by_hand},
    {"azure",
     {},
     {"azure_storage_"},
     {3, 5, 6},
     k_data_stores,
     "/subscriptions/{account}/resourceGroups/rg-{prefix}/providers/Microsoft.Storage/"
     "storageAccounts/st{name}{number}",
     "storage account st{name}{number}",
     Spread::regions,
     Made::by_hand},
    {"azure",
     {},
     {"azure_vm_"},
     {2, 4, 6},
     k_server_roles,
     "/subscriptions/{account}/resourceGroups/rg-{prefix}/providers/Microsoft.Compute/"
     "virtualMachines/vm-{prefix}-{name}",
     "virtual machine vm-{prefix}-{name}",
     Spread::regions},
    {"azure",
     {"databases"},
     {},
     {1, 2, 3},
     k_databases,
     "/subscriptions/{account}/resourceGroups/rg-{prefix}/providers/Microsoft.Sql/servers/"
     "sql-{prefix}-{name}",
     "SQL server sql-{prefix}-{name}",
     Spread::regions},
    {"azure",
     {"defender"},
     {},
     k_one,
     {},
     "/subscriptions/{account}/providers/Microsoft.Security/pricings",
     "the Defender plans of subscription {account}"},
    {"azure",
     {},
     {"azure_monitor_diagnostic"},
     k_one,
     {},
     "/subscriptions/{account}/providers/Microsoft.Insights/diagnosticSettings",
     "the activity log diagnostic settings of subscription {account}"},
    {"azure",
     {},
     {"azure_monitor_alert"},
     k_one,
     {},
     "/subscriptions/{account}/providers/Microsoft.Insights/activityLogAlerts",
     "the activity log alerts of subscription {account}"},
    {"azure", {}, {}, k_one, {}, "/subscriptions/{account}", "subscription {account}"},
  };
  return list;
}

bool listed(const std::vector<std::string_view>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool starts_with_one_of(const std::vector<std::string_view>& prefixes, std::string_view id) {
  return std::any_of(prefixes.begin(), prefixes.end(), [id](std::string_view prefix) {
    return id.substr(0, prefix.size()) == prefix;
  });
}

// The kind of resource `check` judges, as an index into kinds(); nothing when its platform has
// no demo resources at all.
std::optional<size_t> kind_of(const Check& check) {
  const std::vector<DemoKind>& all = kinds();
  for (size_t i = 0; i < all.size(); ++i) {
    const DemoKind& kind = all[i];
    if (kind.platform == check.platform &&
        (kind.types.empty() || listed(kind.types, check.evidence_type)) &&
        (kind.prefixes.empty() || starts_with_one_of(kind.prefixes, check.id))) {
      return i;
    }
  }
  return std::nullopt;
}

// The checks that go on one kind of resource and read one evidence type: one evidence item of
// that type per resource, as a collection stores it.
struct CheckGroup {
  size_t kind = 0;
  std::string type;
  std::vector<const Check*> checks;
};

std::vector<CheckGroup> group_checks(std::string_view platform, const CheckCatalogue& checks) {
  std::vector<CheckGroup> groups;
  for (const Check& check : checks.checks) {
    if (check.platform != platform) {
      continue;
    }
    const std::optional<size_t> kind = kind_of(check);
    if (!kind) {
      throw UsageError(fmt::format("the demo has no resources for check {} of platform {}",
                                   check.id, check.platform));
    }
    // Two rules that name the same resources (the account) put their checks on one resource.
    const std::string_view id_pattern = kinds()[*kind].id;
    auto group = std::find_if(groups.begin(), groups.end(), [&](const CheckGroup& g) {
      return kinds()[g.kind].id == id_pattern && g.type == check.evidence_type;
    });
    if (group == groups.end()) {
      groups.push_back({*kind, check.evidence_type, {}});
      group = std::prev(groups.end());
    }
    group->checks.push_back(&check);
  }
  if (groups.empty()) {
    throw UsageError(
      fmt::format("the check catalogue has no {} checks, which the demo runs", platform),
      "use a catalogue with every built-in check (frameworks/checks/)");
  }
  return groups;
}

std::string word(Words words, int index) {
  if (words.empty()) {
    return "";
  }
  const auto size = static_cast<int>(words.size());
  const std::string base(words[static_cast<size_t>(index % size)]);
  return index < size ? base : fmt::format("{}-{}", base, index / size + 1);
}

std::string uuid(DemoRandom& random) {
  const uint64_t high = random.next();
  const uint64_t low = random.next();
  return fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", high >> 32, (high >> 16) & 0xffff,
                     high & 0xfff, 0x8000 | ((low >> 48) & 0x3fff), low & 0xffffffffffffULL);
}

// One demo account's resources: every check of its platform on `count` resources of its kind.
// Named in `prefix`, spread over `regions` (empty strings for GitHub).
void add_resources(DemoIntegration& integration, std::string_view prefix,
                   const std::vector<std::string>& regions, OrgSize size, DemoRandom& random,
                   const CheckCatalogue& checks) {
  for (const CheckGroup& group : group_checks(integration.platform, checks)) {
    const DemoKind& kind = kinds()[group.kind];
    const int count =
      kind.spread == Spread::each_region ? static_cast<int>(regions.size()) : kind.count.of(size);
    for (int i = 0; i < count; ++i) {
      Naming naming;
      naming.account = integration.account_id;
      naming.prefix = std::string(prefix);
      if (kind.spread != Spread::none) {
        naming.region = regions[static_cast<size_t>(i) % regions.size()];
      }
      naming.name = word(kind.words, i);
      naming.hex = fmt::format("{:016x}", random.next());
      naming.uuid = uuid(random);
      naming.number = std::to_string(random.between(100'000'000, 999'999'999));
      DemoResource resource;
      resource.type = group.type;
      resource.resource_id = format_named(kind.id, naming);
      resource.account_id = integration.account_id;
      resource.region = naming.region;
      resource.name = format_named(kind.label, naming);
      // The first of a kind is there from the start, so that every check has a result.
      resource.may_appear_later = kind.made == Made::by_hand && i > 0;
      for (const Check* check : group.checks) {
        resource.checks.push_back({check->id, check->title, check->severity, false,
                                   fmt::format("{} passes: {}", resource.name, check->title),
                                   fmt::format("{} fails: {}", resource.name, check->title)});
      }
      integration.resources.push_back(std::move(resource));
    }
    if (std::find(integration.types.begin(), integration.types.end(), group.type) ==
        integration.types.end()) {
      integration.types.push_back(group.type);
    }
  }
}

std::string aws_account_id(DemoRandom& random) {
  return fmt::format("{:012}", random.between(100'000'000'000, 999'999'999'999));
}

nlohmann::json regions_json(const std::vector<std::string>& regions) {
  nlohmann::json list = nlohmann::json::array();
  for (const std::string& region : regions) {
    list.push_back(region);
  }
  return list;
}

// A made-up account of `platform`, connected on `connected_on_day`, with every check of the
// platform on resources named after `prefix`.
struct AccountPlan {
  std::string name;
  std::string platform;
  std::string prefix;
  std::vector<std::string> regions;
  OrgSize size = OrgSize::small;
  int connected_on_day = 0;
  std::string github_org; // GitHub: the organisation's login
  std::string project;    // GCP: the project id's middle part ("analytics")
};

DemoIntegration make_integration(const AccountPlan& plan, DemoRandom& random,
                                 const CheckCatalogue& checks) {
  DemoIntegration integration;
  integration.name = plan.name;
  integration.platform = plan.platform;
  integration.connected_on_day = plan.connected_on_day;
  const std::string made_up = "demo (no credentials: this account is made up)";
  if (plan.platform == "aws") {
    integration.account_id = aws_account_id(random);
    integration.settings = {
      {"account_id", integration.account_id},
      {"regions", regions_json(plan.regions)},
      {"identity", fmt::format("arn:aws:iam::{}:role/velocity-readonly", integration.account_id)},
      {"credential_source", made_up}};
  } else if (plan.platform == "github") {
    integration.account_id = plan.github_org;
    integration.settings = {{"org", integration.account_id},
                            {"account_id", integration.account_id},
                            {"credential_source", "demo (no token: this organisation is made up)"}};
  } else if (plan.platform == "gcp") {
    integration.account_id =
      fmt::format("{}-{}-{}", plan.prefix, plan.project, random.between(100'000, 999'999));
    integration.settings = {
      {"project_id", integration.account_id},
      {"account_id", integration.account_id},
      {"client_email",
       fmt::format("velocity-reader@{}.iam.gserviceaccount.com", integration.account_id)},
      {"all_projects", false},
      {"credential_source", made_up}};
  } else {
    integration.account_id = uuid(random);
    integration.settings = {{"tenant_id", uuid(random)},
                            {"subscription_id", integration.account_id},
                            {"account_id", integration.account_id},
                            {"credential_source", made_up}};
  }
  integration.settings["demo"] = true;
  std::vector<std::string> regions = plan.regions;
  if (regions.empty()) {
    regions.emplace_back();
  }
  add_resources(integration, plan.prefix, regions, plan.size, random, checks);
  return integration;
}

// Each scenario's accounts: every platform, a second account or platform joining a few days in
// so the pathway sees integrations added over time, not all on day one.
std::vector<AccountPlan> account_plans(Scenario scenario) {
  using enum OrgSize;
  switch (scenario) {
  case Scenario::startup_soc2:
    return {{"aws-production", "aws", "acme", {"us-east-1", "us-west-2"}, small, 0, "", ""},
            {"github-acme", "github", "acme", {}, small, 2, "acme-cloud", ""},
            {"gcp-analytics", "gcp", "acme", {"us-central1"}, small, 3, "", "analytics"},
            {"azure-customer-hosting", "azure", "acme", {"westeurope"}, small, 5, "", ""}};
  case Scenario::healthcare_hipaa:
    return {{"aws-phi", "aws", "northwind-phi", {"us-east-1", "us-east-2"}, medium, 0, "", ""},
            {"aws-shared-services", "aws", "northwind-shared", {"us-east-1"}, small, 3, "", ""},
            {"github-northwind", "github", "northwind", {}, medium, 2, "northwind-health", ""},
            {"gcp-research", "gcp", "northwind", {"us-east4"}, small, 4, "", "research"},
            {"azure-clinical", "azure", "northwind", {"eastus", "eastus2"}, small, 6, "", ""}};
  case Scenario::fintech_pci:
    return {{"aws-cde", "aws", "ledgerly-cde", {"eu-west-1", "eu-central-1"}, medium, 0, "", ""},
            {"aws-corporate", "aws", "ledgerly-corp", {"eu-west-1"}, small, 1, "", ""},
            {"github-ledgerly", "github", "ledgerly", {}, medium, 2, "ledgerly", ""},
            {"gcp-fraud-ml", "gcp", "ledgerly", {"europe-west1"}, small, 3, "", "fraud-ml"},
            {"azure-corporate-it", "azure", "ledgerly", {"westeurope"}, small, 5, "", ""}};
  case Scenario::enterprise_iso27001:
    break;
  }
  return {
    {"aws-prod",
     "aws",
     "globex-prod",
     {"eu-west-1", "us-east-1", "ap-southeast-2"},
     large,
     0,
     "",
     ""},
    {"aws-staging", "aws", "globex-staging", {"eu-west-1"}, small, 1, "", ""},
    {"aws-security", "aws", "globex-sec", {"eu-west-1"}, small, 2, "", ""},
    {"gcp-data-platform", "gcp", "globex", {"europe-west1", "us-central1"}, medium, 3, "", "data"},
    {"github-globex", "github", "globex", {}, large, 4, "globex", ""},
    {"azure-corporate", "azure", "globex", {"westeurope", "northeurope"}, large, 5, "", ""}};
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
    if (resource.may_appear_later && random.chance(0.12)) {
      resource.appears_on_day = static_cast<int>(random.between(first_day, last_day));
    }
  }
}

} // namespace

std::vector<DemoIntegration> build_demo_integrations(const ScenarioInfo& info, DemoRandom& random,
                                                     const CheckCatalogue& checks) {
  std::vector<DemoIntegration> integrations;
  for (const AccountPlan& plan : account_plans(info.id)) {
    integrations.push_back(make_integration(plan, random, checks));
  }
  return integrations;
}

void schedule_demo_drift(std::vector<DemoIntegration>& integrations, int days, DemoRandom& random) {
  for (DemoIntegration& integration : integrations) {
    schedule_new_resources(integration, days, random);
  }
}

} // namespace velocity::compliance
