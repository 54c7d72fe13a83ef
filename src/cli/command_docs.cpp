#include "command_docs.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace velocity::cli {

namespace {

bool is_help_or_version(const CLI::App& command, const CLI::Option& option) {
  if (&option == command.get_help_ptr() || &option == command.get_help_all_ptr()) {
    return true;
  }
  const std::vector<std::string>& names = option.get_lnames();
  return command.get_parent() == nullptr &&
         std::find(names.begin(), names.end(), "version") != names.end();
}

std::string value_text(const CLI::Option& option) {
  if (option.get_items_expected_max() == 0) {
    return {};
  }
  if (!option.get_option_text().empty()) {
    return option.get_option_text();
  }
  return option.get_type_name();
}

OptionDoc describe_option(const CLI::App& command, const CLI::Option& option) {
  OptionDoc doc;
  doc.positional = option.get_positional();
  if (doc.positional) {
    doc.names.push_back(option.get_name(true));
  } else {
    for (const std::string& name : option.get_snames()) {
      doc.names.push_back("-" + name);
    }
    for (const std::string& name : option.get_lnames()) {
      doc.names.push_back("--" + name);
    }
    doc.value = value_text(option);
  }
  doc.help = option.get_description();
  doc.default_value = option.get_default_str();
  doc.env = option.get_envname();
  doc.required = option.get_required();
  doc.repeats = option.get_expected_max() > 1;
  doc.kind = value_kind(command, option);
  return doc;
}

bool is_visible(const CLI::App& command, const CLI::Option& option) {
  return !option.get_group().empty() && !is_help_or_version(command, option);
}

const CLI::App* subcommand_named(const CLI::App& command, const std::string& name) {
  for (const CLI::App* sub : command.get_subcommands({})) {
    if (sub->get_name() == name) {
      return sub;
    }
  }
  return nullptr;
}

} // namespace

std::string CommandDoc::invocation() const {
  std::string text = "velocity";
  for (const std::string& word : path) {
    text += " " + word;
  }
  return text;
}

const CLI::App& root_of(const CLI::App& command) {
  const CLI::App* app = &command;
  while (app->get_parent() != nullptr) {
    app = app->get_parent();
  }
  return *app;
}

std::string own_note(const CLI::App& command) {
  const CLI::App* parent = command.get_parent();
  if (parent != nullptr && command.get_footer() == parent->get_footer()) {
    return {};
  }
  return command.get_footer();
}

CommandDoc describe(const CLI::App& command, const Examples& examples) {
  CommandDoc doc;
  for (const CLI::App* app = &command; app->get_parent() != nullptr; app = app->get_parent()) {
    doc.path.insert(doc.path.begin(), app->get_name());
  }
  doc.summary = command.get_description();
  doc.note = own_note(command);
  doc.examples = examples.of(command);
  doc.needs_subcommand = command.get_require_subcommand_min() > 0;
  for (const CLI::Option* option : command.get_options()) {
    if (!is_visible(command, *option) ||
        (command.get_parent() == nullptr && option->get_group() == k_global_group)) {
      continue;
    }
    OptionDoc option_doc = describe_option(command, *option);
    (option_doc.positional ? doc.positionals : doc.options).push_back(std::move(option_doc));
  }
  for (const CLI::App* sub : command.get_subcommands({})) {
    if (!sub->get_group().empty()) {
      doc.subcommands.push_back(describe(*sub, examples));
    }
  }
  return doc;
}

std::vector<OptionDoc> global_options(const CLI::App& any_command) {
  const CLI::App& root = root_of(any_command);
  std::vector<OptionDoc> options;
  for (const CLI::Option* option : root.get_options()) {
    if (option->get_group() == k_global_group) {
      options.push_back(describe_option(root, *option));
    }
  }
  return options;
}

std::vector<std::string> example_words(const std::string& command) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = '\0';
  for (const char c : command) {
    if (quote != '\0') {
      if (c == quote) {
        quote = '\0';
      } else {
        word += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ') {
      if (in_word) {
        words.push_back(std::move(word));
        word.clear();
        in_word = false;
      }
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) {
    words.push_back(std::move(word));
  }
  return words;
}

std::string check_example(const CLI::App& root, const Example& example) {
  std::vector<std::string> words = example_words(example.command);
  // Leading VARIABLE=value words set the environment of the command.
  while (!words.empty() && words.front().find('=') != std::string::npos) {
    words.erase(words.begin());
  }
  if (words.empty() || words.front() != "velocity") {
    return fmt::format("example '{}' does not start with velocity", example.command);
  }
  const CLI::App* command = &root;
  for (size_t i = 1; i < words.size(); ++i) {
    const std::string& word = words[i];
    // The rest is the shell's: a redirection, a pipe, the next command.
    if (word.starts_with('>') || word.starts_with('<') || word.starts_with('|') ||
        word.starts_with('&') || word.starts_with(';') || word.starts_with("2>")) {
      break;
    }
    if (word.size() > 1 && word.front() == '-') {
      const std::string name = word.substr(0, word.find('='));
      const CLI::Option* option = nullptr;
      for (const CLI::App* app = command; app != nullptr && option == nullptr;
           app = app->get_parent()) {
        option = app->get_option_no_throw(name);
      }
      if (option == nullptr) {
        return fmt::format("example '{}': {} has no option {}", example.command,
                           command == &root ? "velocity" : command->get_name(), name);
      }
      if (option->get_items_expected_max() != 0 && word.find('=') == std::string::npos) {
        ++i;
      }
      continue;
    }
    const CLI::App* sub = subcommand_named(*command, word);
    if (sub != nullptr) {
      command = sub;
    } else if (command->get_options([](const CLI::Option* o) { return o->get_positional(); })
                 .empty()) {
      return fmt::format("example '{}': {} takes no argument {}", example.command,
                         command == &root ? "velocity" : command->get_name(), word);
    }
  }
  return {};
}

} // namespace velocity::cli
