#include <velocity/cli/commands.hpp>
#include <velocity/compliance/config.hpp>

#include <fmt/format.h>

namespace velocity::cli {

namespace {

// Each key's effective value: --org and --format as resolved for this run, the others from the
// environment or the config file, else built in.
std::vector<std::pair<const compliance::SettingKey*, SettingValue>> effective_values(Context& ctx) {
  std::vector<std::pair<const compliance::SettingKey*, SettingValue>> values;
  for (const compliance::SettingKey& key : compliance::setting_keys()) {
    SettingValue value;
    if (key.key == "org") {
      value = ctx.org_setting();
    } else if (key.key == "format") {
      value = ctx.format_setting();
    } else if (auto found = ctx.settings().find(key.key)) {
      value = std::move(*found);
    } else {
      value = {std::string(key.built_in), SettingSource::built_in, {}};
    }
    values.emplace_back(&key, std::move(value));
  }
  return values;
}

std::string origin(const SettingValue& value) {
  return value.where.empty() ? std::string(to_string(value.source))
                             : fmt::format("{} {}", to_string(value.source), value.where);
}

void run_list(Context& ctx) {
  const std::string format = ctx.format({"table", "json"});
  const Settings& settings = ctx.settings();
  const auto values = effective_values(ctx);
  if (format == "json") {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& [key, value] : values) {
      rows.push_back(
        {{"key", key->key},
         {"value", value.value.empty() ? nlohmann::json(nullptr) : nlohmann::json(value.value)},
         {"source", to_string(value.source)},
         {"where", value.where.empty() ? nlohmann::json(nullptr) : nlohmann::json(value.where)},
         {"env", Settings::env_name(key->key)}});
    }
    ctx.out().json({{"config_file", settings.path().string()},
                    {"config_file_exists", settings.file_exists()},
                    {"settings", rows}});
    return;
  }
  Table table({"KEY", "VALUE", "FROM"});
  for (const auto& [key, value] : values) {
    table.add_row({std::string(key->key), value.value.empty() ? "-" : value.value, origin(value)});
  }
  ctx.out().data(table.render());
  ctx.out().info(fmt::format("config file {}{}", settings.path().string(),
                             settings.file_exists() ? "" : " (none there: built-in defaults)"));
}

void run_path(Context& ctx) {
  const std::string format = ctx.format({"table", "json"});
  const Settings& settings = ctx.settings();
  if (format == "json") {
    ctx.out().json({{"path", settings.path().string()},
                    {"from", settings.path_source()},
                    {"exists", settings.file_exists()}});
    return;
  }
  ctx.out().data(settings.path().string() + "\n");
  if (!settings.file_exists()) {
    ctx.out().info("(no file there yet: every value is built in or from the environment)");
  }
}

std::string keys_footer() {
  std::string text = "Keys (YAML `key: value`; env VELOCITY_<KEY>, a dot as _):\n";
  for (const compliance::SettingKey& key : compliance::setting_keys()) {
    text += fmt::format("  {:<28} {}\n", key.key, key.help);
  }
  return text + "Precedence: option > environment > config file > built-in.";
}

} // namespace

void setup_config(CLI::App& command, Context& ctx) {
  command.require_subcommand(1);
  command.footer(keys_footer());
  CLI::App* list = command.add_subcommand(
    "list", "each setting's effective value and where it comes from (option, env, config, "
            "default)");
  list->callback([&ctx] { run_list(ctx); });
  ctx.examples.add(*list, {{"velocity config list", "every setting, its value and its source"},
                           {"VELOCITY_ORG=acme velocity config list --format json",
                            "the same as JSON, with the organisation from the environment"}});
  CLI::App* path = command.add_subcommand(
    "path", "the config file in use: --config, else VELOCITY_CONFIG, else the default");
  path->callback([&ctx] { run_path(ctx); });
  ctx.examples.add(*path, {{"velocity config path", "which config file velocity reads"}});
  ctx.examples.add(command,
                   {{"velocity config list", "the settings and where they come from"},
                    {"velocity --config team.yaml config list", "what a team's config file sets"}});
}

} // namespace velocity::cli
