#pragma once

#include <string>

namespace velocity::store {

// The SQLite library velocity runs with: "3.40.1".
std::string sqlite_version();

} // namespace velocity::store
