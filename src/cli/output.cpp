#include <velocity/cli/output.hpp>

#include <fmt/format.h>

#include <algorithm>
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
    write_line(stderr, line);
  }
}

void Output::verbose(std::string_view line) const {
  if (m_verbosity == Verbosity::verbose) {
    write_line(stderr, line);
  }
}

void Output::warn(std::string_view line) const {
  write_line(stderr, m_color_stderr ? fmt::format("{}velocity: warning:\033[0m {}",
                                                  escape_of(Color::yellow), line)
                                    : fmt::format("velocity: warning: {}", line));
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

Table::Table(std::vector<std::string> headers) : m_headers(std::move(headers)) {}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(m_headers.size());
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
