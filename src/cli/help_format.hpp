#pragma once

// Internal to the cli module: how --help looks. Every command's help is wrapped to 80 columns,
// lists the global options, and ends with the command's examples and the exit codes.

#include <velocity/cli/examples.hpp>

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>

namespace velocity::cli {

inline constexpr size_t k_help_width = 80;

// `text` wrapped at spaces to lines of at most `width` columns (a longer word keeps its own
// line); its own line breaks are kept.
std::string wrap(std::string_view text, size_t width);

class HelpFormatter : public CLI::Formatter {
public:
  explicit HelpFormatter(const Examples& examples);

  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode mode) const override;
  std::string make_description(const CLI::App* app) const override;
  std::string make_option_desc(const CLI::Option* option) const override;
  std::string make_subcommand(const CLI::App* sub) const override;
  std::string make_footer(const CLI::App* app) const override;

private:
  // The option groups, one blank line between them (CLI11's make_groups puts two).
  std::string option_groups(const CLI::App* app) const;

  const Examples& m_examples;
};

} // namespace velocity::cli
