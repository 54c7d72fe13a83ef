#include <velocity/providers/findings.hpp>
#include <velocity/providers/gcp/provider.hpp>

#include <fmt/format.h>

#include <set>

namespace velocity::providers::gcp {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    out += (out.empty() ? "" : ", ") + item;
  }
  return out;
}

bool is_primitive(const std::string& role) {
  return role == "roles/owner" || role == "roles/editor";
}

// Administrative roles a service account should not hold: the primitive owner/editor and any
// predefined "...Admin" / "...admin" role (roles/iam.securityAdmin, roles/storage.admin).
bool is_admin_role(const std::string& role) {
  if (is_primitive(role)) {
    return true;
  }
  const size_t dot = role.rfind('.');
  const std::string last = role.substr(dot == std::string::npos ? 0 : dot + 1);
  return last.ends_with("Admin") || last.ends_with("admin");
}

void check_policy(Batch& batch, size_t index) {
  const nlohmann::json& policy = batch.evidence[index].data["policy"];
  std::vector<std::string> primitive_users;
  std::vector<std::string> public_members;
  std::vector<std::string> admin_accounts;
  for (const nlohmann::json& binding : policy.value("bindings", nlohmann::json::array())) {
    const std::string role = binding.value("role", "");
    for (const nlohmann::json& member_json : binding.value("members", nlohmann::json::array())) {
      const std::string member = member_json.is_string() ? member_json.get<std::string>() : "";
      if (member.starts_with("user:") && is_primitive(role)) {
        primitive_users.push_back(fmt::format("{} ({})", member, role));
      }
      if (member == "allUsers" || member == "allAuthenticatedUsers") {
        public_members.push_back(fmt::format("{} ({})", member, role));
      }
      if (member.starts_with("serviceAccount:") && is_admin_role(role)) {
        admin_accounts.push_back(fmt::format("{} ({})", member, role));
      }
    }
  }
  add_finding(batch, index, "gcp_iam_no_primitive_roles_for_users",
              primitive_users.empty() ? Status::pass : Status::fail,
              primitive_users.empty() ? "no user holds roles/owner or roles/editor"
                                      : "primitive roles bound to users: " + join(primitive_users));
  add_finding(batch, index, "gcp_iam_no_public_members",
              public_members.empty() ? Status::pass : Status::fail,
              public_members.empty() ? "no binding grants allUsers or allAuthenticatedUsers"
                                     : "public members: " + join(public_members));
  add_finding(
    batch, index, "gcp_iam_sa_no_admin_roles", admin_accounts.empty() ? Status::pass : Status::fail,
    admin_accounts.empty() ? "no service account holds an owner, editor or admin role"
                           : "service accounts with admin roles: " + join(admin_accounts));

  std::set<std::string> logged;
  for (const nlohmann::json& config : policy.value("auditConfigs", nlohmann::json::array())) {
    if (config.value("service", "") != "allServices") {
      continue;
    }
    for (const nlohmann::json& log : config.value("auditLogConfigs", nlohmann::json::array())) {
      logged.insert(log.value("logType", ""));
    }
  }
  std::vector<std::string> missing;
  for (const char* type : {"DATA_READ", "DATA_WRITE"}) {
    if (!logged.contains(type)) {
      missing.emplace_back(type);
    }
  }
  add_finding(
    batch, index, "gcp_audit_logs_all_services", missing.empty() ? Status::pass : Status::fail,
    missing.empty() ? "data access audit logs (DATA_READ, DATA_WRITE) are on for allServices"
                    : "allServices audit logging lacks " + join(missing));
}

} // namespace

void run_checks(Batch& batch) {
  for (size_t index = 0; index < batch.evidence.size(); ++index) {
    if (batch.evidence[index].data.value("kind", "") == "iam_policy") {
      check_policy(batch, index);
    }
  }
}

} // namespace velocity::providers::gcp
