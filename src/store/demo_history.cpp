#include <velocity/core/error.hpp>
#include <velocity/store/demo_history.hpp>

#include <fmt/format.h>

namespace velocity::store {

namespace {

void require_demo(const Org& org, std::string_view what) {
  if (org.kind() != OrgKind::demo) {
    throw StateError(fmt::format("refusing to re-date {} of '{}': it is not a demo organisation",
                                 what, org.name()));
  }
}

void require_one_change(Database& db, std::string_view what, int64_t id) {
  if (db.changes() != 1) {
    throw StateError(fmt::format("{} {} does not exist in this organisation", what, id));
  }
}

} // namespace

void set_integration_created_at(Database& db, const Org& org, int64_t id, time::TimePoint when) {
  require_demo(org, "an integration");
  db.prepare("UPDATE integrations SET created_at = ?1 WHERE id = ?2 AND org_id = ?3")
    .bind(1, time::to_iso8601(when))
    .bind(2, id)
    .bind(3, org.id())
    .run();
  require_one_change(db, "integration", id);
}

void set_assessment_times(Database& db, const Org& org, int64_t id, time::TimePoint started,
                          time::TimePoint completed) {
  require_demo(org, "an assessment");
  db.prepare("UPDATE assessments SET started_at = ?1, updated_at = ?2, completed_at = ?2 "
             "WHERE id = ?3 AND org_id = ?4")
    .bind(1, time::to_iso8601(started))
    .bind(2, time::to_iso8601(completed))
    .bind(3, id)
    .bind(4, org.id())
    .run();
  require_one_change(db, "assessment", id);
}

} // namespace velocity::store
