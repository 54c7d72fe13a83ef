// Framework catalogues (`--frameworks-dir DIR`): a framework YAML, the common controls YAML and a
// check catalogue file (DIR/checks/<platform>.yaml).
#include "fuzz_support.hpp"

#include <velocity/compliance/loader.hpp>

using namespace velocity;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  fuzz::refuse_cleanly([&] { compliance::parse_framework(text, "fuzz.yaml", "fuzz"); });
  fuzz::refuse_cleanly([&] {
    compliance::parse_questionnaire(text, "common-controls.yaml", {"soc2", "iso27001"});
  });
  fuzz::refuse_cleanly([&] { compliance::parse_checks(text, "aws.yaml", "aws"); });
  return 0;
}
