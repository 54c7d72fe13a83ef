#include <velocity/store/library_version.hpp>

#include <sqlite3.h>

namespace velocity::store {

std::string sqlite_version() {
  return sqlite3_libversion();
}

} // namespace velocity::store
