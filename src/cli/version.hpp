#pragma once

// Internal to the cli module: what `velocity --version` prints.

#include <string>

namespace velocity::cli {

// The version, the git commit and build type it was built with, and the versions of OpenSSL,
// libcurl and SQLite it runs with (asked of the libraries, not of their headers), one per line.
std::string version_text();

} // namespace velocity::cli
