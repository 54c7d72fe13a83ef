// The table (terminal) and Markdown renderings of an evaluated assessment.

#include "assess.hpp"

#include <velocity/compliance/report_json.hpp>
#include <velocity/compliance/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace velocity::cli::assess {

namespace {

using compliance::format_decimal;
using compliance::format_usd;

constexpr size_t k_width = 80;
constexpr size_t k_top_actions = 5;

std::string date_after(time::TimePoint start, int days) {
  return time::to_iso8601(start + std::chrono::days(days)).substr(0, 10);
}

std::string score_text(const std::optional<double>& score) {
  return score ? fmt::format("{:.1f}", std::round(*score * 10) / 10) : "-";
}

Color score_color(const std::optional<double>& score) {
  if (!score) {
    return Color::dim;
  }
  return *score >= 80 ? Color::green : *score >= 50 ? Color::yellow : Color::red;
}

std::string bar(const std::optional<double>& score, size_t width) {
  if (!score) {
    return std::string(width, ' ');
  }
  const auto filled = static_cast<size_t>(std::lround(*score / 100.0 * static_cast<double>(width)));
  std::string text;
  for (size_t i = 0; i < width; ++i) {
    text += i < filled ? "█" : "░";
  }
  return text;
}

std::string heading(const Output& out, std::string_view text) {
  return out.paint(text, Color::bold) + "\n";
}

std::string when_line(const Meta& meta) {
  const std::string when = meta.completed_at.value_or(meta.started_at);
  const std::string shown =
    when.size() >= 16 ? when.substr(0, 10) + " " + when.substr(11, 5) + " UTC" : when;
  if (meta.id) {
    return fmt::format("assessment {} · {} · {}", *meta.id,
                       meta.status == "completed" ? shown : "in progress", meta.org);
  }
  return fmt::format("not stored · {}", shown);
}

std::string bullets(const std::vector<std::string>& lines, std::string_view indent, size_t width) {
  std::string text;
  for (const std::string& line : lines) {
    const auto wrapped = compliance::wrap(line, width - indent.size() - 2);
    for (size_t i = 0; i < wrapped.size(); ++i) {
      text += fmt::format("{}{} {}\n", indent, i == 0 ? "-" : " ", wrapped[i]);
    }
  }
  return text;
}

std::string frameworks_of(const compliance::Gap& gap) {
  std::string text;
  for (const std::string& id : gap.frameworks) {
    text += text.empty() ? id : "," + id;
  }
  return text;
}

// The controls of `result` whose status automated checks decided.
struct DecidedByChecks {
  std::vector<const compliance::ControlResult*> failing;
  std::vector<std::string> met; // met by automated evidence
};

DecidedByChecks decided_by_checks(const compliance::FrameworkResult& result) {
  DecidedByChecks decided;
  for (const compliance::CategoryResult& category : result.categories) {
    for (const compliance::ControlResult& control : category.controls) {
      if (control.source == compliance::StatusSource::failing_checks) {
        decided.failing.push_back(&control);
      } else if (control.source == compliance::StatusSource::passing_checks) {
        decided.met.push_back(control.control->id);
      }
    }
  }
  return decided;
}

// The failing checks of a control, one line each.
std::vector<std::string> failing_checks(const compliance::ControlResult& control) {
  std::vector<std::string> lines;
  for (const compliance::CheckResults* check : control.checks) {
    if (check->failing > 0) {
      lines.push_back(compliance::check_results_text(compliance::check_results_json(*check)));
    }
  }
  return lines;
}

// "partially met" for partially_met.
std::string status_words(compliance::ControlStatus status) {
  std::string words(compliance::to_string(status));
  std::replace(words.begin(), words.end(), '_', ' ');
  return words;
}

std::string until_text(const std::string& until) {
  return until.size() >= 16 ? until.substr(0, 10) + " " + until.substr(11, 5) + " UTC" : until;
}

// The section of the table naming what automated checks decided.
std::string automated_section(const Output& out, const compliance::Evaluation& evaluation,
                              const std::string& until) {
  std::string text =
    "\n" + heading(out, fmt::format("Automated checks (findings as of {})", until_text(until)));
  for (const compliance::FrameworkResult& result : evaluation.frameworks) {
    const DecidedByChecks decided = decided_by_checks(result);
    text += fmt::format("{}: {} controls not met because a check fails, {} met by automated "
                        "evidence\n",
                        result.framework->name, decided.failing.size(), decided.met.size());
    for (const compliance::ControlResult* control : decided.failing) {
      text += fmt::format("  {} {} (answered: {})\n", control->control->id,
                          out.paint("not met", Color::red), status_words(control->answered));
      text += bullets(failing_checks(*control), "    ", k_width);
    }
    if (!decided.met.empty()) {
      const auto wrapped = compliance::wrap(
        fmt::format("Met by automated evidence: {}", fmt::join(decided.met, ", ")), k_width - 2);
      for (const std::string& line : wrapped) {
        text += "  " + line + "\n";
      }
    }
  }
  return text;
}

} // namespace

std::string render_table(const Output& out, const compliance::Evaluation& evaluation,
                         const Meta& meta) {
  std::string text;
  text += heading(out, scope_title(evaluation));
  text += when_line(meta) + "\n";
  const int unanswered = evaluation.questions - evaluation.answered;
  text +=
    fmt::format("{} questions: {} answered ({} n/a){}\n\n", evaluation.questions,
                evaluation.answered, evaluation.not_applicable,
                unanswered > 0 ? fmt::format(", {} unanswered (not scored)", unanswered) : "");

  // Scores.
  text += heading(out, "Scores");
  Table scores({"FRAMEWORK", "SCORE", "MET", "PARTLY", "NOT MET", "N/A", "NOT ASSESSED"});
  for (const compliance::FrameworkResult& result : evaluation.frameworks) {
    using compliance::ControlStatus;
    const auto score = result.sum.score();
    std::string name = result.framework->name;
    if (result.variant != nullptr) {
      name += " " + result.variant->name;
    }
    scores.add_row({name, out.paint(score_text(score), score_color(score)),
                    std::to_string(result.count(ControlStatus::met)),
                    std::to_string(result.count(ControlStatus::partially_met)),
                    std::to_string(result.count(ControlStatus::not_met)),
                    std::to_string(result.count(ControlStatus::not_applicable)),
                    std::to_string(result.count(ControlStatus::not_assessed))});
  }
  text += scores.render();
  text += "(framework controls by status; the score weighs each question once)\n";
  if (meta.findings_until) {
    text += automated_section(out, evaluation, *meta.findings_until);
  }

  for (const compliance::FrameworkResult& result : evaluation.frameworks) {
    // Frameworks name their top level differently (NIST CSF functions, PCI DSS requirements).
    text +=
      "\n" + heading(out, fmt::format("{} by {}", result.framework->name,
                                      result.groups.empty() ? "category" : "group and category"));
    const auto line = [&](const std::string& id, const std::string& name,
                          const compliance::ScoreSum& sum, std::string_view indent) {
      const auto score = sum.score();
      text +=
        fmt::format("{:<10} {:<40} {:>5}  {}\n", std::string(indent) + compliance::truncate(id, 8),
                    compliance::truncate(name, 40), score_text(score),
                    out.paint(bar(score, 20), score_color(score)));
    };
    for (const compliance::GroupResult& group : result.groups) {
      line(group.group->id, group.group->name, group.sum, "");
      for (const compliance::CategoryResult& category : result.categories) {
        if (category.category->group == group.group->id) {
          line(category.category->id, category.category->name, category.sum, "  ");
        }
      }
    }
    if (result.groups.empty()) {
      for (const compliance::CategoryResult& category : result.categories) {
        line(category.category->id, category.category->name, category.sum, "");
      }
    }
  }

  // Gaps.
  text += "\n" + heading(out, fmt::format("Gaps: {} (by priority = risk × weight ÷ effort)",
                                          evaluation.gaps.size()));
  if (evaluation.gaps.empty()) {
    text += "none: every answered question is a yes\n";
  } else {
    Table gaps({"#", "PRIO", "RISK", "ANSWER", "HOURS", "QUESTION"});
    for (size_t i = 0; i < evaluation.gaps.size(); ++i) {
      const compliance::Gap& gap = evaluation.gaps[i];
      std::string answer(compliance::to_string(*gap.answer.design));
      if (gap.kind == compliance::GapKind::operating) {
        answer = "op. " + std::string(compliance::to_string(*gap.answer.operating));
      }
      const Color risk_color = gap.control->risk == compliance::Risk::critical ? Color::red
                               : gap.control->risk == compliance::Risk::high   ? Color::yellow
                                                                               : Color::none;
      gaps.add_row({std::to_string(i + 1), fmt::format("{:.2f}", gap.priority),
                    out.paint(compliance::to_string(gap.control->risk), risk_color), answer,
                    format_decimal(gap.remaining_hours),
                    compliance::truncate(gap.control->title, 40)});
    }
    text += gaps.render();
    text += "\n" + heading(out, "Next actions");
    for (size_t i = 0; i < std::min(k_top_actions, evaluation.gaps.size()); ++i) {
      const compliance::Gap& gap = evaluation.gaps[i];
      // Wrapped under the title: the 80 columns hold a long title with its id and frameworks.
      const auto title = compliance::wrap(
        fmt::format("{} ({}; {})", gap.control->title, gap.control->id, frameworks_of(gap)),
        k_width - 3);
      for (size_t line = 0; line < title.size(); ++line) {
        text += fmt::format("{:<3}{}\n", line == 0 ? fmt::format("{}.", i + 1) : "", title[line]);
      }
      if (gap.kind == compliance::GapKind::operating) {
        text += bullets({"Run the control throughout the audit period and keep the records that "
                         "show it (tickets, logs, sign-offs)"},
                        "   ", k_width);
      } else {
        text += bullets(gap.control->remediation, "   ", k_width);
      }
    }
    if (evaluation.gaps.size() > k_top_actions) {
      text += fmt::format("(the actions for all {} gaps: --format md or --format json)\n",
                          evaluation.gaps.size());
    }
  }

  // Cost.
  const compliance::Cost& cost = evaluation.cost;
  text += "\n" + heading(out, "Cost");
  text += fmt::format("  {:<40} {:>12}\n",
                      fmt::format("Remediation: {} h × {}/h", format_decimal(cost.hours),
                                  format_usd(cost.hourly_rate)),
                      format_usd(cost.labour));
  text += fmt::format("  {:<40} {:>12}\n", "Tooling", format_usd(cost.tooling));
  text += fmt::format("  {:<40} {:>12}\n", "External audit", format_usd(cost.audit));
  // Padded before painting: the colour codes take no columns.
  text += fmt::format("  {:<40} {}\n", "Total",
                      out.paint(fmt::format("{:>12}", format_usd(cost.total)), Color::bold));
  text += "  Assumptions:\n" + bullets(cost.assumptions, "   ", k_width);

  // Roadmap.
  const compliance::Roadmap& roadmap = evaluation.roadmap;
  text += "\n" + heading(out, "Roadmap");
  if (roadmap.phases.empty()) {
    text += "nothing to do for the answered questions\n";
  } else {
    std::vector<std::string> headers = {"PHASE", "DAYS", "ENDS", "ACTIONS", "HOURS", "COST"};
    for (const compliance::FrameworkResult& result : evaluation.frameworks) {
      headers.push_back(result.framework->id);
    }
    Table phases(headers);
    for (const compliance::Phase& phase : roadmap.phases) {
      std::vector<std::string> row = {phase.name,
                                      fmt::format("{}-{}", phase.start_day, phase.end_day),
                                      date_after(roadmap.start, phase.end_day),
                                      std::to_string(phase.actions.size()),
                                      format_decimal(phase.hours),
                                      format_usd(phase.cost)};
      for (const auto& projected : phase.projected) {
        row.push_back(score_text(projected));
      }
      phases.add_row(row);
    }
    text += phases.render();
    text += "(the last columns are the projected score once the phase is done)\n";
    for (const compliance::Phase& phase : roadmap.phases) {
      std::string ids;
      for (const compliance::RoadmapAction& action : phase.actions) {
        ids += ids.empty() ? "" : ", ";
        ids += evaluation.gaps[action.gap].control->id;
      }
      const auto wrapped = compliance::wrap(ids, k_width - 14);
      for (size_t i = 0; i < wrapped.size(); ++i) {
        text += fmt::format("  {:<11} {}\n", i == 0 ? phase.name : "", wrapped[i]);
      }
    }
  }
  const std::string completion =
    date_after(roadmap.start, roadmap.work_days + roadmap.observation_days);
  text += fmt::format("Full compliance: {} ({} days of work{})\n",
                      out.paint(completion, Color::bold), roadmap.work_days,
                      roadmap.observation_days > 0
                        ? fmt::format(" + {} days of Type II observation", roadmap.observation_days)
                        : "");
  text += "  Assumptions:\n" + bullets(roadmap.assumptions, "   ", k_width);
  return text;
}

namespace {

std::string md_cell(std::string_view text) {
  std::string cell;
  for (const char c : text) {
    if (c == '|') {
      cell += "\\|";
    } else if (c == '\n') {
      cell += ' ';
    } else {
      cell += c;
    }
  }
  return cell;
}

} // namespace

std::string render_markdown(const compliance::Evaluation& evaluation,
                            const compliance::Questionnaire& questionnaire,
                            const compliance::Answers& answers, const Meta& meta) {
  std::string md = fmt::format("# Assessment: {}\n\n", scope_title(evaluation));
  md += fmt::format("- {}\n", when_line(meta));
  md += fmt::format("- {} questions, {} answered ({} not applicable), {} unanswered\n",
                    evaluation.questions, evaluation.answered, evaluation.not_applicable,
                    evaluation.questions - evaluation.answered);
  md += fmt::format("- Catalogues: {}\n\n", meta.catalogues);

  md += "## Scores\n\n| Framework | Score | Met | Partially met | Not met | Not applicable | Not "
        "assessed |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  for (const compliance::FrameworkResult& result : evaluation.frameworks) {
    using compliance::ControlStatus;
    md += fmt::format(
      "| {}{} | {} | {} | {} | {} | {} | {} |\n", result.framework->name,
      result.variant != nullptr ? " " + result.variant->name : "", score_text(result.sum.score()),
      result.count(ControlStatus::met), result.count(ControlStatus::partially_met),
      result.count(ControlStatus::not_met), result.count(ControlStatus::not_applicable),
      result.count(ControlStatus::not_assessed));
  }
  if (meta.findings_until) {
    md += fmt::format("\n## Automated checks\n\nFindings as of {}. A failing check makes a control "
                      "not met whatever the answers say; passing checks alone meet a control no "
                      "answer decides.\n\n| Framework | Control | Status | Answered | Checks |\n"
                      "| --- | --- | --- | --- | --- |\n",
                      until_text(*meta.findings_until));
    for (const compliance::FrameworkResult& result : evaluation.frameworks) {
      const DecidedByChecks decided = decided_by_checks(result);
      for (const compliance::ControlResult* control : decided.failing) {
        md += fmt::format("| {} | {} | not met | {} | {} |\n", result.framework->name,
                          control->control->id, status_words(control->answered),
                          md_cell(fmt::format("{}", fmt::join(failing_checks(*control), "; "))));
      }
      for (const std::string& id : decided.met) {
        md += fmt::format("| {} | {} | met by automated evidence | not assessed | passing |\n",
                          result.framework->name, id);
      }
    }
  }
  for (const compliance::FrameworkResult& result : evaluation.frameworks) {
    md += fmt::format("\n### {} by category\n\n| Category | Name | Score |\n| --- | --- | ---: |\n",
                      result.framework->name);
    for (const compliance::CategoryResult& category : result.categories) {
      md += fmt::format("| {} | {} | {} |\n", category.category->id,
                        md_cell(category.category->name), score_text(category.sum.score()));
    }
  }

  md +=
    fmt::format("\n## Gaps ({})\n\nOrdered by priority = risk factor × weight ÷ effort hours.\n\n",
                evaluation.gaps.size());
  if (!evaluation.gaps.empty()) {
    md += "| # | Priority | Question | Risk | Answer | Hours left | Frameworks |\n"
          "| ---: | ---: | --- | --- | --- | ---: | --- |\n";
    for (size_t i = 0; i < evaluation.gaps.size(); ++i) {
      const compliance::Gap& gap = evaluation.gaps[i];
      std::string answer(compliance::to_string(*gap.answer.design));
      if (gap.kind == compliance::GapKind::operating) {
        answer += ", operating " + std::string(compliance::to_string(*gap.answer.operating));
      }
      md += fmt::format("| {} | {:.2f} | {} (`{}`) | {} | {} | {} | {} |\n", i + 1, gap.priority,
                        md_cell(gap.control->title), gap.control->id,
                        compliance::to_string(gap.control->risk), answer,
                        format_decimal(gap.remaining_hours), frameworks_of(gap));
    }
    md += "\n### Remediation\n";
    for (size_t i = 0; i < evaluation.gaps.size(); ++i) {
      const compliance::Gap& gap = evaluation.gaps[i];
      md +=
        fmt::format("\n**{}. {}** (`{}`)\n\n", i + 1, md_cell(gap.control->title), gap.control->id);
      if (gap.kind == compliance::GapKind::operating) {
        md += "- Run the control throughout the audit period and keep the records that show it\n";
      }
      for (const std::string& action : gap.control->remediation) {
        md += fmt::format("- {}\n", action);
      }
    }
  }

  const compliance::Cost& cost = evaluation.cost;
  md += "\n## Cost\n\n| Item | Amount (USD) |\n| --- | ---: |\n";
  md += fmt::format("| Remediation: {} h × {}/h | {} |\n", format_decimal(cost.hours),
                    format_usd(cost.hourly_rate), format_usd(cost.labour));
  md += fmt::format("| Tooling | {} |\n| External audit | {} |\n| **Total** | **{}** |\n\n",
                    format_usd(cost.tooling), format_usd(cost.audit), format_usd(cost.total));
  md += "Assumptions:\n\n";
  for (const std::string& assumption : cost.assumptions) {
    md += fmt::format("- {}\n", assumption);
  }

  const compliance::Roadmap& roadmap = evaluation.roadmap;
  md += "\n## Roadmap\n\n";
  if (!roadmap.phases.empty()) {
    md += "| Phase | Days | Ends | Hours | Cost |";
    std::string rule = "| --- | --- | --- | ---: | ---: |";
    for (const compliance::FrameworkResult& result : evaluation.frameworks) {
      md += fmt::format(" {} after |", result.framework->name);
      rule += " ---: |";
    }
    md += "\n" + rule + "\n";
    for (const compliance::Phase& phase : roadmap.phases) {
      md += fmt::format("| {} | {}-{} | {} | {} | {} |", phase.name, phase.start_day, phase.end_day,
                        date_after(roadmap.start, phase.end_day), format_decimal(phase.hours),
                        format_usd(phase.cost));
      for (const auto& projected : phase.projected) {
        md += fmt::format(" {} |", score_text(projected));
      }
      md += "\n";
    }
    for (const compliance::Phase& phase : roadmap.phases) {
      md += fmt::format("\n### {}\n\n", phase.name);
      for (const compliance::RoadmapAction& action : phase.actions) {
        const compliance::Gap& gap = evaluation.gaps[action.gap];
        md +=
          fmt::format("- days {}-{}: {} (`{}`), {} h\n", action.start_day, action.end_day,
                      md_cell(gap.control->title), gap.control->id, format_decimal(action.hours));
      }
    }
  }
  md += fmt::format("\nFull compliance expected on **{}** ({} days of work{}).\n\nAssumptions:\n\n",
                    date_after(roadmap.start, roadmap.work_days + roadmap.observation_days),
                    roadmap.work_days,
                    roadmap.observation_days > 0
                      ? fmt::format(" and {} days of Type II observation", roadmap.observation_days)
                      : "");
  for (const std::string& assumption : roadmap.assumptions) {
    md += fmt::format("- {}\n", assumption);
  }

  md += "\n## Answers\n\n| Question | Answer | Note | Evidence |\n| --- | --- | --- | --- |\n";
  for (const compliance::CommonControl* control :
       compliance::questions_for(questionnaire, evaluation.scope.frameworks)) {
    const auto found = answers.find(control->id);
    std::string answer = "not answered";
    std::string note;
    std::string evidence;
    if (found != answers.end() && found->second.design) {
      answer = std::string(compliance::to_string(*found->second.design));
      if (found->second.operating) {
        answer += ", operating " + std::string(compliance::to_string(*found->second.operating));
      }
      note = found->second.note;
      evidence = found->second.evidence;
    }
    md += fmt::format("| {} (`{}`) | {} | {} | {} |\n", md_cell(control->title), control->id,
                      answer, md_cell(note), md_cell(evidence));
  }
  return md;
}

} // namespace velocity::cli::assess
