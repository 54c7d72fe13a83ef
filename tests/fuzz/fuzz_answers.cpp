// Answers files (`velocity assess --answers FILE`): YAML from the user, read against the built-in
// questionnaire and scoped to SOC 2.
#include "fuzz_support.hpp"

#include <velocity/compliance/answers.hpp>
#include <velocity/compliance/library.hpp>
#include <velocity/compliance/scoring.hpp>

using namespace velocity;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static compliance::Library library = compliance::Library::built_in();
  const compliance::Questionnaire& questionnaire = library.questionnaire();
  fuzz::refuse_cleanly([&] {
    const compliance::AnswerFile file =
      compliance::read_answer_file(fuzz::as_text(data, size), "fuzz.yaml", questionnaire);
    compliance::Scope scope;
    scope.frameworks = {"soc2"};
    compliance::answers_for_scope(file, questionnaire, scope);
  });
  return 0;
}
