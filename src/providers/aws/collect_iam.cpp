// The `policies` evidence type: IAM account summary, password policy, users (console access,
// MFA, access keys, attached policies) and customer-managed policies with their documents.

#include "collect.hpp"

#include <velocity/providers/aws/parse.hpp>

#include <map>

namespace velocity::providers::aws {

namespace {

struct User {
  nlohmann::json data;
  Sources sources;
};

struct Policy {
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
      m_summary = parse_account_summary(result.body);
      m_summary_sources.add(result);
    });
    run.call(iam_call("GetAccountPasswordPolicy", {}), [this, &run](CallResult& result) {
      if (!result.ok() && result.error->code == "NoSuchEntity") {
        result.expected = true; // no policy set: the check fails, the collection does not
        m_password_policy = nullptr;
        m_password_sources.add(result);
        m_has_password_answer = true;
        return;
      }
      if (!result.ok()) {
        return run.unexpected(result);
      }
      m_password_policy = parse_password_policy(result.body);
      m_password_sources.add(result);
      m_has_password_answer = true;
    });
    paginate(
      run,
      [](const std::optional<std::string>& marker) {
        return iam_call("ListUsers",
                        marker
                          ? std::vector<std::pair<std::string, std::string>>{{"Marker", *marker}}
                          : std::vector<std::pair<std::string, std::string>>{});
      },
      [this, &run](CallResult& result) -> std::optional<std::string> {
        if (!result.ok()) {
          run.unexpected(result);
          return std::nullopt;
        }
        Page page = parse_users(result.body);
        for (nlohmann::json& item : page.items) {
          add_user(run, std::move(item), result);
        }
        return page.next;
      });
    paginate(
      run,
      [](const std::optional<std::string>& marker) {
        std::vector<std::pair<std::string, std::string>> params = {{"Scope", "Local"}};
        if (marker) {
          params.emplace_back("Marker", *marker);
        }
        return iam_call("ListPolicies", std::move(params));
      },
      [this, &run](CallResult& result) -> std::optional<std::string> {
        if (!result.ok()) {
          run.unexpected(result);
          return std::nullopt;
        }
        Page page = parse_policies(result.body);
        for (nlohmann::json& item : page.items) {
          add_policy(run, std::move(item), result);
        }
        return page.next;
      });
  }

  void finish(TypeRun& run) override {
    Account& account = run.account();
    if (!m_summary.is_null()) {
      run.add_evidence(account.root_arn(), "",
                       {{"kind", "account_summary"}, {"summary", m_summary}}, m_summary_sources);
    }
    if (m_has_password_answer) {
      run.add_evidence(fmt_arn(account, "account-password-policy"), "",
                       {{"kind", "password_policy"}, {"policy", m_password_policy}},
                       m_password_sources);
    }
    for (const std::string& name : m_user_order) {
      User& user = m_users[name];
      // The ARN is read before the data is moved: argument order is unspecified.
      std::string arn = user.data.value("arn", name);
      run.add_evidence(std::move(arn), "", std::move(user.data), user.sources);
    }
    for (const std::string& arn : m_policy_order) {
      Policy& policy = m_policies[arn];
      run.add_evidence(arn, "", std::move(policy.data), policy.sources);
    }
  }

private:
  static std::string fmt_arn(const Account& account, const char* resource) {
    return "arn:" + account.partition + ":iam::" + account.id + ":" + resource;
  }

  static std::vector<std::pair<std::string, std::string>>
  with_marker(std::vector<std::pair<std::string, std::string>> params,
              const std::optional<std::string>& marker) {
    if (marker) {
      params.emplace_back("Marker", *marker);
    }
    return params;
  }

  void add_user(TypeRun& run, nlohmann::json item, const CallResult& listed) {
    const std::string name = item.value("name", "");
    item["kind"] = "user";
    item["console_password"] = false;
    item["login_profile"] = nullptr;
    item["mfa_devices"] = nlohmann::json::array();
    item["access_keys"] = nlohmann::json::array();
    item["attached_policies"] = nlohmann::json::array();
    User& user = m_users[name];
    user.data = std::move(item);
    user.sources.add(listed);
    m_user_order.push_back(name);

    run.call(iam_call("GetLoginProfile", {{"UserName", name}}),
             [this, &run, name](CallResult& result) {
               User& target = m_users[name];
               if (!result.ok() && result.error->code == "NoSuchEntity") {
                 result.expected = true; // no console password
                 target.sources.add(result);
                 return;
               }
               if (!result.ok()) {
                 return run.unexpected(result);
               }
               target.data["console_password"] = true;
               target.data["login_profile"] = parse_login_profile(result.body);
               target.sources.add(result);
             });
    paginate(
      run,
      [name](const std::optional<std::string>& marker) {
        return iam_call("ListMFADevices", with_marker({{"UserName", name}}, marker));
      },
      [this, &run, name](CallResult& result) -> std::optional<std::string> {
        if (!result.ok()) {
          run.unexpected(result);
          return std::nullopt;
        }
        Page page = parse_mfa_devices(result.body);
        User& target = m_users[name];
        for (nlohmann::json& device : page.items) {
          target.data["mfa_devices"].push_back(std::move(device));
        }
        target.sources.add(result);
        return page.next;
      });
    paginate(
      run,
      [name](const std::optional<std::string>& marker) {
        return iam_call("ListAccessKeys", with_marker({{"UserName", name}}, marker));
      },
      [this, &run, name](CallResult& result) -> std::optional<std::string> {
        if (!result.ok()) {
          run.unexpected(result);
          return std::nullopt;
        }
        Page page = parse_access_keys(result.body);
        User& target = m_users[name];
        target.sources.add(result);
        for (nlohmann::json& key : page.items) {
          const std::string id = key.value("id", "");
          const size_t index = target.data["access_keys"].size();
          key["last_used"] = nullptr;
          target.data["access_keys"].push_back(std::move(key));
          run.call(iam_call("GetAccessKeyLastUsed", {{"AccessKeyId", id}}),
                   [this, &run, name, index](CallResult& used) {
                     if (!used.ok()) {
                       return run.unexpected(used);
                     }
                     User& owner = m_users[name];
                     owner.data["access_keys"][index]["last_used"] =
                       parse_access_key_last_used(used.body);
                     owner.sources.add(used);
                   });
        }
        return page.next;
      });
    paginate(
      run,
      [name](const std::optional<std::string>& marker) {
        return iam_call("ListAttachedUserPolicies", with_marker({{"UserName", name}}, marker));
      },
      [this, &run, name](CallResult& result) -> std::optional<std::string> {
        if (!result.ok()) {
          run.unexpected(result);
          return std::nullopt;
        }
        Page page = parse_attached_policies(result.body);
        User& target = m_users[name];
        for (nlohmann::json& policy : page.items) {
          target.data["attached_policies"].push_back(std::move(policy));
        }
        target.sources.add(result);
        return page.next;
      });
  }

  void add_policy(TypeRun& run, nlohmann::json item, const CallResult& listed) {
    const std::string arn = item.value("arn", "");
    const std::string version = item.value("default_version", "");
    item["kind"] = "policy";
    item["document"] = nullptr;
    Policy& policy = m_policies[arn];
    policy.data = std::move(item);
    policy.sources.add(listed);
    m_policy_order.push_back(arn);
    run.call(iam_call("GetPolicyVersion", {{"PolicyArn", arn}, {"VersionId", version}}),
             [this, &run, arn](CallResult& result) {
               if (!result.ok()) {
                 return run.unexpected(result);
               }
               Policy& target = m_policies[arn];
               target.data["document"] = parse_policy_document(result.body);
               target.sources.add(result);
             });
  }

  nlohmann::json m_summary;
  Sources m_summary_sources;
  nlohmann::json m_password_policy;
  Sources m_password_sources;
  bool m_has_password_answer = false;
  std::map<std::string, User> m_users;
  std::vector<std::string> m_user_order;
  std::map<std::string, Policy> m_policies;
  std::vector<std::string> m_policy_order;
};

} // namespace

std::unique_ptr<Collector> make_iam_collector() {
  return std::make_unique<IamCollector>();
}

} // namespace velocity::providers::aws
