#pragma once

#include <velocity/store/database.hpp>
#include <velocity/store/state.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The assessments table: questionnaire runs of an organisation, in progress or completed. The
// answers (JSON written by compliance::answers_to_json) are sealed with the organisation's key.
namespace velocity::store {

enum class AssessmentStatus { in_progress, completed };

struct AssessmentRecord {
  int64_t id = 0;
  std::string frameworks; // framework ids joined by ','
  std::string variant;    // empty when none
  AssessmentStatus status = AssessmentStatus::in_progress;
  int position = 0; // the question an interactive run was at
  std::string catalog_sha256;
  std::string scores;  // JSON object: framework id -> score or null
  std::string answers; // JSON, opened; empty in listings
  std::string started_at;
  std::string updated_at;
  std::optional<std::string> completed_at;
};

struct NewAssessment {
  std::string frameworks;
  std::string variant;
  std::string catalog_sha256;
  std::string answers;
  int position = 0;
};

// Starts an in-progress assessment and returns it.
AssessmentRecord create_assessment(Database& db, const Org& org, const NewAssessment& assessment);

// Replaces the answers and position of an in-progress assessment (after every answer).
// Throws StateError when it is not in progress.
void save_assessment_progress(Database& db, const Org& org, int64_t id, std::string_view answers,
                              int position);

// Marks an assessment completed now with its final answers and scores.
void complete_assessment(Database& db, const Org& org, int64_t id, std::string_view answers,
                         std::string_view scores, std::string_view catalog_sha256);

// Stores a finished assessment in one step (an answers file run); returns its id.
int64_t add_completed_assessment(Database& db, const Org& org, const NewAssessment& assessment,
                                 std::string_view scores);

// The assessment `id` of `org` with its answers opened, or nothing.
std::optional<AssessmentRecord> find_assessment(Database& db, const Org& org, int64_t id);

// Every assessment of `org`, oldest first, without answers.
std::vector<AssessmentRecord> list_assessments(Database& db, const Org& org);

// The most recently updated in-progress assessment of `org`, with answers, or nothing.
std::optional<AssessmentRecord> latest_in_progress(Database& db, const Org& org);

// Deletes assessment `id`; false when there was none.
bool delete_assessment(Database& db, const Org& org, int64_t id);

std::string_view to_string(AssessmentStatus status) noexcept;

} // namespace velocity::store
