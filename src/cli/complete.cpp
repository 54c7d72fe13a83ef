#include "meta_commands.hpp"
#include "value_kinds.hpp"

#include <velocity/core/error.hpp>

#include <fmt/format.h>

#include <iostream>
#include <memory>

namespace velocity::cli {

namespace {

struct CompleteOptions {
  std::string kind;
  std::string prefix;
};

std::string kind_list() {
  std::string list;
  for (const ValueKind kind : listed_kinds()) {
    list += (list.empty() ? "" : ", ") + std::string(kind_name(kind));
  }
  return list;
}

} // namespace

void setup_complete(CLI::App& command, Context& ctx) {
  auto options = std::make_shared<CompleteOptions>();
  command.add_option("KIND", options->kind, "what to list")->required();
  command.add_option("PREFIX", options->prefix, "only the values that start with PREFIX");
  // The shell calls this on every Tab: it never opens the state for writing, never needs the
  // master key (the names are plain columns), never asks anything, and says nothing on stderr
  // when the state is missing or unreadable.
  command.callback([&ctx, options] {
    const auto kind = parse_kind(options->kind);
    if (!kind) {
      throw UsageError(fmt::format("unknown kind '{}'", options->kind),
                       fmt::format("one of: {}", kind_list()));
    }
    std::vector<std::string> values;
    if (from_state(*kind)) {
      try {
        values = state_values(*kind, ctx.state_path(), ctx.options.org);
      } catch (const StateError&) {
        values.clear();
      }
    } else {
      values = static_values(*kind);
    }
    std::string out;
    for (const std::string& value : values) {
      if (value.starts_with(options->prefix)) {
        out += value + "\n";
      }
    }
    std::cout << out;
  });
}

} // namespace velocity::cli
