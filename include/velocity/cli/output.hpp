#pragma once

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace velocity::cli {

enum class Verbosity { quiet, normal, verbose };
enum class Color { none, red, green, yellow, bold, dim };

// Where a command's words go: data (tables, JSON) to stdout, chatter and progress to stderr.
class Output {
public:
  Output(Verbosity verbosity, bool color_stdout, bool color_stderr);

  // A line of human chatter on stderr; silent with --quiet.
  void info(std::string_view line) const;
  // A line on stderr only with --verbose.
  void verbose(std::string_view line) const;
  // A warning on stderr, even with --quiet.
  void warn(std::string_view line) const;
  // Data on stdout.
  void data(std::string_view text) const;
  // JSON on stdout, pretty-printed, one document.
  void json(const nlohmann::json& value) const;

  // `text` in `color` when stdout is a colour terminal.
  std::string paint(std::string_view text, Color color) const;
  bool is_verbose() const noexcept { return m_verbosity == Verbosity::verbose; }
  bool is_quiet() const noexcept { return m_verbosity == Verbosity::quiet; }

private:
  Verbosity m_verbosity;
  bool m_color_stdout;
  bool m_color_stderr;
};

// A plain-text table with aligned columns, sized to its content.
class Table {
public:
  explicit Table(std::vector<std::string> headers);
  void add_row(std::vector<std::string> cells);
  // The rendered table; header underlined with dashes.
  std::string render() const;
  bool empty() const noexcept { return m_rows.empty(); }

private:
  std::vector<std::string> m_headers;
  std::vector<std::vector<std::string>> m_rows;
};

// The display width of UTF-8 `text` in terminal columns (one per code point, escape codes none).
size_t display_width(std::string_view text);

// What a terminal may safely be shown of text velocity did not write itself (a server's error
// body, a file's content, a resource name): control characters, escape sequences and invalid
// UTF-8 become visible escapes (\x1b, \u009b) instead of acting on the terminal. Newlines and
// tabs stay. With `keep_colors`, the colour sequences Output::paint writes pass through.
enum class KeepColors { no, yes };
std::string terminal_safe(std::string_view text, KeepColors keep_colors = KeepColors::no);

} // namespace velocity::cli
