#include "help_format.hpp"

#include "command_docs.hpp"
#include "reference.hpp"

#include <velocity/compliance/text.hpp>

#include <sstream>

namespace velocity::cli {

namespace {

constexpr size_t k_name_column = 28;

// Each line of `text` after `prefix`, each ended by a newline.
std::string prefix_lines(std::string_view text, std::string_view prefix) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    out += std::string(prefix) + std::string(text.substr(start, end - start)) + "\n";
    start = end + 1;
  }
  return out;
}

} // namespace

std::string wrap(std::string_view text, size_t width) {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    if (start > 0) {
      out += '\n';
    }
    // Each line of `text` is its own paragraph, filled to `width` as answer templates are.
    const std::vector<std::string> lines = compliance::wrap(text.substr(start, end - start), width);
    for (size_t i = 0; i < lines.size(); ++i) {
      out += (i > 0 ? "\n" : "") + lines[i];
    }
    start = end + 1;
  }
  return out;
}

HelpFormatter::HelpFormatter(const Examples& examples) : m_examples(examples) {
  column_width(k_name_column);
}

std::string HelpFormatter::make_help(const CLI::App* app, std::string name,
                                     CLI::AppFormatMode mode) const {
  if (mode == CLI::AppFormatMode::Sub) {
    return Formatter::make_help(app, std::move(name), mode);
  }
  std::string out = make_description(app) + make_usage(app, std::move(name)) +
                    make_positionals(app) + option_groups(app);
  // CLI11 lists only a command's own options; the global ones work after every command too.
  if (app->get_parent() != nullptr) {
    const CLI::App& root = root_of(*app);
    const auto globals = root.get_options(
      [](const CLI::Option* option) { return option->get_group() == k_global_group; });
    out += make_group(k_global_group, false, globals);
  }
  return out + make_subcommands(app, mode) + "\n" + make_footer(app);
}

std::string HelpFormatter::option_groups(const CLI::App* app) const {
  std::string out;
  for (const std::string& group : app->get_groups()) {
    const auto options = app->get_options([&](const CLI::Option* option) {
      return option->get_group() == group && option->nonpositional();
    });
    if (!group.empty() && !options.empty()) {
      out += make_group(group, false, options);
    }
  }
  return out;
}

std::string HelpFormatter::make_description(const CLI::App* app) const {
  const std::string& description = app->get_description();
  return description.empty() ? std::string() : wrap(description, k_help_width) + "\n\n";
}

std::string HelpFormatter::make_option_desc(const CLI::Option* option) const {
  return wrap(option->get_description(), k_help_width - k_name_column);
}

std::string HelpFormatter::make_subcommand(const CLI::App* sub) const {
  std::stringstream out;
  CLI::detail::format_help(out, sub->get_name(),
                           wrap(sub->get_description(), k_help_width - k_name_column),
                           k_name_column);
  return out.str();
}

std::string HelpFormatter::make_footer(const CLI::App* app) const {
  std::string out;
  const std::string note = own_note(*app);
  if (!note.empty()) {
    out += wrap(note, k_help_width) + "\n\n";
  }
  const std::vector<Example>& examples = m_examples.of(*app);
  if (!examples.empty()) {
    out += examples.size() == 1 ? "Example:\n" : "Examples:\n";
    for (const Example& example : examples) {
      out += prefix_lines(wrap(example.purpose, k_help_width - 4), "  # ");
      out += "  " + example.command + "\n";
    }
    out += "\n";
  }
  return out + wrap(exit_status_line(), k_help_width) + "\n";
}

} // namespace velocity::cli
