#include <velocity/cli/context.hpp>
#include <velocity/core/env.hpp>
#include <velocity/core/error.hpp>

#include <fmt/format.h>

#include <cstdio>
#include <iostream>

#include <termios.h>
#include <unistd.h>

namespace velocity::cli {

Context::Context() = default;

const Output& Context::out() const {
  if (m_output) {
    return *m_output;
  }
  const bool no_color = options.no_color || env::get("NO_COLOR").has_value();
  const Verbosity verbosity = options.quiet     ? Verbosity::quiet
                              : options.verbose ? Verbosity::verbose
                                                : Verbosity::normal;
  m_output = std::make_unique<Output>(verbosity, !no_color && ::isatty(STDOUT_FILENO) != 0,
                                      !no_color && ::isatty(STDERR_FILENO) != 0);
  return *m_output;
}

std::filesystem::path Context::state_path() const {
  return store::State::resolve_path(options.state_path);
}

store::State& Context::state() {
  if (!m_state) {
    const auto prompt = [this](const std::string& question) { return prompt_secret(question); };
    m_state = std::make_unique<store::State>(store::State::open(state_path(), prompt));
    out().verbose(fmt::format("state {} (master key from {})", m_state->path().string(),
                              m_state->master_key().description));
    for (const std::string& notice : m_state->notices()) {
      out().info(notice);
    }
  }
  return *m_state;
}

store::Org Context::org() { return state().org(options.org); }

std::string Context::format(std::initializer_list<std::string_view> allowed) const {
  for (const std::string_view name : allowed) {
    if (name == options.format) {
      return options.format;
    }
  }
  std::string list;
  for (const std::string_view name : allowed) {
    list += list.empty() ? "" : ", ";
    list += name;
  }
  throw UsageError(fmt::format("--format {} is not available here", options.format),
                   fmt::format("this command prints: {}", list));
}

bool Context::interactive() const {
  return ::isatty(STDIN_FILENO) != 0 && ::isatty(STDERR_FILENO) != 0;
}

std::optional<std::string> Context::prompt_secret(const std::string& question) const {
  if (!interactive()) {
    return std::nullopt;
  }
  std::fputs(question.c_str(), stderr);
  std::fflush(stderr);
  termios saved{};
  ::tcgetattr(STDIN_FILENO, &saved);
  termios silent = saved;
  silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent);
  std::string answer;
  const bool read = static_cast<bool>(std::getline(std::cin, answer));
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  std::fputc('\n', stderr);
  if (!read) {
    return std::nullopt;
  }
  return answer;
}

} // namespace velocity::cli
