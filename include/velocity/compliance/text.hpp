#pragma once

#include <string>
#include <string_view>
#include <vector>

// Small text helpers shared by the files velocity writes for people (answer templates) and the
// terminal screens that show catalogue text.
namespace velocity::compliance {

// `text` broken into lines of at most `width` display columns at spaces; runs of white space
// (folded YAML) count as one space; a word longer than `width` gets a line of its own.
std::vector<std::string> wrap(std::string_view text, size_t width);

// `text` cut to `width` display columns, ending in "…" when something was cut.
std::string truncate(std::string_view text, size_t width);

// `value` with one decimal, or none when it is whole: 53.8, 100, 0.5.
std::string format_decimal(double value);

// `amount` as whole dollars with thousands separators: "$12,345".
std::string format_usd(double amount);

// `text` as a YAML double-quoted scalar.
std::string yaml_quote(std::string_view text);

} // namespace velocity::compliance
