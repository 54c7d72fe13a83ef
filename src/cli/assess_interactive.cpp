// `velocity assess` on a terminal: one question per screen, saved after every answer.

#include "assess.hpp"
#include "assess_terminal.hpp"

#include <velocity/compliance/text.hpp>
#include <velocity/core/env.hpp>
#include <velocity/core/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include <unistd.h>

namespace velocity::cli::assess {

namespace {

enum class Stage { design, operating };

// One questionnaire run over the questions of a scope.
class Session {
public:
  Session(Context& ctx, Terminal& term, compliance::Library& library, compliance::Scope scope,
          store::AssessmentRecord record)
    : m_ctx(ctx),
      m_term(term),
      m_library(library),
      m_questionnaire(library.questionnaire()),
      m_scope(std::move(scope)),
      m_record(std::move(record)),
      m_questions(compliance::questions_for(m_questionnaire, m_scope.frameworks)),
      m_frameworks(load_frameworks(library, m_scope)) {
    m_answers =
      compliance::answers_from_json(nlohmann::json::parse(m_record.answers, nullptr, false));
    m_index =
      static_cast<size_t>(std::clamp(m_record.position, 0, static_cast<int>(m_questions.size())));
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
  const std::string right =
    fmt::format("question {} of {} · {} answered", m_index + 1, m_questions.size(), answered());
  const std::string left = compliance::truncate(fmt::format("velocity assess · {}", title),
                                                width - display_width(right) - 2);
  lines.push_back(m_term.paint(left, Color::bold) +
                  std::string(width - display_width(left) - display_width(right), ' ') + right);
  lines.push_back(fmt::format("{} · {} of {}", domain != nullptr ? domain->name : control.domain,
                              in_domain, domain_total));
  lines.push_back(m_term.paint(std::string(width, '-'), Color::dim));
  const std::string meta =
    fmt::format("{} risk · weight {}", compliance::to_string(control.risk), control.weight);
  const std::string heading = compliance::truncate(control.title, width - display_width(meta) - 2);
  lines.push_back(
    m_term.paint(heading, Color::bold) +
    std::string(width - display_width(heading) - display_width(meta), ' ') +
    m_term.paint(meta, control.risk == compliance::Risk::critical ? Color::red : Color::dim));
  lines.emplace_back();

  std::vector<std::string> question;
  if (m_stage == Stage::operating) {
    lines.push_back(fmt::format(
      "Type II, operating effectiveness (the control itself: {})",
      answer != nullptr && answer->design ? compliance::to_string(*answer->design) : "-"));
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
    std::string current_text =
      fmt::format("Your answer: {}", compliance::to_string(*answer->design));
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
  tail.push_back(
    m_stage == Stage::operating
      ? "[y]es  [p]artially  [n]o   add a note after the letter: p missed Q2"
      : "[y]es  [p]artially  [n]o  n/[a]   add a note after the letter: p admins only");
  tail.push_back("[b]ack  [s]kip  [e] LINK evidence  [g] N go to  [?] help  [q] save and quit");

  // The guidance takes what is left of the screen, so a question always fits.
  const size_t budget = rows - 1 - std::min(rows - 1, lines.size() + tail.size() + 1);
  const auto guidance = compliance::wrap("Guidance: " + control.guidance, width);
  for (size_t i = 0; i < guidance.size() && i < budget; ++i) {
    const bool cut = i + 1 == budget && guidance.size() > budget;
    lines.push_back(m_term.paint(
      cut ? compliance::truncate(guidance[i] + " …", width) : guidance[i], Color::dim));
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
  const size_t width = std::min<size_t>(Terminal::size().first, 100) - 2;
  const int done = answered();
  const int skipped = static_cast<int>(m_questions.size()) - done;
  std::string screen(k_clear);
  screen += " " + m_term.paint("velocity assess · every question visited", Color::bold) + "\n\n";
  const std::string status = fmt::format(
    "{} of {} questions answered{}.", done, m_questions.size(),
    skipped > 0 ? fmt::format("; {} skipped: they are reported as not assessed and left out of "
                              "the scores",
                              skipped)
                : "");
  for (const std::string& line : compliance::wrap(status, width)) {
    screen += " " + line + "\n";
  }
  screen += "\n [f] finish and see the results\n";
  if (skipped > 0) {
    screen += " [u] go to the first unanswered question\n";
  }
  screen += " [b] back   [g] N go to question N\n";
  screen += " [q] save and quit (finish later with --resume)\n";
  if (!m_message.empty()) {
    screen += "\n " + m_term.paint(compliance::truncate(m_message, width), Color::yellow) + "\n";
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
  // The completion and its event commit together.
  store::Transaction tx(m_ctx.state().db());
  store::complete_assessment(m_ctx.state().db(), m_ctx.org(), m_record.id,
                             compliance::answers_to_json(m_answers).dump(), scores_json(evaluation),
                             m_library.digest(m_scope.frameworks));
  audit_completed(m_ctx, m_record.id, m_scope.frameworks, m_scope.variant);
  tx.commit();
  m_finished = true;
}

// Returns false when the line was not understood (m_message says why).
bool Session::handle(const std::string& line) {
  const std::string input = Terminal::trim(line);
  const size_t space = input.find(' ');
  std::string word = input.substr(0, space);
  std::transform(word.begin(), word.end(), word.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::string rest =
    space == std::string::npos ? "" : Terminal::trim(input.substr(space + 1));
  const bool at_end = m_index >= m_questions.size();

  if (word == "q" || word == "quit") {
    save(); // so that --resume comes back to this question
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
    const bool has =
      answer != nullptr &&
      (m_stage == Stage::design ? answer->design.has_value() : answer->operating.has_value());
    if (!has) {
      m_message = m_stage == Stage::operating ? "answer y, p or n (or s to skip)"
                                              : "answer y, p, n or a (or s to skip)";
      return false;
    }
    if (m_stage == Stage::design &&
        compliance::asks_operating(current(), m_scope, answer->design)) {
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

} // namespace

std::optional<int64_t> run_interactive(Context& ctx, compliance::Library& library,
                                       Options& options) {
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
      std::vector<std::string> frameworks = !options.frameworks.empty() ? options.frameworks
                                            : !options.configured_frameworks.empty()
                                              ? options.configured_frameworks
                                              : choose_frameworks(term, library);
      std::string variant = options.variant;
      if (variant.empty() && options.frameworks.empty()) {
        variant = choose_variant(term, library, frameworks);
      }
      scope = resolve_scope(library, frameworks, variant);
      const std::string joined = fmt::format("{}", fmt::join(scope.frameworks, ","));
      if (existing && existing->frameworks == joined && existing->variant == scope.variant) {
        const auto answers =
          compliance::answers_from_json(nlohmann::json::parse(existing->answers, nullptr, false));
        // Wrapped to the terminal, the question on a line of its own.
        const std::string text =
          fmt::format("An assessment of {} is in progress (number {}, {} answers, last saved {}).",
                      joined, existing->id, answers.size(), existing->updated_at.substr(0, 16));
        if (term.confirm(
              fmt::format("{}\nResume it?",
                          fmt::join(compliance::wrap(text, Terminal::size().first - 1), "\n")),
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
      throw Error(ExitCode::interrupted,
                  "interrupted before the first question; nothing was saved");
    }
    throw Error(ExitCode::interrupted,
                fmt::format("interrupted; the {} answers given are saved in assessment {}",
                            session->answered(), session->id()),
                "`velocity assess --resume` continues where you stopped");
  }
}

} // namespace velocity::cli::assess
