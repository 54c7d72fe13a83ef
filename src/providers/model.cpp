#include <velocity/providers/model.hpp>

namespace velocity::providers {

std::string_view to_string(Health health) noexcept {
  switch (health) {
  case Health::healthy:
    return "healthy";
  case Health::degraded:
    return "degraded";
  case Health::unhealthy:
    return "unhealthy";
  case Health::unknown:
    return "unknown";
  }
  return "unknown";
}

} // namespace velocity::providers
