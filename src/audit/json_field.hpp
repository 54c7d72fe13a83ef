#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

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

// Reads the fields of one record and remembers the first that is missing, of the wrong type or
// out of range, so that a refusal names it: `its "size" field is missing or not a whole number`.
class FieldReader {
public:
  explicit FieldReader(const nlohmann::json& record) : m_record(record) {
    if (!record.is_object()) {
      m_fault = "it is not a JSON object";
    }
  }

  template <typename T> std::optional<T> get(const char* name) {
    auto value = json_field<T>(m_record, name);
    if (!value) {
      if constexpr (std::is_same_v<T, std::string>) {
        note(name, "missing or not a string");
      } else if constexpr (std::is_same_v<T, bool>) {
        note(name, "missing or not true or false");
      } else {
        note(name, "missing or not a whole number");
      }
    }
    return value;
  }

  // Records that the field `name` is `what` ("negative"), unless an earlier fault was recorded.
  void note(std::string_view name, std::string_view what) {
    if (!m_fault) {
      m_fault = "its \"" + std::string(name) + "\" field is " + std::string(what);
    }
  }

  const nlohmann::json& record() const { return m_record; }

  // The first fault, or a general one when the caller refused the record for another reason.
  std::string fault() const { return m_fault.value_or("a field is malformed"); }

private:
  const nlohmann::json& m_record;
  std::optional<std::string> m_fault;
};

} // namespace velocity::audit::detail
