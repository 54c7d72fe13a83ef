#include "command_docs.hpp"
#include "completion_scripts.hpp"
#include "manpage.hpp"
#include "meta_commands.hpp"

#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>

#include <fmt/format.h>

#include <memory>
#include <stdexcept>

namespace velocity::cli {

namespace {

struct GenerateOptions {
  std::string what;
  std::string dir;
};

void check_examples(const CLI::App& root, const CommandDoc& command,
                    std::vector<std::string>& problems) {
  for (const Example& example : command.examples) {
    if (std::string problem = check_example(root, example); !problem.empty()) {
      problems.push_back(std::move(problem));
    }
  }
  for (const CommandDoc& sub : command.subcommands) {
    check_examples(root, sub, problems);
  }
}

// The generated files are the commands' documentation: an example or a completion rule that names
// an option no command has is a bug in velocity (exit 70), not something to write out.
void check_sources(const CLI::App& root, const CommandDoc& tree) {
  std::vector<std::string> problems;
  check_examples(root, tree, problems);
  for (const std::string& rule : unmatched_kind_rules(root)) {
    problems.push_back(fmt::format("the completion rule for '{}' (src/cli/value_kinds.cpp) matches "
                                   "no option",
                                   rule));
  }
  if (!problems.empty()) {
    throw std::logic_error(fmt::format("{}", fmt::join(problems, "; ")));
  }
}

} // namespace

void setup_generate(CLI::App& command, Context& ctx, const CLI::App& root) {
  auto options = std::make_shared<GenerateOptions>();
  command.add_option("WHAT", options->what, "man or completions")
    ->required()
    ->check(CLI::IsMember({"man", "completions"}));
  command.add_option("DIR", options->dir, "the directory to write into")->required();
  command.callback([&ctx, &root, options] {
    const CommandDoc tree = describe(root, ctx.examples);
    check_sources(root, tree);
    const std::vector<OptionDoc> globals = global_options(root);
    const auto files =
      options->what == "man" ? man_pages(tree, globals) : completion_scripts(tree, globals);
    std::filesystem::create_directories(options->dir);
    for (const auto& [name, text] : files) {
      fs::write_file_atomic(std::filesystem::path(options->dir) / name, text,
                            fs::Mode::public_file);
    }
    ctx.out().info(fmt::format("wrote {} files to {}", files.size(), options->dir));
  });
}

} // namespace velocity::cli
