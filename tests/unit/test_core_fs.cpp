#include "fixture_files.hpp"

#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/crypto/digest.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

using namespace velocity;

TEST_CASE("TempFile") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("velocity-fs-" + crypto::to_hex(crypto::random_bytes(6)));
  std::filesystem::create_directories(dir);

  SUBCASE("what is written reads back at any offset and by its path, and leaves no name") {
    {
      fs::TempFile file(dir / "bundle.tar.gz");
      file.write("hello, ");
      file.write("world");
      CHECK(file.size() == 12);
      CHECK(std::filesystem::is_empty(dir));
      std::string buffer(5, '\0');
      CHECK(file.read_at(7, buffer.data(), buffer.size()) == 5);
      CHECK(buffer == "world");
      CHECK(file.read_at(10, buffer.data(), buffer.size()) == 2);
      CHECK(file.read_at(12, buffer.data(), buffer.size()) == 0);
      CHECK(read_fixture(file.path()) == "hello, world");
    }
    CHECK(std::filesystem::is_empty(dir));
  }

  SUBCASE("a missing directory is named as the place the file was for") {
    try {
      fs::TempFile file(dir / "missing" / "bundle.tar.gz");
      FAIL("no error");
    } catch (const UsageError& e) {
      CHECK(std::string(e.what()).find("missing/bundle.tar.gz") != std::string::npos);
    }
  }
  std::filesystem::remove_all(dir);
}
