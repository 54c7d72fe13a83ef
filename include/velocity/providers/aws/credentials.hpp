#pragma once

#include <velocity/providers/aws/sigv4.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The AWS credential chain as the AWS CLI reads it: environment variables, then the profile of
// the shared credentials and config files. Never from the command line.
namespace velocity::providers::aws {

// Reads an environment variable; nothing when unset or empty. Tests pass their own.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;

// The sections of an INI file (~/.aws/credentials, ~/.aws/config): section -> key -> value.
// Keys are lower-cased; indented sub-keys (`s3 =` blocks) are skipped.
using IniFile = std::map<std::string, std::map<std::string, std::string>>;

// Parses INI text. `#` and `;` start comments at the start of a line.
IniFile parse_ini(std::string_view text);

// Where to look besides the environment.
struct ChainOptions {
  // --credentials-file: a file in the credentials format, read instead of the shared one.
  std::optional<std::filesystem::path> credentials_file;
  // --profile; else AWS_PROFILE; else "default".
  std::optional<std::string> profile;
};

// What the chain found: the keys, where they came from (in words, for `connect list`), and the
// settings the profile or environment carries.
struct ResolvedCredentials {
  Credentials credentials;
  std::string source;                      // "environment variables", "profile prod of /x"
  std::optional<std::string> region;       // AWS_REGION, AWS_DEFAULT_REGION or the profile's
  std::optional<std::string> endpoint_url; // AWS_ENDPOINT_URL or the profile's endpoint_url
  std::optional<std::string> role_arn;     // the profile's role_arn (with source_profile)
  std::optional<std::string> external_id;  // the profile's external_id
};

// Resolves credentials in the AWS CLI's order: an explicit profile (--profile or
// --credentials-file) first, then AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY(/AWS_SESSION_TOKEN),
// then AWS_PROFILE or the default profile of AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials)
// and AWS_CONFIG_FILE (~/.aws/config). Throws UsageError saying what was looked at when
// nothing is found or a profile is incomplete.
ResolvedCredentials resolve_credentials(const ChainOptions& options, const EnvLookup& env);

// The credentials as the integration's sealed secret (JSON), and back. Throws StateError when
// the secret is not a credentials object.
std::string serialise_credentials(const Credentials& credentials);
Credentials parse_credentials(std::string_view secret);

} // namespace velocity::providers::aws
