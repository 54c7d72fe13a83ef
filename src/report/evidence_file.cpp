#include <velocity/compliance/finding_json.hpp>
#include <velocity/report/render.hpp>

#include <fmt/format.h>

namespace velocity::report {

namespace {

using nlohmann::json;

constexpr int k_indent = 2;

// `dumped` (a value as dump(2) writes it) as dump(2) writes it `depth` levels deep: JSON text has
// no raw line break inside a string, so each line break starts a line to indent.
void append_at_depth(std::string& out, std::string_view dumped, int depth) {
  const std::string indent(static_cast<size_t>(depth * k_indent), ' ');
  size_t start = 0;
  for (size_t newline = dumped.find('\n'); newline != std::string_view::npos;
       newline = dumped.find('\n', start)) {
    out.append(dumped.substr(start, newline + 1 - start));
    out.append(indent);
    start = newline + 1;
  }
  out.append(dumped.substr(start));
}

} // namespace

// The file dump(2) would write for the object of docs/report-bundle.md (keys in order), written
// piece by piece: a bundle holds one per evidence item, and building each as one JSON tree copied
// and dumped the same controls for every finding.
EvidenceFile evidence_file(const store::EvidenceRecord& record,
                           const std::vector<store::FindingRecord>& findings,
                           compliance::CheckControls& controls) {
  json data = json::parse(record.payload, nullptr, false);
  if (data.is_discarded()) {
    data = record.payload; // kept as text rather than lost
  }
  std::string out = "{\n";
  const auto member = [&](std::string_view key, std::string_view dumped) {
    out += fmt::format("  \"{}\": ", key);
    append_at_depth(out, dumped, 1);
    out += ",\n";
  };
  member("account_id", json(record.account_id).dump());
  member("collected_at", json(record.collected_at).dump());
  member("data", data.dump(k_indent));
  if (findings.empty()) {
    out += "  \"findings\": [],\n";
  } else {
    out += "  \"findings\": [\n";
    for (size_t i = 0; i < findings.size(); ++i) {
      out += i == 0 ? "    " : ",\n    ";
      append_at_depth(out, compliance::finding_text(findings[i], controls, k_indent), 2);
    }
    out += "\n  ],\n";
  }
  member("first_collected_at", json(record.first_collected_at).dump());
  member("id", json(record.id).dump());
  member("integration", json(record.integration).dump());
  member("platform", json(record.platform).dump());
  member("raw_sha256", json(record.raw_sha256).dump());
  member("region", json(record.region).dump());
  member("resource_id", json(record.resource_id).dump());
  out += fmt::format("  \"type\": {}\n}}\n", json(record.type).dump());
  return {fmt::format("evidence/{}.json", record.id), std::move(out)};
}

} // namespace velocity::report
