// JUnit XML in the shape Jenkins' xunit plugin describes (tests/data/junit/junit-10.xsd) and
// GitLab reads: the counts sit in each <testsuite>'s attributes, ahead of its test cases, so
// the findings are read twice: once to count, once to write.

#include "charts.hpp"

#include <velocity/report/finding_formats.hpp>

#include <fmt/format.h>

#include <map>

namespace velocity::report {

namespace {

struct Counts {
  int64_t tests = 0;
  int64_t failures = 0;
  int64_t skipped = 0;
};

// The length of the valid UTF-8 sequence at the start of `text` (1 to 4), or 0.
size_t utf8_length(std::string_view text) {
  const auto lead = static_cast<unsigned char>(text[0]);
  if (lead < 0x80) {
    return 1;
  }
  size_t length = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
  } else {
    return 0;
  }
  if (text.size() < length) {
    return 0;
  }
  for (size_t i = 1; i < length; ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xc0U) != 0x80U) {
      return 0;
    }
  }
  const auto second = static_cast<unsigned char>(text[1]);
  const bool overlong = (lead == 0xe0 && second < 0xa0) || (lead == 0xf0 && second < 0x90);
  const bool surrogate = lead == 0xed && second >= 0xa0;
  const bool too_large = lead == 0xf4 && second >= 0x90;
  return overlong || surrogate || too_large ? 0 : length;
}

// `text` as XML 1.0 attribute or element text: markup escaped (charts::xml_escape), line breaks
// and tabs as character references so that attributes keep them, and the characters XML cannot
// carry (other controls, invalid UTF-8) replaced by U+FFFD.
std::string xml_text(std::string_view text) {
  const std::string escaped = charts::xml_escape(text);
  const std::string_view rest = escaped;
  std::string out;
  out.reserve(escaped.size());
  size_t i = 0;
  while (i < rest.size()) {
    const auto byte = static_cast<unsigned char>(rest[i]);
    if (byte == '\n' || byte == '\t' || byte == '\r') {
      out += fmt::format("&#{};", static_cast<int>(byte));
      ++i;
    } else if (const size_t length = byte < 0x20 ? 0 : utf8_length(rest.substr(i)); length > 0) {
      out.append(rest.substr(i, length));
      i += length;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

std::string testcase_name(const store::FindingRecord& finding) {
  return fmt::format("{} ({}, {}, {})", finding.resource_id, finding.integration,
                     finding.account_id.empty() ? "-" : finding.account_id,
                     finding.region.empty() ? "global" : finding.region);
}

std::string testcase_of(const store::FindingRecord& finding) {
  std::string xml = fmt::format("<testcase name=\"{}\" classname=\"{}\" time=\"0\"",
                                xml_text(testcase_name(finding)), xml_text(finding.check_id));
  if (finding.status == store::Status::pass) {
    return xml + "/>\n";
  }
  if (const auto& acceptance = finding.acceptance) {
    const std::string message = fmt::format("accepted by {} until {}: {}", acceptance->owner,
                                            acceptance->expires_at, acceptance->reason);
    return xml + fmt::format("><skipped message=\"{}\"/></testcase>\n", xml_text(message));
  }
  return xml + fmt::format("><failure message=\"{}\" type=\"{}\">{}</failure></testcase>\n",
                           xml_text(finding.reason), to_string(finding.severity),
                           xml_text(fmt::format("{} severity; first failed {}; evidence {}",
                                                to_string(finding.severity),
                                                finding.first_failed_at.value_or("-"),
                                                finding.evidence_type)));
}

std::string suite_head(const std::string& check_id, const Counts& counts,
                       const compliance::Check* check) {
  std::string xml =
    fmt::format("<testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" "
                "time=\"0\">\n",
                xml_text(check_id), counts.tests, counts.failures, counts.skipped);
  if (check != nullptr) {
    xml += fmt::format("<properties><property name=\"title\" value=\"{}\"/><property "
                       "name=\"severity\" value=\"{}\"/></properties>\n",
                       xml_text(check->title), to_string(check->severity));
  }
  return xml;
}

} // namespace

void write_findings_junit(const FindingSource& findings, compliance::Library& library,
                          const Sink& sink) {
  // One entry per check, however many findings: the memory stays flat.
  std::map<std::string, Counts, std::less<>> by_check;
  Counts total;
  findings([&](const store::FindingRecord& finding) {
    Counts& counts = by_check[finding.check_id];
    for (Counts* tally : {&counts, &total}) {
      ++tally->tests;
      if (finding.status == store::Status::fail) {
        ++(finding.acceptance ? tally->skipped : tally->failures);
      }
    }
  });
  const compliance::CheckCatalogue& catalogue = library.checks();
  sink(fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"velocity\" "
                   "tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"0\">\n",
                   total.tests, total.failures));
  std::string current;
  bool open = false;
  findings([&](const store::FindingRecord& finding) {
    if (!open || finding.check_id != current) {
      if (open) {
        sink("</testsuite>\n");
      }
      current = finding.check_id;
      open = true;
      sink(suite_head(current, by_check[current], catalogue.find(current)));
    }
    sink(testcase_of(finding));
  });
  if (open) {
    sink("</testsuite>\n");
  }
  sink("</testsuites>\n");
}

} // namespace velocity::report
