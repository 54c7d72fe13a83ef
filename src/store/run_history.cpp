#include <velocity/store/run_history.hpp>

namespace velocity::store {

CollectionHistory collection_history(Database& db, const Org& org) {
  CollectionHistory history;
  Statement counts = db.prepare("SELECT COUNT(*), COALESCE(SUM(outcome = 'failed'), 0) "
                                "FROM collection_runs WHERE org_id = ?1");
  counts.bind(1, org.id());
  if (counts.step()) {
    history.runs = counts.column_int(0);
    history.failed = counts.column_int(1);
  }
  Statement days = db.prepare("SELECT DISTINCT substr(started_at, 1, 10) FROM collection_runs "
                              "WHERE org_id = ?1 AND outcome IN ('success', 'incomplete') "
                              "ORDER BY 1");
  days.bind(1, org.id());
  while (days.step()) {
    history.days.push_back(days.column_text(0));
  }
  return history;
}

} // namespace velocity::store
