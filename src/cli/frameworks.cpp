// `velocity frameworks list | show ID | map CONTROL | check`: the control catalogues.

#include "platforms.hpp"

#include <velocity/cli/commands.hpp>
#include <velocity/compliance/answers.hpp>
#include <velocity/compliance/library.hpp>
#include <velocity/compliance/text.hpp>
#include <velocity/core/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace velocity::cli {

namespace {

struct FrameworksOptions {
  std::optional<std::filesystem::path> dir;
  std::string id;
  bool controls = false;
};

std::string_view requirement_name(compliance::Requirement requirement) {
  switch (requirement) {
  case compliance::Requirement::standard:
    return "standard";
  case compliance::Requirement::required:
    return "required";
  case compliance::Requirement::addressable:
    return "addressable";
  case compliance::Requirement::none:
    break;
  }
  return "";
}

// The common controls that reach each control of `framework`, by control id.
std::map<std::string, std::vector<const compliance::CommonControl*>>
reached_by(const compliance::Questionnaire& questionnaire, const compliance::Framework& framework) {
  std::map<std::string, std::vector<const compliance::CommonControl*>> reach;
  for (const compliance::CommonControl& control : questionnaire.controls) {
    for (const std::string& id : control.controls_in(framework.id)) {
      reach[id].push_back(&control);
    }
  }
  return reach;
}

nlohmann::json control_json(const compliance::Control& control,
                            const std::vector<const compliance::CommonControl*>& common) {
  nlohmann::json json = {{"id", control.id},
                         {"title", control.title},
                         {"description", control.description},
                         {"category", control.category}};
  if (!control.parent.empty()) {
    json["parent"] = control.parent;
  }
  if (control.requirement != compliance::Requirement::none) {
    json["requirement"] = requirement_name(control.requirement);
  }
  if (!control.implementation_groups.empty()) {
    json["implementation_groups"] = control.implementation_groups;
  }
  if (control.profile != compliance::Profile::none) {
    json["profile"] = compliance::to_string(control.profile);
  }
  if (control.assessment != compliance::Assessment::none) {
    json["assessment"] = compliance::to_string(control.assessment);
  }
  nlohmann::json ids = nlohmann::json::array();
  for (const auto* c : common) {
    ids.push_back(c->id);
  }
  json["common_controls"] = ids;
  return json;
}

// What the catalogue says of a control beside its title: HIPAA's requirement ("addressable"), CIS
// v8's implementation groups ("IG1,2,3") or a benchmark's profile and assessment ("L1 manual").
std::string control_marks(const compliance::Control& control) {
  if (control.requirement != compliance::Requirement::none) {
    return std::string(requirement_name(control.requirement));
  }
  if (!control.implementation_groups.empty()) {
    return "IG" + fmt::format("{}", fmt::join(control.implementation_groups, ","));
  }
  std::vector<std::string> marks;
  if (control.profile != compliance::Profile::none) {
    marks.emplace_back(control.profile == compliance::Profile::level1 ? "L1" : "L2");
  }
  if (control.assessment != compliance::Assessment::none) {
    marks.emplace_back(compliance::to_string(control.assessment));
  }
  return fmt::format("{}", fmt::join(marks, " "));
}

// "35 automated, 28 manual; 41 Level 1, 22 Level 2" for a benchmark, empty for other frameworks.
std::string benchmark_summary(const compliance::Framework& framework) {
  std::map<compliance::Assessment, size_t> assessments;
  std::map<compliance::Profile, size_t> profiles;
  for (const compliance::Category& category : framework.categories) {
    for (const compliance::Control& control : category.controls) {
      ++assessments[control.assessment];
      ++profiles[control.profile];
    }
  }
  // The loader lets a catalogue mark either field on all of its controls or on none.
  std::vector<std::string> parts;
  if (assessments.count(compliance::Assessment::none) == 0) {
    parts.push_back(fmt::format("{} automated, {} manual",
                                assessments[compliance::Assessment::automated],
                                assessments[compliance::Assessment::manual]));
  }
  if (profiles.count(compliance::Profile::none) == 0) {
    parts.push_back(fmt::format("{} Level 1, {} Level 2", profiles[compliance::Profile::level1],
                                profiles[compliance::Profile::level2]));
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

nlohmann::json summary_json(const compliance::Framework& framework) {
  nlohmann::json variants = nlohmann::json::array();
  for (const auto& variant : framework.variants) {
    variants.push_back(
      {{"id", variant.id}, {"name", variant.name}, {"description", variant.description}});
  }
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& group : framework.groups) {
    groups.push_back({{"id", group.id}, {"name", group.name}});
  }
  return {{"id", framework.id},
          {"name", framework.name},
          {"version", framework.version},
          {"publisher", framework.publisher},
          {"description", framework.description},
          {"categories", framework.categories.size()},
          {"controls", framework.control_count()},
          {"variants", variants},
          {"groups", groups}};
}

void run_list(Context& ctx, const FrameworksOptions& options) {
  const std::string format = ctx.format({"table", "json"});
  compliance::Library library = compliance::Library::open(options.dir);
  const auto frameworks = library.all_frameworks();
  if (format == "json") {
    nlohmann::json rows = nlohmann::json::array();
    for (const compliance::Framework* framework : frameworks) {
      rows.push_back(summary_json(*framework));
    }
    ctx.out().json(rows);
    return;
  }
  Table table({"ID", "NAME", "VERSION", "CONTROLS", "VARIANTS"});
  for (const compliance::Framework* framework : frameworks) {
    std::string variants;
    for (const auto& variant : framework->variants) {
      variants += variants.empty() ? variant.id : "," + variant.id;
    }
    table.add_row({framework->id, compliance::truncate(framework->name, 28),
                   compliance::truncate(framework->version, 22),
                   std::to_string(framework->control_count()), variants.empty() ? "-" : variants});
  }
  ctx.out().data(table.render());
  ctx.out().verbose(fmt::format("from the {}", library.description()));
}

void run_show(Context& ctx, const FrameworksOptions& options) {
  const std::string format = ctx.format({"table", "json"});
  compliance::Library library = compliance::Library::open(options.dir);
  const compliance::Framework& framework = library.framework(options.id);
  const compliance::Questionnaire& questionnaire = library.questionnaire();
  const auto reach = reached_by(questionnaire, framework);
  const auto common_of = [&](const std::string& id) {
    const auto found = reach.find(id);
    return found == reach.end() ? std::vector<const compliance::CommonControl*>{} : found->second;
  };
  if (format == "json") {
    nlohmann::json json = summary_json(framework);
    nlohmann::json categories = nlohmann::json::array();
    for (const compliance::Category& category : framework.categories) {
      nlohmann::json controls = nlohmann::json::array();
      for (const compliance::Control& control : category.controls) {
        controls.push_back(control_json(control, common_of(control.id)));
      }
      categories.push_back({{"id", category.id},
                            {"name", category.name},
                            {"group", category.group.empty() ? nlohmann::json(nullptr)
                                                             : nlohmann::json(category.group)},
                            {"controls", controls}});
    }
    json["categories"] = categories;
    json["questions"] = compliance::questions_for(questionnaire, {framework.id}).size();
    ctx.out().json(json);
    return;
  }
  std::string text =
    ctx.out().paint(fmt::format("{} ({})", framework.name, framework.id), Color::bold) + "\n";
  text += fmt::format("Version:    {}\nPublisher:  {}\n", framework.version, framework.publisher);
  for (size_t i = 0; i < framework.variants.size(); ++i) {
    const auto& variant = framework.variants[i];
    text += fmt::format("{:<12}{} ({}): {}\n", i == 0 ? "Variants:" : "", variant.id, variant.name,
                        variant.description);
  }
  text +=
    fmt::format("Controls:   {} in {} categories; {} questions of the questionnaire reach them\n",
                framework.control_count(), framework.categories.size(),
                compliance::questions_for(questionnaire, {framework.id}).size());
  if (const std::string marks = benchmark_summary(framework); !marks.empty()) {
    text += fmt::format("Benchmark:  {}\n", marks);
  }
  for (const std::string& line : compliance::wrap(framework.description, 78)) {
    text += line + "\n";
  }
  text += "\n";
  if (!options.controls) {
    Table table({"CATEGORY", "NAME", "CONTROLS"});
    for (const compliance::Category& category : framework.categories) {
      table.add_row({category.id, compliance::truncate(category.name, 50),
                     std::to_string(category.controls.size())});
    }
    text += table.render();
    text += fmt::format("(--controls lists every control; `velocity frameworks map {}:ID` shows "
                        "a control's equivalents)\n",
                        framework.id);
    ctx.out().data(text);
    return;
  }
  for (const compliance::Category& category : framework.categories) {
    text += ctx.out().paint(fmt::format("{}  {}", category.id, category.name), Color::bold) + "\n";
    size_t id_width = 0;
    size_t marks_width = 0;
    for (const compliance::Control& control : category.controls) {
      id_width = std::max(id_width, control.id.size());
      marks_width = std::max(marks_width, control_marks(control).size());
    }
    const size_t title_width = 78 - 2 - id_width - 2 - (marks_width == 0 ? 0 : marks_width + 2);
    for (const compliance::Control& control : category.controls) {
      const std::string marks = control_marks(control);
      const std::string title = compliance::truncate(control.title, title_width);
      text += fmt::format("  {:<{}}  {}{}\n", control.id, id_width, title,
                          marks.empty() ? ""
                                        : std::string(title_width - display_width(title) + 2, ' ') +
                                            ctx.out().paint(marks, Color::dim));
    }
  }
  ctx.out().data(text);
}

// Sorts control ids in the order the catalogue lists them.
void sort_by_catalogue(const compliance::Framework& framework, std::vector<std::string>& ids) {
  std::map<std::string, size_t> position;
  for (const compliance::Category& category : framework.categories) {
    for (const compliance::Control& control : category.controls) {
      position.emplace(control.id, position.size());
    }
  }
  std::sort(ids.begin(), ids.end(),
            [&](const std::string& a, const std::string& b) { return position[a] < position[b]; });
}

struct Match {
  const compliance::Framework* framework;
  const compliance::Control* control;
};

std::string lower(std::string_view text) {
  std::string result;
  for (const char c : text) {
    result += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return result;
}

// The control `query` names: `framework:id`, or a bare id that exactly one framework has
// (compared without case when none has it exactly). A bare id several frameworks use is refused
// with the qualified candidates; nothing when no framework has it.
std::optional<Match> find_control(compliance::Library& library, const std::string& query) {
  const size_t colon = query.find(':');
  if (colon != std::string::npos) {
    const compliance::Framework& framework = library.framework(query.substr(0, colon));
    if (const compliance::Control* control = framework.find_control(query.substr(colon + 1))) {
      return Match{&framework, control};
    }
    return std::nullopt;
  }
  std::vector<Match> matches;
  const auto frameworks = library.all_frameworks();
  for (const compliance::Framework* framework : frameworks) {
    if (const compliance::Control* control = framework->find_control(query)) {
      matches.push_back({framework, control});
    }
  }
  if (matches.empty()) {
    for (const compliance::Framework* framework : frameworks) {
      for (const compliance::Category& category : framework->categories) {
        for (const compliance::Control& control : category.controls) {
          if (lower(control.id) == lower(query)) {
            matches.push_back({framework, &control});
          }
        }
      }
    }
  }
  if (matches.size() > 1) {
    std::vector<std::string> qualified;
    for (const Match& match : matches) {
      qualified.push_back(fmt::format("{}:{}", match.framework->id, match.control->id));
    }
    throw UsageError(
      fmt::format("'{}' is a control id in {} frameworks: {}", query, matches.size(),
                  fmt::join(qualified, ", ")),
      fmt::format("name the framework: velocity frameworks map {}", qualified.front()));
  }
  if (matches.empty()) {
    return std::nullopt;
  }
  return matches.front();
}

void run_map(Context& ctx, const FrameworksOptions& options) {
  const std::string format = ctx.format({"table", "json"});
  compliance::Library library = compliance::Library::open(options.dir);
  const compliance::Questionnaire& questionnaire = library.questionnaire();
  nlohmann::json matches_json = nlohmann::json::array();
  std::string text;

  const auto control_list = [&](const std::string& framework_id,
                                const std::vector<std::string>& ids) {
    const compliance::Framework& framework = library.framework(framework_id);
    nlohmann::json list = nlohmann::json::array();
    for (const std::string& id : ids) {
      const compliance::Control* control = framework.find_control(id);
      list.push_back({{"id", id}, {"title", control != nullptr ? control->title : ""}});
    }
    return list;
  };

  if (const compliance::CommonControl* common = questionnaire.find(options.id)) {
    nlohmann::json maps = nlohmann::json::object();
    const compliance::Domain* domain = questionnaire.find_domain(common->domain);
    text += ctx.out().paint(fmt::format("{}: {}", common->id, common->title), Color::bold) +
            fmt::format(" ({})\n", domain != nullptr ? domain->name : common->domain);
    for (const std::string& line : compliance::wrap(common->question, 78)) {
      text += line + "\n";
    }
    Table table({"FRAMEWORK", "CONTROL", "TITLE"});
    for (const std::string& id : library.framework_ids()) {
      const auto& ids = common->controls_in(id);
      if (ids.empty()) {
        continue;
      }
      maps[id] = control_list(id, ids);
      for (const auto& entry : maps[id]) {
        table.add_row({id, entry["id"].get<std::string>(),
                       compliance::truncate(entry["title"].get<std::string>(), 50)});
      }
    }
    text += "\n" + table.render();
    matches_json.push_back({{"kind", "common_control"},
                            {"common_control",
                             {{"id", common->id},
                              {"title", common->title},
                              {"domain", common->domain},
                              {"question", common->question}}},
                            {"maps", maps}});
  } else {
    const std::optional<Match> found = find_control(library, options.id);
    if (!found) {
      throw UsageError(
        fmt::format("no common control or framework control has the id '{}'", options.id),
        "ids are exact (CC6.1, A.5.1, 164.312(d), PR.AA-01, mfa-all-users); prefix "
        "the framework to pick one: soc2:CC6.1");
    }
    {
      const Match& match = *found;
      std::vector<const compliance::CommonControl*> reaching;
      for (const compliance::CommonControl& control : questionnaire.controls) {
        const auto& ids = control.controls_in(match.framework->id);
        if (std::find(ids.begin(), ids.end(), match.control->id) != ids.end()) {
          reaching.push_back(&control);
        }
      }
      text += ctx.out().paint(fmt::format("{} {}: {}", match.framework->name, match.control->id,
                                          match.control->title),
                              Color::bold) +
              "\n";
      nlohmann::json common_json = nlohmann::json::array();
      std::string common_ids;
      for (const auto* control : reaching) {
        common_json.push_back({{"id", control->id}, {"title", control->title}});
        common_ids += common_ids.empty() ? control->id : ", " + control->id;
      }
      for (const std::string& line : compliance::wrap(
             fmt::format("Questions reaching it ({}): {}", reaching.size(), common_ids), 78)) {
        text += line + "\n";
      }
      nlohmann::json equivalents = nlohmann::json::object();
      Table table({"FRAMEWORK", "EQUIVALENT CONTROLS"});
      for (const std::string& id : library.framework_ids()) {
        if (id == match.framework->id) {
          continue;
        }
        std::vector<std::string> ids;
        for (const auto* control : reaching) {
          for (const std::string& target : control->controls_in(id)) {
            if (std::find(ids.begin(), ids.end(), target) == ids.end()) {
              ids.push_back(target);
            }
          }
        }
        if (ids.empty()) {
          continue;
        }
        sort_by_catalogue(library.framework(id), ids);
        equivalents[id] = control_list(id, ids);
        const auto wrapped = compliance::wrap(fmt::format("{}", fmt::join(ids, ", ")), 64);
        for (size_t i = 0; i < wrapped.size(); ++i) {
          table.add_row({i == 0 ? id : "", wrapped[i]});
        }
      }
      text += table.render();
      nlohmann::json checks_json = nlohmann::json::array();
      Table checks_table({"AUTOMATED CHECK", "WHY IT COUNTS HERE"});
      for (const compliance::Check& check : library.checks().checks) {
        for (const compliance::CheckControl& tested : check.controls_in(match.framework->id)) {
          if (tested.id == match.control->id) {
            checks_json.push_back({{"id", check.id}, {"why", tested.why}});
            checks_table.add_row({check.id, tested.why});
          }
        }
      }
      text += checks_table.empty() ? "No automated check tests it.\n\n"
                                   : "\n" + checks_table.render() + "\n";
      matches_json.push_back(
        {{"kind", "framework_control"},
         {"framework", match.framework->id},
         {"control", {{"id", match.control->id}, {"title", match.control->title}}},
         {"common_controls", common_json},
         {"equivalents", equivalents},
         {"checks", checks_json}});
    }
  }
  if (format == "json") {
    ctx.out().json({{"query", options.id}, {"matches", matches_json}});
  } else {
    ctx.out().data(text);
  }
}

void run_check(Context& ctx, const FrameworksOptions& options) {
  const std::string format = ctx.format({"table", "json"});
  compliance::Library library = compliance::Library::open(options.dir);
  library.validate_all();
  const size_t checks = validated_checks(library).checks.size();
  const auto frameworks = library.all_frameworks();
  size_t controls = 0;
  nlohmann::json list = nlohmann::json::array();
  for (const compliance::Framework* framework : frameworks) {
    controls += framework->control_count();
    list.push_back({{"id", framework->id}, {"controls", framework->control_count()}});
  }
  const size_t common = library.questionnaire().controls.size();
  if (format == "json") {
    ctx.out().json({{"valid", true},
                    {"catalogues", library.description()},
                    {"frameworks", list},
                    {"common_controls", common},
                    {"checks", checks}});
    return;
  }
  ctx.out().data(fmt::format("valid: {} frameworks with {} controls, {} common controls, every "
                             "control reached by a question or marked automated, {} checks "
                             "each with its evaluator ({})\n",
                             frameworks.size(), controls, common, checks, library.description()));
}

} // namespace

void setup_frameworks(CLI::App& command, Context& ctx) {
  auto options = std::make_shared<FrameworksOptions>();
  command.require_subcommand(1);
  command
    .add_option("--frameworks-dir", options->dir,
                "catalogues to use instead of the built-in ones (env VELOCITY_FRAMEWORKS_DIR)")
    ->option_text("DIR");

  CLI::App* list = command.add_subcommand("list", "list the frameworks");
  list->fallthrough();
  ctx.examples.add(*list, {{"velocity frameworks list", "the frameworks velocity assesses"}});
  list->callback([&ctx, options] { run_list(ctx, *options); });

  CLI::App* show =
    command.add_subcommand("show", "describe a framework, its categories and controls");
  show->fallthrough();
  show->add_option("ID", options->id, "framework id (soc2, iso27001, ...)")
    ->required()
    ->type_name("");
  show->add_flag("--controls", options->controls, "list every control");
  ctx.examples.add(*show, {{"velocity frameworks show soc2 --controls", "every SOC 2 control"}});
  show->callback([&ctx, options] { run_show(ctx, *options); });

  CLI::App* map = command.add_subcommand(
    "map", "a control's equivalents in every framework, through the common controls, and the "
           "automated checks testing it");
  map->fallthrough();
  map
    ->add_option("CONTROL", options->id,
                 "a common control (mfa-all-users) or a framework control (CC6.1, soc2:CC6.1); an "
                 "id several frameworks use needs its framework (cis-v8:8.6)")
    ->required()
    ->type_name("");
  ctx.examples.add(*map, {{"velocity frameworks map soc2:CC6.1",
                           "what SOC 2 CC6.1 corresponds to in every framework"}});
  map->callback([&ctx, options] { run_map(ctx, *options); });

  CLI::App* check = command.add_subcommand(
    "check",
    "validate every catalogue, the questionnaire and the check catalogue (for custom catalogues)");
  check->fallthrough();
  ctx.examples.add(*check, {{"velocity frameworks --frameworks-dir ./catalogues check",
                             "validate custom catalogues"}});
  ctx.examples.add(command, {{"velocity frameworks list", "the frameworks velocity assesses"},
                             {"velocity frameworks show iso27001", "one framework"}});
  check->callback([&ctx, options] { run_check(ctx, *options); });
}

} // namespace velocity::cli
