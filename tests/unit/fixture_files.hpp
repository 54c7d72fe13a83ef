#pragma once

#include <velocity/core/fs.hpp>

#include <cstddef>
#include <filesystem>
#include <string>

// Reads a test fixture (test data, or a file a test made) whole. None comes near this bound,
// which only stands in for the limit velocity sets on each kind of input it reads.
inline std::string read_fixture(const std::filesystem::path& path) {
  return velocity::fs::read_file(path, std::size_t{64} << 20);
}
