#include "fixture_files.hpp"

#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/crypto/digest.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

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

TEST_CASE("require_readable_file") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("velocity-fs-" + crypto::to_hex(crypto::random_bytes(6)));
  std::filesystem::create_directories(dir);
  fs::write_file_atomic(dir / "file", "x", fs::Mode::private_file);
  CHECK_NOTHROW(fs::require_readable_file(dir / "file"));
  CHECK_THROWS_WITH_AS(fs::require_readable_file(dir / "missing"),
                       doctest::Contains("missing does not exist"), UsageError);
  CHECK_THROWS_WITH_AS(fs::require_readable_file(dir), doctest::Contains("is a directory"),
                       UsageError);
  CHECK_THROWS_WITH_AS(fs::require_readable_file("/dev/null"),
                       doctest::Contains("is not a regular file but a device"), UsageError);
  std::filesystem::remove_all(dir);
}

TEST_CASE("regular_files_in") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("velocity-fs-" + crypto::to_hex(crypto::random_bytes(6)));
  std::filesystem::create_directories(dir / "sub");
  fs::write_file_atomic(dir / "b.yaml", "b", fs::Mode::private_file);
  fs::write_file_atomic(dir / "a.yaml", "a", fs::Mode::private_file);
  std::filesystem::create_symlink("/dev/null", dir / "device");
  CHECK(fs::regular_files_in(dir) ==
        std::vector<std::filesystem::path>{dir / "a.yaml", dir / "b.yaml"});
  CHECK_THROWS_WITH_AS(fs::regular_files_in(dir / "missing"),
                       doctest::Contains("missing does not exist"), UsageError);
  CHECK_THROWS_WITH_AS(fs::regular_files_in(dir / "a.yaml"),
                       doctest::Contains("a.yaml is not a directory"), UsageError);
  std::filesystem::remove_all(dir);
}
