#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

// "Did you mean …?": the nearest known name to one a user mistyped.
namespace velocity::suggest {

// The Levenshtein distance between `a` and `b` (insertions, deletions, substitutions).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word` when it is a plausible typo (at most a third of its letters
// wrong, and at least two allowed), else empty.
std::string closest(std::string_view word, const std::vector<std::string>& candidates);

// The `count` candidates nearest to `word`, nearest first (ties in the candidates' order), for
// listing alternatives even when none is a plausible typo.
std::vector<std::string> nearest(std::string_view word, const std::vector<std::string>& candidates,
                                 std::size_t count);

} // namespace velocity::suggest
