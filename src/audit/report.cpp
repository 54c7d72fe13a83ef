#include "rows.hpp"

#include <velocity/audit/report.hpp>
#include <velocity/core/time.hpp>

#include <fmt/format.h>

namespace velocity::audit {

namespace {

EventView view_of(const store::Org& org, const store::AuditEventRow& row) {
  const Event event = detail::require_event(org, row);
  EventView view{row.seq,
                 row.time,
                 row.category,
                 row.actor,
                 row.action,
                 row.resource_type,
                 row.resource_id,
                 row.outcome,
                 row.correlation_id,
                 crypto::to_hex(row.hash),
                 nlohmann::json::object()};
  view.details = nlohmann::json::parse(event.details, nullptr, false);
  if (view.details.is_discarded()) {
    view.details = event.details; // shown as recorded
  }
  return view;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out.push_back(c);
    }
  }
  return out;
}

// A Markdown table cell: pipes and newlines would end the cell or the row.
std::string md_cell(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string integrity_line(const VerifyResult& result) {
  if (result.ok()) {
    return fmt::format("intact: {} events and {} signed tree heads verified (key {})",
                       result.events_checked, result.heads_checked, result.key_fingerprint);
  }
  return fmt::format("FAILED: {}", result.failure->message);
}

std::string resource(const EventView& event) {
  return event.resource_id.empty() ? event.resource_type
                                   : event.resource_type + " " + event.resource_id;
}

} // namespace

std::vector<EventView> read_events(store::State& state, const store::Org& org,
                                   const store::AuditEventQuery& query) {
  std::vector<EventView> events;
  store::AuditStore(state.db()).scan_events(org.id(), query, [&](const store::AuditEventRow& row) {
    events.push_back(view_of(org, row));
    return true;
  });
  return events;
}

nlohmann::json to_json(const EventView& event) {
  return {{"seq", event.seq},
          {"time", event.time},
          {"category", event.category},
          {"actor", event.actor},
          {"action", event.action},
          {"resource_type", event.resource_type},
          {"resource_id", event.resource_id},
          {"outcome", event.outcome},
          {"correlation_id", event.correlation_id},
          {"details", event.details},
          {"hash", event.hash}};
}

Report build_report(store::State& state, const store::Org& org, const std::string& from,
                    const std::string& to) {
  Report report;
  report.log = org.name();
  report.from = from;
  report.to = to;
  report.generated_at = time::to_iso8601(time::now());
  store::AuditEventQuery query;
  query.since = from;
  query.until = to;
  store::AuditStore(state.db()).scan_events(org.id(), query, [&](const store::AuditEventRow& row) {
    ++report.events;
    ++report.by_category[row.category];
    ++report.by_outcome[row.outcome];
    ++report.by_actor[row.actor];
    if (row.outcome != "success" || row.category == "system_security") {
      ++report.notable_total;
      if (report.notable.size() < k_notable_limit) {
        report.notable.push_back(view_of(org, row));
      }
    }
    return true;
  });
  return report;
}

std::string render_markdown(const Report& report) {
  std::string out = fmt::format("# Audit report: {}\n\nPeriod {} to {}, generated {}.\n\n",
                                report.log, report.from, report.to, report.generated_at);
  if (report.integrity) {
    out += fmt::format("Integrity of the whole log: {}\n\n", integrity_line(*report.integrity));
  }
  out += fmt::format("{} events in the period.\n", report.events);
  const auto counts = [&out](const char* title, const std::map<std::string, int64_t>& map) {
    out += fmt::format("\n## By {}\n\n| {} | events |\n| --- | ---: |\n", title, title);
    for (const auto& [name, count] : map) {
      out += fmt::format("| {} | {} |\n", md_cell(name), count);
    }
  };
  counts("category", report.by_category);
  counts("outcome", report.by_outcome);
  counts("actor", report.by_actor);
  out += fmt::format("\n## Notable events\n\nFailures, denials, key operations and integrity "
                     "failures: {}.\n\n",
                     report.notable_total);
  if (!report.notable.empty()) {
    out += "| seq | time | category | actor | action | resource | outcome |\n"
           "| ---: | --- | --- | --- | --- | --- | --- |\n";
    for (const EventView& e : report.notable) {
      out +=
        fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", e.seq, e.time, md_cell(e.category),
                    md_cell(e.actor), md_cell(e.action), md_cell(resource(e)), md_cell(e.outcome));
    }
  }
  if (report.notable_total > static_cast<int64_t>(report.notable.size())) {
    out += fmt::format("\n{} more; `velocity audit log --outcome failure` lists them.\n",
                       report.notable_total - static_cast<int64_t>(report.notable.size()));
  }
  return out;
}

std::string render_html(const Report& report) {
  std::string out = fmt::format(
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Audit report: "
    "{0}</title>"
    "<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}"
    "td,th{{border:1px solid #ccc;padding:.2em .6em;text-align:left}}.bad{{color:#b00}}</style>"
    "</head><body>\n<h1>Audit report: {0}</h1>\n<p>Period {1} to {2}, generated {3}.</p>\n",
    html_escape(report.log), html_escape(report.from), html_escape(report.to),
    html_escape(report.generated_at));
  if (report.integrity) {
    out += fmt::format("<p{}>Integrity of the whole log: {}</p>\n",
                       report.integrity->ok() ? "" : " class=\"bad\"",
                       html_escape(integrity_line(*report.integrity)));
  }
  out += fmt::format("<p>{} events in the period.</p>\n", report.events);
  const auto counts = [&out](const char* title, const std::map<std::string, int64_t>& map) {
    out += fmt::format("<h2>By {0}</h2>\n<table><tr><th>{0}</th><th>events</th></tr>\n", title);
    for (const auto& [name, count] : map) {
      out += fmt::format("<tr><td>{}</td><td>{}</td></tr>\n", html_escape(name), count);
    }
    out += "</table>\n";
  };
  counts("category", report.by_category);
  counts("outcome", report.by_outcome);
  counts("actor", report.by_actor);
  out += fmt::format("<h2>Notable events</h2>\n<p>Failures, denials, key operations and integrity "
                     "failures: {}.</p>\n",
                     report.notable_total);
  if (!report.notable.empty()) {
    out += "<table><tr><th>seq</th><th>time</th><th>category</th><th>actor</th><th>action</th>"
           "<th>resource</th><th>outcome</th></tr>\n";
    for (const EventView& e : report.notable) {
      out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                         "<td>{}</td></tr>\n",
                         e.seq, html_escape(e.time), html_escape(e.category), html_escape(e.actor),
                         html_escape(e.action), html_escape(resource(e)), html_escape(e.outcome));
    }
    out += "</table>\n";
  }
  out += "</body></html>\n";
  return out;
}

nlohmann::json to_json(const Report& report) {
  nlohmann::json notable = nlohmann::json::array();
  for (const EventView& e : report.notable) {
    notable.push_back(to_json(e));
  }
  return {{"log", report.log},
          {"from", report.from},
          {"to", report.to},
          {"generated_at", report.generated_at},
          {"events", report.events},
          {"by_category", report.by_category},
          {"by_outcome", report.by_outcome},
          {"by_actor", report.by_actor},
          {"notable_total", report.notable_total},
          {"notable", notable},
          {"integrity", report.integrity ? to_json(*report.integrity) : nlohmann::json(nullptr)}};
}

} // namespace velocity::audit
