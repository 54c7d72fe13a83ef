#include "reference.hpp"

namespace velocity::cli {

const std::vector<ExitStatus>& exit_statuses() {
  static const std::vector<ExitStatus> statuses = {
    {0, "success"},
    {1, "a check failed (a score under --fail-under, a failing finding at --fail-on)"},
    {2, "usage error: a bad option, value or input file"},
    {3, "state or key error: the state file or a key is missing, wrong, corrupt or locked"},
    {4, "permission denied, by the operating system or a remote service"},
    {5, "integrity violation: something signed or hash-chained does not verify"},
    {6, "remote API error, after retries"},
    {70, "internal error: a bug in velocity"},
    {130, "interrupted"},
  };
  return statuses;
}

std::string_view exit_status_line() {
  return "Exit codes: 0 success, 1 a check failed, 2 usage error, 3 state or key error, 4 "
         "permission denied, 5 integrity violation, 6 remote API error, 70 internal error, 130 "
         "interrupted.";
}

const std::vector<EnvironmentVariable>& environment() {
  static const std::vector<EnvironmentVariable> variables = {
    {"VELOCITY_STATE", "the state file, when --state is not given", {}},
    {"VELOCITY_ORG", "the organisation to work on, when --org is not given", {}},
    {"VELOCITY_MASTER_KEY",
     "the master key, base64 of 32 bytes; read before any key file or passphrase",
     {}},
    {"VELOCITY_KEY_FILE",
     "the master key file, instead of $XDG_CONFIG_HOME/velocity/master.key",
     {}},
    {"VELOCITY_PASSPHRASE",
     "the passphrase of a state created with init --passphrase; without it velocity asks on the "
     "terminal",
     {}},
    {"VELOCITY_FRAMEWORKS_DIR",
     "catalogues to use instead of the built-in ones, when --frameworks-dir is not given",
     {"assess", "frameworks", "report", "roi", "pathway"}},
    {"VELOCITY_CHROMIUM", "the Chromium or Chrome binary that prints --format pdf", {"report"}},
    {"PATH",
     "searched for chromium, chromium-browser or google-chrome for --format pdf",
     {"report"}},
    {"VELOCITY_CONFIG",
     "the config file of team defaults, when --config is not given (default "
     "$XDG_CONFIG_HOME/velocity/config.yaml)",
     {}},
    {"VELOCITY_FORMAT",
     "the output format, when --format is not given (like every config key as VELOCITY_<KEY>: "
     "`velocity config list`)",
     {}},
    {"VELOCITY_WITNESS_FILE",
     "the audit witness, instead of audit-witness.json beside the key file (or the state)",
     {"audit"}},
    {"NO_COLOR", "when set to anything, no colour (as --no-color)", {}},
    {"XDG_DATA_HOME", "the state lives in $XDG_DATA_HOME/velocity (default ~/.local/share)", {}},
    {"XDG_CONFIG_HOME", "the key file lives in $XDG_CONFIG_HOME/velocity (default ~/.config)", {}},
    {"HOME", "the base of the default XDG directories and of ~/.aws", {}},
    {"AWS_ACCESS_KEY_ID", "AWS access key id, for connect aws", {"connect"}},
    {"AWS_SECRET_ACCESS_KEY", "AWS secret access key, for connect aws", {"connect"}},
    {"AWS_SESSION_TOKEN", "AWS session token of temporary keys, for connect aws", {"connect"}},
    {"AWS_PROFILE", "the profile of ~/.aws/credentials and ~/.aws/config to read", {"connect"}},
    {"AWS_DEFAULT_PROFILE", "the profile when AWS_PROFILE is not set", {"connect"}},
    {"AWS_REGION", "the default region, as for the AWS CLI", {"connect"}},
    {"AWS_DEFAULT_REGION", "the region when AWS_REGION is not set", {"connect"}},
    {"AWS_ENDPOINT_URL",
     "send every AWS call to this URL (an emulator), as --endpoint-url",
     {"connect"}},
    {"AWS_SHARED_CREDENTIALS_FILE",
     "the credentials file instead of ~/.aws/credentials",
     {"connect"}},
    {"AWS_CONFIG_FILE", "the config file instead of ~/.aws/config", {"connect"}},
    {"AWS_CA_BUNDLE",
     "PEM file of CA certificates to trust, when --ca-bundle is not given",
     {"connect", "collect"}},
    {"GITHUB_TOKEN", "the GitHub token, for connect github", {"connect"}},
    {"GH_TOKEN", "the GitHub token when GITHUB_TOKEN is not set", {"connect"}},
    {"GOOGLE_APPLICATION_CREDENTIALS",
     "the service-account key file, for connect gcp",
     {"connect"}},
    {"AZURE_TENANT_ID", "the Azure tenant, for connect azure", {"connect"}},
    {"AZURE_CLIENT_ID", "the Azure application (client) id, for connect azure", {"connect"}},
    {"AZURE_CLIENT_SECRET", "the Azure client secret, for connect azure", {"connect"}},
    {"AZURE_SUBSCRIPTION_ID",
     "the one Azure subscription to collect, for connect azure (unset: every one listed)",
     {"connect"}},
    {"AZURE_AUTHORITY_HOST",
     "the Microsoft identity platform host, as --authority-host",
     {"connect"}},
  };
  return variables;
}

const std::vector<FileEntry>& files() {
  static const std::vector<FileEntry> entries = {
    {"$XDG_DATA_HOME/velocity/velocity.db",
     "the state: one SQLite file (mode 0600) holding every organisation, sealed with its data "
     "key; --state or VELOCITY_STATE choose another"},
    {"$XDG_CONFIG_HOME/velocity/master.key",
     "the master key (base64, mode 0600) that unwraps the data keys, written by velocity init; "
     "VELOCITY_KEY_FILE chooses another"},
    {"$XDG_CONFIG_HOME/velocity/config.yaml",
     "defaults a team sets once (organisation, format, cost and ROI assumptions, frameworks); "
     "--config or VELOCITY_CONFIG choose another"},
    {"$XDG_CONFIG_HOME/velocity/audit-witness.json",
     "the latest signed tree head of each audit log, kept beside the key file so that a deleted "
     "or rolled-back log is caught; VELOCITY_WITNESS_FILE chooses another"},
  };
  return entries;
}

} // namespace velocity::cli
