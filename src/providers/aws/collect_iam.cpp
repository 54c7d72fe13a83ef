// The `policies` evidence type: IAM through its bulk answers, so the calls grow with pages, not
// with users and policies. The credential report gives every user's (and the root user's)
// password, MFA and access-key facts; GetAccountAuthorizationDetails every user, group, role and
// customer-managed policy with its document; the AWS-managed policies in use are read one by one
// (there are few). Evidence: the root user, the account (password policy, who holds the support
// and CloudShell policies), each user, each policy and each stored server certificate.

#include "collect.hpp"

#include <velocity/providers/aws/parse.hpp>
#include <velocity/providers/aws/parse_iam.hpp>

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <map>

namespace velocity::providers::aws {

namespace {

// GenerateCredentialReport is asked again after these waits while the report is being written.
constexpr std::array<std::chrono::milliseconds, 6> k_report_waits = {
  std::chrono::milliseconds{100}, std::chrono::milliseconds{200},  std::chrono::milliseconds{400},
  std::chrono::milliseconds{800}, std::chrono::milliseconds{1600}, std::chrono::milliseconds{3200}};

// The AWS-managed policies whose holders the account evidence lists.
constexpr std::array<const char*, 2> k_watched_policies = {"AWSSupportAccess",
                                                           "AWSCloudShellFullAccess"};

using Params = std::vector<std::pair<std::string, std::string>>;

Params with_marker(Params params, const std::optional<std::string>& marker) {
  if (marker) {
    params.emplace_back("Marker", *marker);
  }
  return params;
}

struct Item {
  nlohmann::json data;
  Sources sources;
};

class IamCollector final : public Collector {
public:
  void start(TypeRun& run) override {
    run.call(iam_call("GetAccountSummary", {}), [this, &run](CallResult& result) {
      if (!result.ok()) {
        return run.unexpected(result);
      }
      m_root.data["summary"] = parse_account_summary(result.body);
      m_root.sources.add(result);
    });
    run.call(iam_call("GetAccountPasswordPolicy", {}), [this, &run](CallResult& result) {
      if (!result.ok() && result.error->code == "NoSuchEntity") {
        result.expected = true; // no policy set: the checks fail, the collection does not
        m_account.data["password_policy"] = nullptr;
        m_account.sources.add(result);
        return;
      }
      if (!result.ok()) {
        return run.unexpected(result);
      }
      m_account.data["password_policy"] = parse_password_policy(result.body);
      m_account.sources.add(result);
    });
    m_root.data["virtual_mfa_devices"] = nlohmann::json::array();
    paginate(
      run,
      [](const std::optional<std::string>& marker) {
        return iam_call("ListVirtualMFADevices",
                        with_marker({{"AssignmentStatus", "Assigned"}}, marker));
      },
      [this, &run](CallResult& result) -> std::optional<std::string> {
        if (!result.ok()) {
          m_root.data["virtual_mfa_devices"] = nullptr;
          run.unexpected(result);
          return std::nullopt;
        }
        Page page = parse_virtual_mfa_devices(result.body);
        nlohmann::json& devices = m_root.data["virtual_mfa_devices"];
        if (devices.is_array()) {
          for (nlohmann::json& device : page.items) {
            devices.push_back(std::move(device));
          }
        }
        m_root.sources.add(result);
        return page.next;
      });
    generate_report(run, 0);
    paginate(
      run,
      [](const std::optional<std::string>& marker) {
        return iam_call("GetAccountAuthorizationDetails",
                        with_marker({{"Filter.member.1", "User"},
                                     {"Filter.member.2", "Role"},
                                     {"Filter.member.3", "Group"},
                                     {"Filter.member.4", "LocalManagedPolicy"}},
                                    marker));
      },
      [this, &run](CallResult& result) -> std::optional<std::string> {
        if (!result.ok()) {
          m_details_complete = false;
          run.unexpected(result);
          return std::nullopt;
        }
        AuthorizationDetails details = parse_authorization_details(result.body);
        std::optional<std::string> next = details.next;
        add_details(std::move(details), result);
        m_details_complete = !next;
        return next;
      });
    paginate(
      run,
      [](const std::optional<std::string>& marker) {
        return iam_call("ListPolicies",
                        with_marker({{"Scope", "AWS"}, {"OnlyAttached", "true"}}, marker));
      },
      [this, &run](CallResult& result) -> std::optional<std::string> {
        if (!result.ok()) {
          run.unexpected(result);
          return std::nullopt;
        }
        Page page = parse_policies(result.body);
        for (nlohmann::json& item : page.items) {
          add_aws_policy(run, std::move(item), result);
        }
        return page.next;
      });
    paginate(
      run,
      [](const std::optional<std::string>& marker) {
        return iam_call("ListServerCertificates", with_marker({}, marker));
      },
      [this, &run](CallResult& result) -> std::optional<std::string> {
        if (!result.ok()) {
          run.unexpected(result);
          return std::nullopt;
        }
        Page page = parse_server_certificates(result.body);
        for (nlohmann::json& certificate : page.items) {
          certificate["kind"] = "server_certificate";
          Sources sources;
          sources.add(result);
          m_certificates.push_back({std::move(certificate), sources});
        }
        return page.next;
      });
  }

  void finish(TypeRun& run) override {
    const Account& account = run.account();
    if (m_root.data.contains("summary")) {
      m_root.data["kind"] = "root_user";
      if (!m_root.data.contains("credentials")) {
        m_root.data["credentials"] = nullptr;
      }
      run.add_evidence(account.root_arn(), "", std::move(m_root.data), m_root.sources);
    }
    if (m_account.data.contains("password_policy") || m_details_complete) {
      m_account.data["kind"] = "account";
      if (!m_account.data.contains("password_policy")) {
        m_account.data["password_policy"] = nullptr;
        m_account.data["password_policy_unknown"] = true;
      }
      m_account.data["holders"] = m_details_complete ? holders() : nlohmann::json(nullptr);
      run.add_evidence(account.id, "", std::move(m_account.data), m_account.sources);
    }
    for (const std::string& name : m_user_order) {
      Item& user = m_users[name];
      user.data["kind"] = "user";
      user.data["name"] = name;
      if (!user.data.contains("credentials")) {
        user.data["credentials"] = nullptr;
      }
      if (!m_details_complete) {
        user.data["attached"] = nullptr;
        user.data["inline"] = nullptr;
      }
      run.add_evidence(name, "", std::move(user.data), user.sources);
    }
    for (Item& policy : m_policies) {
      std::string arn = policy.data.value("arn", "");
      run.add_evidence(std::move(arn), "", std::move(policy.data), policy.sources);
    }
    for (Item& certificate : m_certificates) {
      std::string arn = certificate.data.value("arn", "");
      run.add_evidence(std::move(arn), "", std::move(certificate.data), certificate.sources);
    }
  }

private:
  Item& user(const std::string& name) {
    auto [found, inserted] = m_users.try_emplace(name);
    if (inserted) {
      m_user_order.push_back(name);
    }
    return found->second;
  }

  // Asks for the credential report, again after each wait of k_report_waits while AWS writes it;
  // the engine sends the other services' calls meanwhile.
  void generate_report(TypeRun& run, size_t attempt,
                       std::chrono::milliseconds delay = std::chrono::milliseconds{0}) {
    run.call(
      iam_call("GenerateCredentialReport", {}),
      [this, &run, attempt](CallResult& result) {
        if (!result.ok()) {
          return run.unexpected(result);
        }
        if (parse_credential_report_state(result.body) == "COMPLETE") {
          return fetch_report(run);
        }
        if (attempt == k_report_waits.size()) {
          return run.problem(fmt::format(
            "iam:GenerateCredentialReport: the report was still being generated after {} tries; "
            "the users' credential checks were not evaluated, collect again in a minute",
            attempt + 1));
        }
        generate_report(run, attempt + 1, k_report_waits[attempt]);
      },
      delay);
  }

  void fetch_report(TypeRun& run) {
    run.call(iam_call("GetCredentialReport", {}), [this, &run](CallResult& result) {
      if (!result.ok()) {
        return run.unexpected(result);
      }
      for (nlohmann::json& row : parse_credential_report(result.body)) {
        const std::string name = row.value("user", "");
        if (name == "<root_account>") {
          m_root.data["credentials"] = std::move(row);
          m_root.sources.add(result);
          continue;
        }
        Item& target = user(name);
        target.data["arn"] = row.value("arn", "");
        target.data["credentials"] = std::move(row);
        target.sources.add(result);
      }
    });
  }

  void add_details(AuthorizationDetails details, const CallResult& result) {
    // Who holds which managed policy, read before the users' lists move into their evidence.
    const std::array<std::pair<const char*, const nlohmann::json*>, 3> principals = {
      {{"users", &details.users}, {"groups", &details.groups}, {"roles", &details.roles}}};
    for (const auto& [kind, list] : principals) {
      for (const nlohmann::json& principal : *list) {
        for (const nlohmann::json& policy : principal.value("attached", nlohmann::json::array())) {
          m_attachments[policy.value("name", "")][kind].push_back(principal.value("name", ""));
        }
      }
    }
    for (nlohmann::json& entry : details.users) {
      Item& target = user(entry.value("name", ""));
      target.data["arn"] = entry["arn"];
      target.data["groups"] = std::move(entry["groups"]);
      target.data["attached"] = std::move(entry["attached"]);
      target.data["inline"] = std::move(entry["inline"]);
      target.sources.add(result);
    }
    for (nlohmann::json& policy : details.policies) {
      policy["kind"] = "policy";
      policy["scope"] = "customer";
      Sources sources;
      sources.add(result);
      m_policies.push_back({std::move(policy), sources});
    }
    m_account.sources.add(result);
  }

  // For each watched AWS-managed policy, the users, groups and roles it is attached to.
  nlohmann::json holders() const {
    nlohmann::json out = nlohmann::json::object();
    for (const char* policy : k_watched_policies) {
      nlohmann::json entry = {{"users", nlohmann::json::array()},
                              {"groups", nlohmann::json::array()},
                              {"roles", nlohmann::json::array()}};
      if (auto found = m_attachments.find(policy); found != m_attachments.end()) {
        for (const auto& [kind, names] : found->second) {
          entry[kind] = names;
        }
      }
      out[policy] = std::move(entry);
    }
    return out;
  }

  void add_aws_policy(TypeRun& run, nlohmann::json item, const CallResult& listed) {
    const std::string arn = item.value("arn", "");
    const std::string version = item.value("default_version", "");
    item["kind"] = "policy";
    item["scope"] = "aws";
    item["document"] = nullptr;
    Sources sources;
    sources.add(listed);
    const size_t index = m_policies.size();
    m_policies.push_back({std::move(item), sources});
    run.call(iam_call("GetPolicyVersion", {{"PolicyArn", arn}, {"VersionId", version}}),
             [this, &run, index](CallResult& result) {
               if (!result.ok()) {
                 return run.unexpected(result);
               }
               m_policies[index].data["document"] = parse_policy_document(result.body);
               m_policies[index].sources.add(result);
             });
  }

  Item m_root;
  Item m_account;
  std::map<std::string, Item> m_users;
  std::vector<std::string> m_user_order;
  std::vector<Item> m_policies;
  std::vector<Item> m_certificates;
  bool m_details_complete = false;
  // policy name -> "users" | "groups" | "roles" -> names
  std::map<std::string, std::map<std::string, std::vector<std::string>>> m_attachments;
};

} // namespace

std::unique_ptr<Collector> make_iam_collector() {
  return std::make_unique<IamCollector>();
}

} // namespace velocity::providers::aws
