// `velocity assess` on a terminal: one question per screen, saved after every answer.

#include "assess.hpp"

#include <velocity/compliance/text.hpp>
#include <velocity/core/env.hpp>
#include <velocity/core/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <sstream>

#include <sys/ioctl.h>
#include <unistd.h>

namespace velocity::cli::assess {

namespace {

volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void on_interrupt(int) { g_interrupted = 1; }

// Ctrl-C interrupts the read in progress instead of killing velocity, so it can say what was kept.
class InterruptGuard {
public:
  InterruptGuard() {
    g_interrupted = 0;
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; // no SA_RESTART: read() returns EINTR
    ::sigaction(SIGINT, &action, &m_previous);
  }
  ~InterruptGuard() { ::sigaction(SIGINT, &m_previous, nullptr); }
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
  std::optional<std::string> read_line() {
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

  // Asks `question` until the answer is y, n or empty (`default_yes`).
  bool confirm(const std::string& question, bool default_yes) {
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
  static std::pair<size_t, size_t> size() {
    winsize ws{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40 && ws.ws_row >= 12) {
      return {ws.ws_col, ws.ws_row};
    }
    return {80, 24};
  }

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

constexpr std::string_view k_clear = "\033[H\033[2J";

enum class Stage { design, operating };

// One questionnaire run over the questions of a scope.
class Session {
public:
  Session(Context& ctx, Terminal& term, compliance::Library& library, compliance::Scope scope,
          store::AssessmentRecord record)
    : m_ctx(ctx), m_term(term), m_library(library),
      m_questionnaire(library.questionnaire()), m_scope(std::move(scope)),
      m_record(std::move(record)),
      m_questions(compliance::questions_for(m_questionnaire, m_scope.frameworks)),
      m_frameworks(load_frameworks(library, m_scope)) {
    m_answers = compliance::answers_from_json(nlohmann::json::parse(m_record.answers, nullptr, false));
    m_index = static_cast<size_t>(std::clamp(m_record.position, 0, static_cast<int>(m_questions.size())));
  }

  // Runs until finish (true) or save and quit (false).
  bool run();
  int answered() const;
  int64_t id() const { return m_record.id; }

private:
  std::string render() const;
  std::string render_summary() const;
  bool handle(const std::string& line);
  void set_answer(compliance::AnswerValue value, const std::string& note);
  void advance();
  void back();
  void save();
  void finish();
  const compliance::CommonControl& current() const { return *m_questions[m_index]; }
  const compliance::Answer* answer_of(const compliance::CommonControl& control) const;

  Context& m_ctx;
  Terminal& m_term;
  compliance::Library& m_library;
  const compliance::Questionnaire& m_questionnaire;
  compliance::Scope m_scope;
  store::AssessmentRecord m_record;
  std::vector<const compliance::CommonControl*> m_questions;
  std::vector<const compliance::Framework*> m_frameworks;
  compliance::Answers m_answers;
  size_t m_index = 0;
  Stage m_stage = Stage::design;
  std::string m_message;
  bool m_quit = false;
  bool m_finished = false;
};

const compliance::Answer* Session::answer_of(const compliance::CommonControl& control) const {
  const auto found = m_answers.find(control.id);
  return found == m_answers.end() ? nullptr : &found->second;
}

int Session::answered() const {
  int count = 0;
  for (const compliance::CommonControl* control : m_questions) {
    const compliance::Answer* answer = answer_of(*control);
    count += answer != nullptr && answer->design ? 1 : 0;
  }
  return count;
}

std::string Session::render() const {
  const auto [columns, rows] = Terminal::size();
  const size_t width = std::min<size_t>(columns, 100) - 2;
  const compliance::CommonControl& control = current();
  const compliance::Answer* answer = answer_of(control);

  std::string title;
  for (const compliance::Framework* framework : m_frameworks) {
    title += title.empty() ? "" : ", ";
    title += framework->name;
    if (const compliance::Variant* variant = framework->find_variant(m_scope.variant)) {
      title += " " + variant->name;
    }
  }
  size_t in_domain = 0;
  size_t domain_total = 0;
  for (size_t i = 0; i < m_questions.size(); ++i) {
    if (m_questions[i]->domain == control.domain) {
      ++domain_total;
      in_domain += i <= m_index ? 1 : 0;
    }
  }
  const compliance::Domain* domain = m_questionnaire.find_domain(control.domain);

  std::vector<std::string> lines;
  const std::string right = fmt::format("question {} of {} · {} answered", m_index + 1,
                                        m_questions.size(), answered());
  const std::string left = compliance::truncate(fmt::format("velocity assess · {}", title),
                                                width - display_width(right) - 2);
  lines.push_back(m_term.paint(left, Color::bold) +
                  std::string(width - display_width(left) - display_width(right), ' ') + right);
  lines.push_back(fmt::format("{} · {} of {}", domain != nullptr ? domain->name : control.domain,
                              in_domain, domain_total));
  lines.push_back(m_term.paint(std::string(width, '-'), Color::dim));
  const std::string meta = fmt::format("{} risk · weight {}", compliance::to_string(control.risk),
                                       control.weight);
  const std::string heading = compliance::truncate(control.title, width - display_width(meta) - 2);
  lines.push_back(m_term.paint(heading, Color::bold) +
                  std::string(width - display_width(heading) - display_width(meta), ' ') +
                  m_term.paint(meta, control.risk == compliance::Risk::critical ? Color::red
                                                                                : Color::dim));
  lines.emplace_back();

  std::vector<std::string> question;
  if (m_stage == Stage::operating) {
    lines.push_back(fmt::format("Type II, operating effectiveness (the control itself: {})",
                                answer != nullptr && answer->design
                                  ? compliance::to_string(*answer->design)
                                  : "-"));
    question = compliance::wrap(control.type2_question, width);
  } else {
    question = compliance::wrap(control.question, width);
  }
  for (const std::string& line : question) {
    lines.push_back(m_term.paint(line, Color::bold));
  }
  lines.emplace_back();

  std::vector<std::string> tail;
  std::string counts;
  for (const compliance::Framework* framework : m_frameworks) {
    const auto& ids = control.controls_in(framework->id);
    if (!ids.empty()) {
      counts += counts.empty() ? "" : " · ";
      counts += fmt::format("{} {}", framework->name, fmt::join(ids, ", "));
    }
  }
  for (const std::string& line : compliance::wrap("Counts for: " + counts, width)) {
    if (tail.size() < 2) {
      tail.push_back(m_term.paint(line, Color::dim));
    }
  }
  if (answer != nullptr && answer->design) {
    std::string current_text = fmt::format("Your answer: {}", compliance::to_string(*answer->design));
    if (answer->operating) {
      current_text += fmt::format(", operating {}", compliance::to_string(*answer->operating));
    }
    if (!answer->note.empty()) {
      current_text += fmt::format(" · note: {}", answer->note);
    }
    if (!answer->evidence.empty()) {
      current_text += fmt::format(" · evidence: {}", answer->evidence);
    }
    tail.push_back(m_term.paint(compliance::truncate(current_text, width), Color::green));
  }
  tail.emplace_back();
  if (!m_message.empty()) {
    tail.push_back(m_term.paint(compliance::truncate(m_message, width), Color::yellow));
  }
  tail.push_back(m_stage == Stage::operating
                   ? "[y]es  [p]artially  [n]o   add a note after the letter: p missed Q2"
                   : "[y]es  [p]artially  [n]o  n/[a]   add a note after the letter: p admins only");
  tail.push_back("[b]ack  [s]kip  [e] LINK evidence  [g] N go to  [?] help  [q] save and quit");

  // The guidance takes what is left of the screen, so a question always fits.
  const size_t budget = rows - 1 - std::min(rows - 1, lines.size() + tail.size() + 1);
  const auto guidance = compliance::wrap("Guidance: " + control.guidance, width);
  for (size_t i = 0; i < guidance.size() && i < budget; ++i) {
    const bool cut = i + 1 == budget && guidance.size() > budget;
    lines.push_back(m_term.paint(cut ? compliance::truncate(guidance[i] + " …", width) : guidance[i],
                                 Color::dim));
  }
  if (!guidance.empty() && budget > 0) {
    lines.emplace_back();
  }
  std::string screen(k_clear);
  for (const std::string& line : lines) {
    screen += " " + line + "\n";
  }
  for (const std::string& line : tail) {
    screen += " " + line + "\n";
  }
  return screen + " > ";
}

std::string Session::render_summary() const {
  const int done = answered();
  const int skipped = static_cast<int>(m_questions.size()) - done;
  std::string screen(k_clear);
  screen += " " + m_term.paint("velocity assess · every question visited", Color::bold) + "\n\n";
  screen += fmt::format(" {} of {} questions answered{}.\n", done, m_questions.size(),
                        skipped > 0 ? fmt::format("; {} skipped (they are reported as not "
                                                  "assessed and left out of the scores)",
                                                  skipped)
                                    : "");
  screen += "\n [f] finish and see the results\n";
  if (skipped > 0) {
    screen += " [u] go to the first unanswered question\n";
  }
  screen += " [b] back   [g] N go to question N   [q] save and quit (finish later with --resume)\n";
  if (!m_message.empty()) {
    screen += "\n " + m_term.paint(m_message, Color::yellow) + "\n";
  }
  return screen + "\n > ";
}

void Session::save() {
  store::save_assessment_progress(m_ctx.state().db(), m_ctx.org(), m_record.id,
                                  compliance::answers_to_json(m_answers).dump(),
                                  static_cast<int>(m_index));
}

void Session::advance() {
  m_stage = Stage::design;
  if (m_index < m_questions.size()) {
    ++m_index;
  }
}

void Session::back() {
  if (m_stage == Stage::operating) {
    m_stage = Stage::design;
    return;
  }
  if (m_index == 0) {
    m_message = "this is the first question";
    return;
  }
  --m_index;
  const compliance::Answer* answer = answer_of(current());
  m_stage = answer != nullptr && compliance::asks_operating(current(), m_scope, answer->design)
              ? Stage::operating
              : Stage::design;
}

void Session::set_answer(compliance::AnswerValue value, const std::string& note) {
  compliance::Answer& answer = m_answers[current().id];
  if (m_stage == Stage::operating) {
    answer.operating = value;
  } else {
    answer.design = value;
    if (!compliance::asks_operating(current(), m_scope, value)) {
      answer.operating.reset();
    }
  }
  if (!note.empty()) {
    answer.note = note;
  }
  if (m_stage == Stage::design && compliance::asks_operating(current(), m_scope, value)) {
    m_stage = Stage::operating;
  } else {
    advance();
  }
  save();
}

void Session::finish() {
  const compliance::Evaluation evaluation = compliance::evaluate(
    m_questionnaire, m_frameworks, m_scope, m_answers, compliance::PlanOptions{});
  store::complete_assessment(m_ctx.state().db(), m_ctx.org(), m_record.id,
                             compliance::answers_to_json(m_answers).dump(), scores_json(evaluation),
                             m_library.digest(m_scope.frameworks));
  m_finished = true;
}

// Returns false when the line was not understood (m_message says why).
bool Session::handle(const std::string& line) {
  const std::string input = Terminal::trim(line);
  const size_t space = input.find(' ');
  std::string word = input.substr(0, space);
  std::transform(word.begin(), word.end(), word.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::string rest = space == std::string::npos ? "" : Terminal::trim(input.substr(space + 1));
  const bool at_end = m_index >= m_questions.size();

  if (word == "q" || word == "quit") {
    m_quit = true;
    return true;
  }
  if (word == "?" || word == "h" || word == "help") {
    m_message = "y/p/n/a answer (a = not applicable), text after the letter is kept as a note; "
                "Enter keeps the current answer; s skips; b goes back; e LINK adds evidence; "
                "g N jumps to question N; q saves and quits; Ctrl-C keeps what you answered";
    return true;
  }
  if (word == "b" || word == "back") {
    if (at_end) {
      m_index = m_questions.size() - 1;
      m_stage = Stage::design;
      return true;
    }
    back();
    return true;
  }
  if (word == "g" || word == "go" || word == "goto") {
    int target = 0;
    std::istringstream(rest) >> target;
    if (target < 1 || target > static_cast<int>(m_questions.size())) {
      m_message = fmt::format("go to which question? g 1 to g {}", m_questions.size());
      return false;
    }
    m_index = static_cast<size_t>(target - 1);
    m_stage = Stage::design;
    return true;
  }
  if (at_end) {
    if (word == "f" || word == "finish") {
      finish();
      return true;
    }
    if (word == "u") {
      for (size_t i = 0; i < m_questions.size(); ++i) {
        const compliance::Answer* answer = answer_of(*m_questions[i]);
        if (answer == nullptr || !answer->design) {
          m_index = i;
          m_stage = Stage::design;
          return true;
        }
      }
    }
    m_message = "type f to finish, b to go back or q to save and quit";
    return false;
  }
  if (word == "s" || word == "skip") {
    advance();
    save();
    return true;
  }
  if (word == "e" || word == "evidence") {
    if (rest.empty()) {
      m_message = "e needs a link or a reference: e https://wiki.example.com/mfa-policy";
      return false;
    }
    m_answers[current().id].evidence = rest;
    save();
    m_message = "evidence saved";
    return true;
  }
  if (word.empty()) {
    const compliance::Answer* answer = answer_of(current());
    const bool has = answer != nullptr &&
                     (m_stage == Stage::design ? answer->design.has_value() : answer->operating.has_value());
    if (!has) {
      m_message = m_stage == Stage::operating ? "answer y, p or n (or s to skip)"
                                              : "answer y, p, n or a (or s to skip)";
      return false;
    }
    if (m_stage == Stage::design && compliance::asks_operating(current(), m_scope, answer->design)) {
      m_stage = Stage::operating;
    } else {
      advance();
    }
    save();
    return true;
  }
  const auto value = compliance::parse_answer_value(word);
  if (!value) {
    m_message = fmt::format("'{}' is not an answer: y, p, n or a; ? shows help", word);
    return false;
  }
  if (m_stage == Stage::operating && *value == compliance::AnswerValue::not_applicable) {
    m_message = "operating effectiveness is y, p or n; go back (b) to answer the control n/a";
    return false;
  }
  set_answer(*value, rest);
  return true;
}

bool Session::run() {
  while (!m_quit && !m_finished) {
    const bool at_end = m_index >= m_questions.size();
    m_term.write(at_end ? render_summary() : render());
    const auto line = m_term.read_line();
    if (!line) {
      m_quit = true; // Ctrl-D: the answers are saved already
      break;
    }
    m_message.clear();
    handle(*line);
  }
  m_term.write(std::string(k_clear));
  return m_finished;
}

// Asks which frameworks to assess when --framework is not given.
std::vector<std::string> choose_frameworks(Terminal& term, compliance::Library& library) {
  const compliance::Questionnaire& questionnaire = library.questionnaire();
  term.write(fmt::format("{}Which frameworks do you want to assess? One set of questions covers "
                         "all you pick.\n\n",
                         k_clear));
  const auto& ids = library.framework_ids();
  for (size_t i = 0; i < ids.size(); ++i) {
    const compliance::Framework& framework = library.framework(ids[i]);
    term.write(fmt::format("  {:>2}  {:<11} {:<36} {:>3} questions\n", i + 1, ids[i],
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

// Asks for the variant when the frameworks have some and --variant is not given.
std::string choose_variant(Terminal& term, compliance::Library& library,
                           const std::vector<std::string>& frameworks) {
  for (const std::string& id : frameworks) {
    const compliance::Framework& framework = library.framework(id);
    if (framework.variants.empty()) {
      continue;
    }
    term.write(fmt::format("\n{} comes in {} variants:\n", framework.name, framework.variants.size()));
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

// Offers to create the state when there is none: progress has to be saved somewhere.
void ensure_state(Context& ctx, Terminal& term) {
  std::error_code error;
  const auto path = ctx.state_path();
  if (std::filesystem::exists(path, error)) {
    return;
  }
  term.write(fmt::format("velocity saves your answers as you go in an encrypted state file, and "
                         "there is none yet:\n  {}\n",
                         path.string()));
  if (!term.confirm("Create it now, with a new master key?", true)) {
    throw UsageError("no state to save the assessment in",
                     "`velocity init` creates it, or answer with a file: `velocity assess "
                     "--answers FILE --no-save`");
  }
  const auto prompt = [&ctx](const std::string& q) { return ctx.prompt_secret(q); };
  const store::InitResult result = store::State::initialize(path, store::NewKeySource::automatic, prompt);
  term.write(fmt::format("created {} (master key: {})\n", path.string(), result.key_source));
}

} // namespace

std::optional<int64_t> run_interactive(Context& ctx, compliance::Library& library, Options& options) {
  const bool color = !ctx.options.no_color && !env::get("NO_COLOR") && ::isatty(STDERR_FILENO) != 0;
  Terminal term(color);
  InterruptGuard guard;
  std::optional<Session> session;
  try {
    ensure_state(ctx, term);
    store::State& state = ctx.state();
    const store::Org org = ctx.org();
    std::optional<store::AssessmentRecord> record;
    compliance::Scope scope;
    const auto existing = store::latest_in_progress(state.db(), org);
    if (options.resume) {
      if (!existing) {
        throw UsageError(fmt::format("no assessment in progress in organisation '{}'", org.name()),
                         "start one with `velocity assess --framework ID`");
      }
      std::stringstream stream(existing->frameworks);
      std::string id;
      std::vector<std::string> frameworks;
      while (std::getline(stream, id, ',')) {
        frameworks.push_back(id);
      }
      scope = resolve_scope(library, frameworks, existing->variant);
      record = existing;
    } else {
      std::vector<std::string> frameworks =
        options.frameworks.empty() ? choose_frameworks(term, library) : options.frameworks;
      std::string variant = options.variant;
      if (variant.empty() && options.frameworks.empty()) {
        variant = choose_variant(term, library, frameworks);
      }
      scope = resolve_scope(library, frameworks, variant);
      const std::string joined = fmt::format("{}", fmt::join(scope.frameworks, ","));
      if (existing && existing->frameworks == joined && existing->variant == scope.variant) {
        const auto answers = compliance::answers_from_json(
          nlohmann::json::parse(existing->answers, nullptr, false));
        if (term.confirm(fmt::format("An assessment of {} is in progress (number {}, {} answers, "
                                     "last saved {}). Resume it?",
                                     joined, existing->id, answers.size(),
                                     existing->updated_at.substr(0, 16)),
                         true)) {
          record = existing;
        }
      }
      if (!record) {
        store::NewAssessment fresh;
        fresh.frameworks = joined;
        fresh.variant = scope.variant;
        fresh.catalog_sha256 = library.digest(scope.frameworks);
        fresh.answers = "{}";
        record = store::create_assessment(state.db(), org, fresh);
      }
    }
    session.emplace(ctx, term, library, scope, *record);
    if (session->run()) {
      return session->id();
    }
    ctx.out().info(fmt::format("saved: {} answers in assessment {}; `velocity assess --resume` "
                               "continues it",
                               session->answered(), session->id()));
    return std::nullopt;
  } catch (const Interrupted&) {
    term.write("\n");
    if (!session) {
      throw Error(ExitCode::interrupted, "interrupted before the first question; nothing was saved");
    }
    throw Error(ExitCode::interrupted,
                fmt::format("interrupted; the {} answers given so far are saved in assessment {}",
                            session->answered(), session->id()),
                "`velocity assess --resume` continues where you stopped");
  }
}

} // namespace velocity::cli::assess
