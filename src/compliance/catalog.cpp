#include <velocity/compliance/catalog.hpp>

namespace velocity::compliance {

const Control* Framework::find_control(std::string_view control_id) const {
  const auto it = m_controls.find(std::string(control_id));
  if (it == m_controls.end()) {
    return nullptr;
  }
  return &categories[it->second.first].controls[it->second.second];
}

const Category* Framework::find_category(std::string_view category_id) const {
  for (const Category& category : categories) {
    if (category.id == category_id) {
      return &category;
    }
  }
  return nullptr;
}

const Variant* Framework::find_variant(std::string_view variant_id) const {
  for (const Variant& variant : variants) {
    if (variant.id == variant_id) {
      return &variant;
    }
  }
  return nullptr;
}

void Framework::index() {
  m_controls.clear();
  m_control_count = 0;
  for (size_t c = 0; c < categories.size(); ++c) {
    for (size_t i = 0; i < categories[c].controls.size(); ++i) {
      m_controls.emplace(categories[c].controls[i].id, std::make_pair(c, i));
      ++m_control_count;
    }
  }
}

int risk_factor(Risk risk) noexcept {
  switch (risk) {
  case Risk::critical:
    return 4;
  case Risk::high:
    return 3;
  case Risk::medium:
    return 2;
  case Risk::low:
    break;
  }
  return 1;
}

std::string_view to_string(Risk risk) noexcept {
  switch (risk) {
  case Risk::critical:
    return "critical";
  case Risk::high:
    return "high";
  case Risk::medium:
    return "medium";
  case Risk::low:
    break;
  }
  return "low";
}

std::string_view to_string(Profile profile) noexcept {
  switch (profile) {
  case Profile::level1:
    return "level1";
  case Profile::level2:
    return "level2";
  case Profile::none:
    break;
  }
  return "";
}

std::string_view to_string(Assessment assessment) noexcept {
  switch (assessment) {
  case Assessment::automated:
    return "automated";
  case Assessment::manual:
    return "manual";
  case Assessment::none:
    break;
  }
  return "";
}

const std::vector<std::string>& CommonControl::controls_in(std::string_view framework_id) const {
  static const std::vector<std::string> k_none;
  for (const FrameworkMapping& mapping : maps) {
    if (mapping.framework == framework_id) {
      return mapping.controls;
    }
  }
  return k_none;
}

const CommonControl* Questionnaire::find(std::string_view id) const {
  const auto it = m_by_id.find(std::string(id));
  return it == m_by_id.end() ? nullptr : &controls[it->second];
}

const Domain* Questionnaire::find_domain(std::string_view id) const {
  for (const Domain& domain : domains) {
    if (domain.id == id) {
      return &domain;
    }
  }
  return nullptr;
}

size_t Questionnaire::domain_position(std::string_view id) const {
  for (size_t i = 0; i < domains.size(); ++i) {
    if (domains[i].id == id) {
      return i;
    }
  }
  return domains.size();
}

void Questionnaire::index() {
  m_by_id.clear();
  for (size_t i = 0; i < controls.size(); ++i) {
    m_by_id.emplace(controls[i].id, i);
  }
}

} // namespace velocity::compliance
