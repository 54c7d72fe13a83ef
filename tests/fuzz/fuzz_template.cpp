// Report templates (`report --template-dir DIR`): the input replaces report.md.mustache and is
// rendered with a small report-shaped context, with the built-in templates as its partials.
#include "fuzz_support.hpp"

#include <velocity/report/templates.hpp>

using namespace velocity;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The input replaces the built-in report.md.mustache in a --template-dir of its own.
  const fuzz::InputFile file("report.md.mustache", fuzz::as_text(data, size));
  static const nlohmann::json context = {
    {"organization", "acme"},
    {"framework", {{"id", "soc2"}, {"name", "SOC 2"}}},
    {"summary", {{"score", 71.5}, {"gaps", 3}}},
    {"controls", nlohmann::json::array({{{"id", "CC6.1"}, {"status", "met"}},
                                        {{"id", "CC7.2"}, {"status", "not_met"}}})}};
  fuzz::refuse_cleanly([&] {
    const report::TemplateSet templates = report::TemplateSet::open(file.dir());
    templates.render("report.md.mustache", context, report::Escape::markdown);
  });
  return 0;
}
