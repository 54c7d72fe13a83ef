#pragma once

#include <nlohmann/json.hpp>

#include <optional>

// Fields of records read from files (exports, proofs, bundles): untrusted input whose fields may
// be missing or of the wrong type, which is a finding to report, never an exception.
namespace velocity::audit::detail {

// The field `name` of `record` as a T, or nothing when `record` is not an object, has no such
// field, or holds it as another type ("4" is not a number).
template <typename T> std::optional<T> json_field(const nlohmann::json& record, const char* name) {
  if (!record.is_object()) {
    return std::nullopt;
  }
  const auto it = record.find(name);
  if (it == record.end()) {
    return std::nullopt;
  }
  if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) {
      return std::nullopt;
    }
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) {
      return std::nullopt;
    }
  } else if constexpr (std::is_integral_v<T>) {
    if (!it->is_number_integer()) {
      return std::nullopt;
    }
  }
  try {
    return it->template get<T>();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

} // namespace velocity::audit::detail
