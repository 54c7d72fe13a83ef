// The `account_contacts` evidence type: whether the account has a security contact registered
// (Account Management GetAlternateContact, AlternateContactType SECURITY).

#include "checks_support.hpp"
#include "collect.hpp"

#include <velocity/providers/aws/parse.hpp>

namespace velocity::providers::aws {

namespace {

class SecurityContactCollector final : public Collector {
public:
  void start(TypeRun& run) override {
    run.call(rest_json_post("account", "GetAlternateContact", run.account().global_region(),
                            "/getAlternateContact", {{"AlternateContactType", "SECURITY"}}),
             [&run](CallResult& result) {
               nlohmann::json data = {{"kind", "security_contact"}, {"registered", false}};
               if (result.ok()) {
                 const nlohmann::json contact =
                   parse_json_object(result.body).value("AlternateContact", nlohmann::json());
                 // Whether each field is filled in, not the person's details: the check needs
                 // no more, and the evidence store keeps no personal data it does not need.
                 data["registered"] = contact.is_object();
                 for (const char* key : {"Name", "EmailAddress", "PhoneNumber"}) {
                   data[key] = contact.is_object() && !str(contact, key).empty();
                 }
               } else if (result.error->code == "ResourceNotFoundException") {
                 result.expected = true;
               } else {
                 return run.unexpected(result);
               }
               Sources sources;
               sources.add(result);
               run.add_evidence(run.account().id, "", std::move(data), sources);
             });
  }

  void finish(TypeRun&) override {}
};

} // namespace

std::unique_ptr<Collector> make_security_contact_collector() {
  return std::make_unique<SecurityContactCollector>();
}

} // namespace velocity::providers::aws
