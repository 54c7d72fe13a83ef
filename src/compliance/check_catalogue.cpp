#include <velocity/compliance/check_catalogue.hpp>

namespace velocity::compliance {

const std::vector<CheckControl>& Check::controls_in(std::string_view framework_id) const {
  static const std::vector<CheckControl> k_none;
  for (const CheckFrameworkControls& mapping : controls) {
    if (mapping.framework == framework_id) {
      return mapping.controls;
    }
  }
  return k_none;
}

const Check* CheckCatalogue::find(std::string_view id) const {
  const auto it = m_by_id.find(std::string(id));
  return it == m_by_id.end() ? nullptr : &checks[it->second];
}

void CheckCatalogue::index() {
  m_by_id.clear();
  for (size_t i = 0; i < checks.size(); ++i) {
    m_by_id.emplace(checks[i].id, i);
  }
}

} // namespace velocity::compliance
