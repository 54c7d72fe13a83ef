#include <velocity/core/error.hpp>
#include <velocity/providers/provider.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace velocity::providers {

std::unique_ptr<Provider> Platform::open_integration(const IntegrationConfig& config,
                                                     ProviderOptions options) const {
  const auto allowed = config.settings.find(k_allow_insecure_http);
  options.client.allow_insecure_http =
    allowed != config.settings.end() && allowed->is_boolean() && allowed->get<bool>();
  return open(config, options);
}

const EvidenceTypeInfo* Platform::find_type(std::string_view id) const {
  for (const EvidenceTypeInfo& type : evidence_types) {
    if (type.id == id) {
      return &type;
    }
  }
  return nullptr;
}

const CheckInfo* Platform::find_check(std::string_view id) const {
  for (const CheckInfo& check : checks) {
    if (check.id == id) {
      return &check;
    }
  }
  return nullptr;
}

std::vector<std::string> Platform::select_types(std::span<const std::string> requested) const {
  std::vector<std::string> selected;
  if (requested.empty()) {
    for (const EvidenceTypeInfo& type : evidence_types) {
      selected.push_back(type.id);
    }
    return selected;
  }
  for (const std::string& id : requested) {
    if (find_type(id) == nullptr) {
      std::string known;
      for (const EvidenceTypeInfo& type : evidence_types) {
        known += known.empty() ? "" : ", ";
        known += type.id;
      }
      throw UsageError(fmt::format("{} has no evidence type '{}'", name, id),
                       fmt::format("the {} evidence types are: {}", name, known));
    }
    if (std::find(selected.begin(), selected.end(), id) == selected.end()) {
      selected.push_back(id);
    }
  }
  return selected;
}

} // namespace velocity::providers
