#pragma once

// Internal to the cli module: the known name closest to a mistyped one, for "did you mean".

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace velocity::cli {

// The name of `names` within two edits of `word` and closest to it; nothing when none is.
std::optional<std::string> nearest_name(std::string_view word,
                                        const std::vector<std::string>& names);

} // namespace velocity::cli
