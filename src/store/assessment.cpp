#include <velocity/core/error.hpp>
#include <velocity/core/time.hpp>
#include <velocity/store/assessment.hpp>

#include <fmt/format.h>

namespace velocity::store {

namespace {

constexpr std::string_view k_table = "assessments";
constexpr std::string_view k_column = "answers";

constexpr std::string_view k_assessment_columns =
  "id, frameworks, variant, status, position, catalog_sha256, "
  "scores, started_at, updated_at, completed_at";

AssessmentRecord read_assessment(const Statement& statement) {
  AssessmentRecord record;
  record.id = statement.column_int(0);
  record.frameworks = statement.column_text(1);
  record.variant = statement.column_text(2);
  record.status = statement.column_text(3) == "completed" ? AssessmentStatus::completed
                                                          : AssessmentStatus::in_progress;
  record.position = static_cast<int>(statement.column_int(4));
  record.catalog_sha256 = statement.column_text(5);
  record.scores = statement.column_text(6);
  record.started_at = statement.column_text(7);
  record.updated_at = statement.column_text(8);
  record.completed_at = statement.column_optional_text(9);
  return record;
}

// Inside the caller's write transaction, so the key it seals under is the one it commits with.
void seal_answers(Database& db, const Org& org, int64_t id, std::string_view answers) {
  org.require_current(db);
  const std::string sealed = org.seal(Field{k_table, k_column, id}, answers);
  db.prepare("UPDATE assessments SET answers = ?1 WHERE id = ?2")
    .bind_blob(1, sealed)
    .bind(2, id)
    .run();
}

int64_t insert(Database& db, const Org& org, const NewAssessment& assessment,
               AssessmentStatus status, std::string_view scores) {
  const std::string now = time::to_iso8601(time::now());
  db.prepare("INSERT INTO assessments (org_id, frameworks, variant, status, position, "
             "catalog_sha256, scores, answers, started_at, updated_at, completed_at) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, x'', ?8, ?8, ?9)")
    .bind(1, org.id())
    .bind(2, assessment.frameworks)
    .bind(3, assessment.variant)
    .bind(4, to_string(status))
    .bind(5, assessment.position)
    .bind(6, assessment.catalog_sha256)
    .bind(7, scores)
    .bind(8, now)
    .bind(9, status == AssessmentStatus::completed ? std::optional<std::string>(now)
                                                   : std::optional<std::string>())
    .run();
  const int64_t id = db.last_insert_rowid();
  seal_answers(db, org, id, assessment.answers);
  return id;
}

} // namespace

std::string_view to_string(AssessmentStatus status) noexcept {
  return status == AssessmentStatus::completed ? "completed" : "in_progress";
}

AssessmentRecord create_assessment(Database& db, const Org& org, const NewAssessment& assessment) {
  Transaction transaction(db);
  const int64_t id = insert(db, org, assessment, AssessmentStatus::in_progress, "{}");
  transaction.commit();
  return *find_assessment(db, org, id);
}

void save_assessment_progress(Database& db, const Org& org, int64_t id, std::string_view answers,
                              int position) {
  Transaction transaction(db);
  Statement update = db.prepare("UPDATE assessments SET position = ?1, updated_at = ?2 "
                                "WHERE id = ?3 AND org_id = ?4 AND status = 'in_progress'");
  update.bind(1, position)
    .bind(2, time::to_iso8601(time::now()))
    .bind(3, id)
    .bind(4, org.id())
    .run();
  if (db.changes() != 1) {
    throw StateError(
      fmt::format("assessment {} is not in progress; its answers were not saved", id));
  }
  seal_answers(db, org, id, answers);
  transaction.commit();
}

void complete_assessment(Database& db, const Org& org, int64_t id, std::string_view answers,
                         std::string_view scores, std::string_view catalog_sha256) {
  Transaction transaction(db);
  const std::string now = time::to_iso8601(time::now());
  db.prepare("UPDATE assessments SET status = 'completed', scores = ?1, catalog_sha256 = ?2, "
             "updated_at = ?3, completed_at = ?3 WHERE id = ?4 AND org_id = ?5")
    .bind(1, scores)
    .bind(2, catalog_sha256)
    .bind(3, now)
    .bind(4, id)
    .bind(5, org.id())
    .run();
  if (db.changes() != 1) {
    throw StateError(fmt::format("assessment {} does not exist; it was not completed", id));
  }
  seal_answers(db, org, id, answers);
  transaction.commit();
}

int64_t add_completed_assessment(Database& db, const Org& org, const NewAssessment& assessment,
                                 std::string_view scores) {
  Transaction transaction(db);
  const int64_t id = insert(db, org, assessment, AssessmentStatus::completed, scores);
  transaction.commit();
  return id;
}

std::optional<AssessmentRecord> find_assessment(Database& db, const Org& org, int64_t id) {
  Statement statement = db.prepare(fmt::format(
    "SELECT {}, answers FROM assessments WHERE id = ?1 AND org_id = ?2", k_assessment_columns));
  statement.bind(1, id).bind(2, org.id());
  if (!statement.step()) {
    return std::nullopt;
  }
  AssessmentRecord record = read_assessment(statement);
  record.answers = org.open(Field{k_table, k_column, id}, statement.column_blob(10));
  return record;
}

std::vector<AssessmentRecord> list_assessments(Database& db, const Org& org) {
  Statement statement = db.prepare(
    fmt::format("SELECT {} FROM assessments WHERE org_id = ?1 ORDER BY id", k_assessment_columns));
  statement.bind(1, org.id());
  std::vector<AssessmentRecord> records;
  while (statement.step()) {
    records.push_back(read_assessment(statement));
  }
  return records;
}

std::optional<AssessmentRecord> latest_in_progress(Database& db, const Org& org) {
  Statement statement =
    db.prepare("SELECT id FROM assessments WHERE org_id = ?1 AND "
               "status = 'in_progress' ORDER BY updated_at DESC, id DESC LIMIT 1");
  statement.bind(1, org.id());
  if (!statement.step()) {
    return std::nullopt;
  }
  return find_assessment(db, org, statement.column_int(0));
}

bool delete_assessment(Database& db, const Org& org, int64_t id) {
  db.prepare("DELETE FROM assessments WHERE id = ?1 AND org_id = ?2")
    .bind(1, id)
    .bind(2, org.id())
    .run();
  return db.changes() == 1;
}

} // namespace velocity::store
