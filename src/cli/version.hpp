#pragma once

// Internal to the cli module: what `velocity --version` prints.

#include <nlohmann/json.hpp>

#include <string>

namespace velocity::cli {

// The version, the git commit and build type it was built with, and the versions of OpenSSL,
// libcurl and SQLite it runs with (asked of the libraries, not of their headers), one per line.
std::string version_text();

// The same as one JSON object: version, commit, build_type, openssl, libcurl, sqlite.
nlohmann::json version_json();

} // namespace velocity::cli
