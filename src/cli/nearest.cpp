#include "nearest.hpp"

#include <velocity/core/suggest.hpp>

namespace velocity::cli {

namespace {

constexpr size_t k_max_edits = 2;

} // namespace

std::optional<std::string> nearest_name(std::string_view word,
                                        const std::vector<std::string>& names) {
  std::optional<std::string> closest;
  size_t best = k_max_edits + 1;
  for (const std::string& name : names) {
    const size_t distance = suggest::edit_distance(word, name);
    if (distance < best) {
      best = distance;
      closest = name;
    }
  }
  return closest;
}

} // namespace velocity::cli
