#include "assess_terminal.hpp"

#include <velocity/compliance/answers.hpp>
#include <velocity/compliance/text.hpp>
#include <velocity/core/error.hpp>

#include <algorithm>
#include <cerrno>
#include <sstream>

#include <sys/ioctl.h>
#include <unistd.h>

namespace velocity::cli::assess {

namespace {

volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void on_interrupt(int) {
  g_interrupted = 1;
}

} // namespace

InterruptGuard::InterruptGuard() {
  g_interrupted = 0;
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0; // no SA_RESTART: read() returns EINTR
  ::sigaction(SIGINT, &action, &m_previous);
}

InterruptGuard::~InterruptGuard() {
  ::sigaction(SIGINT, &m_previous, nullptr);
}

std::optional<std::string> Terminal::read_line() {
  for (;;) {
    const size_t newline = m_pending.find('\n');
    if (newline != std::string::npos) {
      std::string line = m_pending.substr(0, newline);
      m_pending.erase(0, newline + 1);
      return line;
    }
    char buffer[512];
    const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (g_interrupted != 0) {
      throw Interrupted{};
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      if (m_pending.empty()) {
        return std::nullopt;
      }
      std::string line = std::move(m_pending);
      m_pending.clear();
      return line;
    }
    m_pending.append(buffer, static_cast<size_t>(n));
  }
}

bool Terminal::confirm(const std::string& question, bool default_yes) {
  for (;;) {
    write(fmt::format("{} [{}] ", question, default_yes ? "Y/n" : "y/N"));
    const auto line = read_line();
    if (!line) {
      return false;
    }
    const std::string answer = trim(*line);
    if (answer.empty()) {
      return default_yes;
    }
    if (answer == "y" || answer == "Y" || answer == "yes") {
      return true;
    }
    if (answer == "n" || answer == "N" || answer == "no") {
      return false;
    }
  }
}

std::pair<size_t, size_t> Terminal::size() {
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40 && ws.ws_row >= 12) {
    return {ws.ws_col, ws.ws_row};
  }
  return {80, 24};
}

std::vector<std::string> choose_frameworks(Terminal& term, compliance::Library& library) {
  const compliance::Questionnaire& questionnaire = library.questionnaire();
  term.write(fmt::format("{}Which frameworks do you want to assess? One set of questions covers "
                         "all you pick.\n\n",
                         k_clear));
  const auto& ids = library.framework_ids();
  size_t id_width = 0;
  for (const std::string& id : ids) {
    id_width = std::max(id_width, id.size());
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    const compliance::Framework& framework = library.framework(ids[i]);
    term.write(fmt::format("  {:>2}  {:<{}} {:<36} {:>3} questions\n", i + 1, ids[i], id_width,
                           compliance::truncate(framework.name, 36),
                           compliance::questions_for(questionnaire, {ids[i]}).size()));
  }
  for (;;) {
    term.write("\nNumbers or ids, separated by commas [1]: ");
    const auto line = term.read_line();
    if (!line) {
      throw UsageError("no framework chosen", "pass --framework ID");
    }
    std::string text = Terminal::trim(*line);
    if (text.empty()) {
      text = "1";
    }
    std::vector<std::string> chosen;
    std::stringstream stream(text);
    std::string item;
    bool ok = true;
    while (std::getline(stream, item, ',')) {
      item = Terminal::trim(item);
      const bool number = !item.empty() && std::all_of(item.begin(), item.end(), ::isdigit);
      if (number && std::stoul(item) >= 1 && std::stoul(item) <= ids.size()) {
        chosen.push_back(ids[std::stoul(item) - 1]);
      } else if (library.has_framework(item)) {
        chosen.push_back(item);
      } else if (!item.empty()) {
        term.write(fmt::format("'{}' is not one of the numbers or ids above\n", item));
        ok = false;
      }
    }
    if (ok && !chosen.empty()) {
      return chosen;
    }
  }
}

std::string choose_variant(Terminal& term, compliance::Library& library,
                           const std::vector<std::string>& frameworks) {
  for (const std::string& id : frameworks) {
    const compliance::Framework& framework = library.framework(id);
    if (framework.variants.empty()) {
      continue;
    }
    term.write(
      fmt::format("\n{} comes in {} variants:\n", framework.name, framework.variants.size()));
    for (size_t i = 0; i < framework.variants.size(); ++i) {
      term.write(fmt::format("  {}  {:<8} {}\n", i + 1, framework.variants[i].name,
                             framework.variants[i].description));
    }
    for (;;) {
      term.write("Which one [1]: ");
      const auto line = term.read_line();
      const std::string text = line ? Terminal::trim(*line) : "";
      if (text.empty()) {
        return framework.variants.front().id;
      }
      for (size_t i = 0; i < framework.variants.size(); ++i) {
        if (text == std::to_string(i + 1) || text == framework.variants[i].id) {
          return framework.variants[i].id;
        }
      }
    }
  }
  return {};
}

void ensure_state(Context& ctx, Terminal& term) {
  std::error_code error;
  const auto path = ctx.state_path();
  if (std::filesystem::exists(path, error)) {
    return;
  }
  // Wrapped to the terminal; the path on a line of its own.
  const auto notice = compliance::wrap(
    "velocity saves answers as you go, encrypted, in a state file that does not exist yet:",
    Terminal::size().first - 1);
  term.write(fmt::format("{}\n  {}\n", fmt::join(notice, "\n"), path.string()));
  if (!term.confirm("Create it now, with a new master key?", true)) {
    throw UsageError("no state to save the assessment in",
                     "`velocity init` creates it, or answer with a file: `velocity assess "
                     "--answers FILE --no-save`");
  }
  const auto prompt = [&ctx](const std::string& q) { return ctx.prompt_secret(q); };
  const store::InitResult result =
    store::State::initialize(path, store::NewKeySource::automatic, prompt);
  term.write(fmt::format("created it (master key: {}):\n  {}\n", result.key_source, path.string()));
}

} // namespace velocity::cli::assess
