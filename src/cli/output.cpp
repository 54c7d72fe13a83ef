#include <velocity/cli/output.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace velocity::cli {

namespace {

const char* escape_of(Color color) {
  switch (color) {
  case Color::red:
    return "\033[31m";
  case Color::green:
    return "\033[32m";
  case Color::yellow:
    return "\033[33m";
  case Color::bold:
    return "\033[1m";
  case Color::dim:
    return "\033[2m";
  case Color::none:
    break;
  }
  return "";
}

// The colour sequences velocity writes itself: ESC [ 0|1|2|31|32|33 m.
size_t own_color_sequence(std::string_view text) {
  for (const std::string_view sequence :
       {"\033[0m", "\033[1m", "\033[2m", "\033[31m", "\033[32m", "\033[33m"}) {
    if (text.starts_with(sequence)) {
      return sequence.size();
    }
  }
  return 0;
}

// The length of the valid UTF-8 sequence at the start of `text` (2 to 4), or 0.
size_t utf8_sequence(std::string_view text) {
  const auto lead = static_cast<unsigned char>(text[0]);
  size_t length = 0;
  uint32_t code = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
    code = lead & 0x1fU;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    code = lead & 0x0fU;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    code = lead & 0x07U;
  } else {
    return 0;
  }
  if (text.size() < length) {
    return 0;
  }
  for (size_t i = 1; i < length; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if ((byte & 0xc0U) != 0x80U) {
      return 0;
    }
    code = (code << 6U) | (byte & 0x3fU);
  }
  const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
  const bool surrogate = code >= 0xd800 && code <= 0xdfff;
  if (overlong || surrogate || code > 0x10ffff) {
    return 0;
  }
  // C1 controls (U+0080..U+009F) act on terminals as ESC sequences do.
  return code >= 0x80 && code <= 0x9f ? 0 : length;
}

void write_line(std::FILE* stream, std::string_view line) {
  std::fwrite(line.data(), 1, line.size(), stream);
  std::fputc('\n', stream);
  std::fflush(stream);
}

} // namespace

Output::Output(Verbosity verbosity, bool color_stdout, bool color_stderr)
  : m_verbosity(verbosity),
    m_color_stdout(color_stdout),
    m_color_stderr(color_stderr) {}

void Output::info(std::string_view line) const {
  if (m_verbosity != Verbosity::quiet) {
    write_line(stderr, terminal_safe(line, KeepColors::yes));
  }
}

void Output::verbose(std::string_view line) const {
  if (m_verbosity == Verbosity::verbose) {
    write_line(stderr, terminal_safe(line, KeepColors::yes));
  }
}

void Output::warn(std::string_view line) const {
  write_line(stderr, m_color_stderr ? fmt::format("{}velocity: warning:\033[0m {}",
                                                  escape_of(Color::yellow), terminal_safe(line))
                                    : fmt::format("velocity: warning: {}", terminal_safe(line)));
}

void Output::data(std::string_view text) const {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void Output::json(const nlohmann::json& value) const {
  data(value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

std::string Output::paint(std::string_view text, Color color) const {
  if (!m_color_stdout || color == Color::none) {
    return std::string(text);
  }
  return fmt::format("{}{}\033[0m", escape_of(color), text);
}

size_t display_width(std::string_view text) {
  size_t width = 0;
  bool in_escape = false;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (in_escape) {
      in_escape = byte != 'm';
      continue;
    }
    if (byte == 0x1b) {
      in_escape = true;
      continue;
    }
    if ((byte & 0xc0) != 0x80) {
      ++width;
    }
  }
  return width;
}

std::string terminal_safe(std::string_view text, KeepColors keep_colors) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '\n' || byte == '\t' || (byte >= 0x20 && byte < 0x7f)) {
      out += text[i++];
      continue;
    }
    if (keep_colors == KeepColors::yes) {
      if (const size_t length = own_color_sequence(text.substr(i)); length > 0) {
        out.append(text.substr(i, length));
        i += length;
        continue;
      }
    }
    if (byte >= 0x80) {
      if (const size_t length = utf8_sequence(text.substr(i)); length > 0) {
        out.append(text.substr(i, length));
        i += length;
        continue;
      }
    }
    out += fmt::format("\\x{:02x}", byte);
    ++i;
  }
  return out;
}

Table::Table(std::vector<std::string> headers) : m_headers(std::move(headers)) {}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(m_headers.size());
  for (std::string& cell : cells) {
    cell = terminal_safe(cell, KeepColors::yes);
  }
  m_rows.push_back(std::move(cells));
}

std::string Table::render() const {
  std::vector<size_t> widths(m_headers.size());
  for (size_t i = 0; i < m_headers.size(); ++i) {
    widths[i] = display_width(m_headers[i]);
    for (const auto& row : m_rows) {
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  }
  std::string out;
  const auto append_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      line += cells[i];
      if (i + 1 < cells.size()) {
        line.append(widths[i] - display_width(cells[i]) + 2, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    out += line + "\n";
  };
  append_row(m_headers);
  std::vector<std::string> rule;
  for (const size_t width : widths) {
    rule.emplace_back(width, '-');
  }
  append_row(rule);
  for (const auto& row : m_rows) {
    append_row(row);
  }
  return out;
}

} // namespace velocity::cli
