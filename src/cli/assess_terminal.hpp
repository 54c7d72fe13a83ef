#pragma once

// The terminal side of the interactive `velocity assess`: reading answers line by line from
// stdin (Ctrl-C aware), drawing on stderr, and the questions asked before the questionnaire.

#include "assess.hpp"

#include <velocity/cli/output.hpp>

#include <fmt/format.h>

#include <csignal>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace velocity::cli::assess {

// Clears the screen and puts the cursor top left.
constexpr std::string_view k_clear = "\033[H\033[2J";

// Ctrl-C interrupts the read in progress instead of killing velocity, so it can say what was kept.
class InterruptGuard {
public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

private:
  struct sigaction m_previous {};
};

struct Interrupted {};

// The questionnaire's screen on stderr and the answers from stdin (canonical mode: the terminal
// edits the line, we read it whole).
class Terminal {
public:
  explicit Terminal(bool color) : m_color(color) {}

  void write(std::string_view text) const {
    size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(STDERR_FILENO, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return;
      }
      done += static_cast<size_t>(n);
    }
  }

  // The next line without its newline; nothing at end of input. Throws Interrupted on Ctrl-C.
  std::optional<std::string> read_line();

  // Asks `question` until the answer is y, n or empty (`default_yes`).
  bool confirm(const std::string& question, bool default_yes);

  std::string paint(std::string_view text, Color color) const {
    if (!m_color) {
      return std::string(text);
    }
    const char* code = color == Color::red      ? "\033[31m"
                       : color == Color::green  ? "\033[32m"
                       : color == Color::yellow ? "\033[33m"
                       : color == Color::bold   ? "\033[1m"
                       : color == Color::dim    ? "\033[2m"
                                                : "";
    return fmt::format("{}{}\033[0m", code, text);
  }

  // Columns and rows of the terminal (80×24 when unknown).
  static std::pair<size_t, size_t> size();

  static std::string trim(std::string_view text) {
    const size_t begin = text.find_first_not_of(" \t\r");
    if (begin == std::string_view::npos) {
      return {};
    }
    const size_t end = text.find_last_not_of(" \t\r");
    return std::string(text.substr(begin, end - begin + 1));
  }

private:
  bool m_color;
  std::string m_pending;
};

// Asks which frameworks to assess when --framework is not given.
std::vector<std::string> choose_frameworks(Terminal& term, compliance::Library& library);

// Asks for the variant when the frameworks have some and --variant is not given.
std::string choose_variant(Terminal& term, compliance::Library& library,
                           const std::vector<std::string>& frameworks);

// Offers to create the state when there is none: progress has to be saved somewhere.
void ensure_state(Context& ctx, Terminal& term);

} // namespace velocity::cli::assess
