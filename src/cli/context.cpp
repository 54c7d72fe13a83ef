#include <velocity/cli/context.hpp>
#include <velocity/core/env.hpp>
#include <velocity/core/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <typeinfo>

#include <termios.h>
#include <unistd.h>

namespace velocity::cli {

Context::Context() : m_identity(audit::current_identity()) {}

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
    for (const std::string& warning : m_state->warnings()) {
      out().warn(warning);
    }
  }
  return *m_state;
}

store::Org Context::org() {
  return state().org(options.org);
}

std::string Context::format(std::initializer_list<std::string_view> allowed) const {
  for (const std::string_view name : allowed) {
    if (name == options.format) {
      return options.format;
    }
  }
  if (m_format.source == SettingSource::env || m_format.source == SettingSource::config) {
    // A team-wide default such as `format: md` applies where the command prints it.
    return std::string(*allowed.begin());
  }
  std::string list;
  for (const std::string_view name : allowed) {
    list += list.empty() ? "" : ", ";
    list += name;
  }
  throw UsageError(fmt::format("--format {} is not available here", options.format),
                   fmt::format("this command prints: {}", list));
}

const Settings& Context::settings() {
  if (!m_settings) {
    m_settings = Settings::load(options.config_path);
  }
  return *m_settings;
}

std::optional<SettingValue> Context::setting_for(const CLI::Option* option, std::string_view key) {
  if (option != nullptr && option->count() > 0) {
    return std::nullopt;
  }
  return settings().find(key);
}

void Context::finish_parsing(bool org_given, bool format_given) {
  for (const auto& [old_name, new_name] : m_old_spellings) {
    out().warn(fmt::format("{} is an old spelling of {}; it still works, but use {}", old_name,
                           new_name, new_name));
  }
  const auto resolve = [this](std::string& value, bool given, const char* option,
                              std::string_view key) {
    if (given) {
      return SettingValue{value, SettingSource::option, option};
    }
    if (auto found = settings().find(key)) {
      value = found->value;
      return *found;
    }
    return SettingValue{value, SettingSource::built_in, {}};
  };
  m_org = resolve(options.org, org_given, "--org", "org");
  m_format = resolve(options.format, format_given, "--format", "format");
}

void Context::note_old_spelling(std::string old_name, std::string new_name) {
  auto spelling = std::make_pair(std::move(old_name), std::move(new_name));
  if (std::find(m_old_spellings.begin(), m_old_spellings.end(), spelling) ==
      m_old_spellings.end()) {
    m_old_spellings.push_back(std::move(spelling));
  }
}

bool Context::interactive() const {
  return ::isatty(STDIN_FILENO) != 0 && ::isatty(STDERR_FILENO) != 0;
}

void Context::confirm_destruction(const std::string& what, const std::string& name, bool yes,
                                  const std::string& rerun) const {
  if (yes) {
    return;
  }
  if (!interactive()) {
    throw UsageError(fmt::format("{}; refusing without --yes", what),
                     fmt::format("run `{}`", rerun));
  }
  std::cerr << fmt::format("{}; it cannot be undone.\nType '{}' to confirm: ", what, name);
  std::string answer;
  std::getline(std::cin, answer);
  if (answer != name) {
    throw UsageError("confirmation did not match; nothing was deleted");
  }
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

audit::Recorder& Context::audit_log(const std::string& org_name) {
  auto it = m_recorders.find(org_name);
  if (it == m_recorders.end()) {
    auto recorder = std::make_unique<audit::Recorder>(state(), org_name, m_identity);
    for (const std::string& warning : recorder->warnings()) {
      out().warn(warning);
    }
    if (recorder->created()) {
      out().verbose(fmt::format("created the audit log of '{}' (key {})", org_name,
                                recorder->public_key().fingerprint()));
    }
    it = m_recorders.emplace(org_name, std::move(recorder)).first;
  }
  return *it->second;
}

void Context::audit(const audit::EventInput& event) {
  audit(options.org, event);
}

void Context::audit(const std::string& org_name, const audit::EventInput& event) {
  std::string target = org_name;
  if (!state().find_org(target)) {
    // The organisation went away in this run (org delete): the default one keeps the record.
    target = std::string(store::State::k_default_org);
    if (!state().find_org(target)) {
      out().warn(fmt::format("no organisation left to record '{}' in: not logged", event.action));
      return;
    }
  }
  audit_log(target).record(event);
}

void Context::audit_intent(audit::EventInput intent) {
  m_intent = std::move(intent);
}

void Context::audit_failure(const std::exception& error, const std::string& command) noexcept {
  const auto* known = dynamic_cast<const Error*>(&error);
  const int code = known != nullptr ? static_cast<int>(known->code()) : 70;
  if (!m_state || code == static_cast<int>(ExitCode::state)) {
    return;
  }
  try {
    audit::EventInput event;
    if (m_intent) {
      event = *m_intent;
    } else {
      event.category = code == static_cast<int>(ExitCode::permission)
                         ? audit::Category::authorization
                         : audit::Category::system_security;
      event.action = command;
      std::replace(event.action.begin(), event.action.end(), ' ', '.');
      event.resource_type = "command";
      event.resource_id = command;
    }
    event.outcome = code == static_cast<int>(ExitCode::permission) ? audit::Outcome::denied
                                                                   : audit::Outcome::failure;
    event.details = {{"command", command}, {"error", error.what()}, {"exit_code", code}};
    audit(event);
    audit_checkpoint();
  } catch (const std::exception& e) {
    out().warn(fmt::format("could not record the failure in the audit log: {}", e.what()));
  }
}

void Context::audit_checkpoint() {
  audit::WitnessChanges changes;
  changes.deleted = m_deleted;
  for (auto& [name, recorder] : m_recorders) {
    if (state().find_org(name)) {
      recorder->checkpoint();
      changes.appended.push_back(recorder.get());
    }
  }
  if (changes.deleted.empty() && changes.appended.empty()) {
    return;
  }
  const std::filesystem::path file = witness_file();
  try {
    for (const std::string& refused : audit::advance_witness(file, state(), changes)) {
      out().warn(refused);
    }
  } catch (const Error& e) {
    // The command's work is done and committed: failing it now would not undo it.
    out().warn(fmt::format("the audit witness {} was not updated: {}", file.string(), e.what()));
  }
  m_deleted.clear();
}

void Context::audit_deleted(const std::string& name) {
  m_deleted.push_back(name);
}

std::filesystem::path Context::witness_file() {
  return audit::witness_location(state().path(), state().master_key());
}

} // namespace velocity::cli
