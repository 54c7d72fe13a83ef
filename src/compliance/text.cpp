#include <velocity/compliance/text.hpp>

#include <fmt/format.h>

#include <cmath>

namespace velocity::compliance {

namespace {

size_t columns(std::string_view text) {
  size_t width = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) {
      ++width;
    }
  }
  return width;
}

} // namespace

std::vector<std::string> wrap(std::string_view text, size_t width) {
  std::vector<std::string> lines;
  std::string line;
  size_t line_width = 0;
  size_t at = 0;
  while (at < text.size()) {
    while (at < text.size() && (text[at] == ' ' || text[at] == '\n' || text[at] == '\t')) {
      ++at;
    }
    const size_t end = text.find_first_of(" \n\t", at);
    const std::string_view word = text.substr(at, end == std::string_view::npos ? end : end - at);
    at = end == std::string_view::npos ? text.size() : end;
    if (word.empty()) {
      continue;
    }
    const size_t word_width = columns(word);
    if (!line.empty() && line_width + 1 + word_width > width) {
      lines.push_back(std::move(line));
      line.clear();
      line_width = 0;
    }
    if (!line.empty()) {
      line += ' ';
      ++line_width;
    }
    line += word;
    line_width += word_width;
  }
  if (!line.empty()) {
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string truncate(std::string_view text, size_t width) {
  if (columns(text) <= width) {
    return std::string(text);
  }
  std::string result;
  size_t used = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if ((byte & 0xc0) != 0x80) {
      if (used + 1 >= width) {
        break;
      }
      ++used;
    }
    result += text[i];
  }
  while (!result.empty() && result.back() == ' ') {
    result.pop_back();
  }
  return result + "…";
}

std::string format_decimal(double value) {
  const double rounded = std::round(value * 10) / 10;
  if (rounded == std::floor(rounded)) {
    return fmt::format("{:.0f}", rounded);
  }
  return fmt::format("{:.1f}", rounded);
}

std::string format_usd(double amount) {
  const auto whole = static_cast<long long>(std::llround(amount));
  std::string digits = std::to_string(whole < 0 ? -whole : whole);
  std::string grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) {
      grouped += ',';
    }
    grouped += digits[i];
  }
  return (whole < 0 ? "-$" : "$") + grouped;
}

std::string yaml_quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        out += fmt::format("\\x{:02x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
      } else {
        out += c;
      }
    }
  }
  return out + "\"";
}

} // namespace velocity::compliance
