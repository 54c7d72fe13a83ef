#include "command_docs.hpp"
#include "meta_commands.hpp"
#include "nearest.hpp"

#include <velocity/core/error.hpp>

#include <fmt/format.h>

#include <iostream>
#include <memory>

namespace velocity::cli {

std::vector<std::string> visible_subcommand_names(const CLI::App& command) {
  std::vector<std::string> names;
  for (const CLI::App* sub : command.get_subcommands({})) {
    if (!sub->get_group().empty()) {
      names.push_back(sub->get_name());
    }
  }
  return names;
}

void print_help(const CLI::App& command) {
  std::string invocation = "velocity";
  std::vector<const CLI::App*> chain;
  for (const CLI::App* app = &command; app->get_parent() != nullptr; app = app->get_parent()) {
    chain.insert(chain.begin(), app);
  }
  for (const CLI::App* app : chain) {
    invocation += " " + app->get_name();
  }
  std::cout << command.get_formatter()->make_help(&command, invocation, CLI::AppFormatMode::Normal);
}

void setup_help(CLI::App& command, const CLI::App& root) {
  auto words = std::make_shared<std::vector<std::string>>();
  command.add_option("COMMAND", *words, "a command and its subcommand, e.g. assess list")
    ->expected(0, 2);
  command.callback([&root, words] {
    const CLI::App* target = &root;
    std::string path = "velocity";
    for (const std::string& word : *words) {
      const CLI::App* found = nullptr;
      for (const CLI::App* sub : target->get_subcommands({})) {
        if (sub->get_name() == word && !sub->get_group().empty()) {
          found = sub;
        }
      }
      if (found == nullptr) {
        const std::vector<std::string> names = visible_subcommand_names(*target);
        const auto closest = nearest_name(word, names);
        // Far from every name, a guess would mislead: the names themselves help more.
        throw UsageError(fmt::format("{} has no command '{}'", path, word),
                         closest
                           ? fmt::format("did you mean `{} {}`?", path, *closest)
                           : fmt::format("the commands of {}: {}", path, fmt::join(names, ", ")));
      }
      target = found;
      path += " " + word;
    }
    print_help(*target);
  });
}

} // namespace velocity::cli
