#pragma once

#include <velocity/compliance/library.hpp>
#include <velocity/report/templates.hpp>
#include <velocity/store/report_queries.hpp>
#include <velocity/store/state.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

// The report document (model.hpp) in each output format.
namespace velocity::report {

enum class Format { markdown, html, json, csv, oscal, jsonl, findings_csv, pdf };

// "md", "html", "json", "csv", "oscal", "jsonl", "findings-csv", "pdf"; nothing for others.
std::optional<Format> parse_format(std::string_view name);
std::string_view to_string(Format format) noexcept;
// The format a file name implies (.md, .html, .json, .csv, .oscal.json, .jsonl, .pdf), if any.
std::optional<Format> format_for_path(const std::filesystem::path& path);

// Markdown from report.md.mustache.
std::string render_markdown(const nlohmann::json& doc, const TemplateSet& templates);
// One self-contained HTML page from report.html.mustache: inline CSS and SVG charts, no script
// and no external resource.
std::string render_html(const nlohmann::json& doc, const TemplateSet& templates);
// CSV with a header row and one row per control.
std::string render_controls_csv(const nlohmann::json& doc);
// OSCAL assessment-results (1.0.4) of the document.
nlohmann::json render_oscal(const nlohmann::json& doc);

using Sink = std::function<void(std::string_view bytes)>;

// Every finding of the period, one JSON object per line (compliance::finding_json, with the
// controls of `library`), streamed from the store.
void write_findings_jsonl(store::Database& db, const store::Org& org, compliance::Library& library,
                          const store::TimeWindow& period, const Sink& sink);
// The same as CSV with a header row.
void write_findings_csv(store::Database& db, const store::Org& org, const store::TimeWindow& period,
                        const Sink& sink);

} // namespace velocity::report
