# Every dependency comes from a Debian package; nothing is vendored or downloaded.
find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(CURL REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(pugixml REQUIRED)
find_package(LibArchive REQUIRED)
find_package(CLI11 REQUIRED)

# kainjow-mustache is a single header without a CMake package.
find_path(MUSTACHE_INCLUDE_DIR kainjow/mustache.hpp REQUIRED)
add_library(mustache INTERFACE)
target_include_directories(mustache SYSTEM INTERFACE ${MUSTACHE_INCLUDE_DIR})
