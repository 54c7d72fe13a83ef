#pragma once

// What the fuzz targets share: an exception that is a velocity::Error is a clean refusal of bad
// input (the CLI turns it into a message and an exit code); anything else escaping is a bug, and
// libFuzzer reports it as a crash.

#include <velocity/core/error.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <unistd.h>

namespace velocity::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Runs `body`, accepting velocity's own errors as the outcome of bad input.
template <typename Body> void refuse_cleanly(Body&& body) {
  try {
    body();
  } catch (const Error&) {
  }
}

// A file holding one input, for parsers that read paths, in a directory of its own; both are
// removed with the object.
class InputFile {
public:
  InputFile(std::string_view name, std::string_view content)
    : m_dir(std::filesystem::temp_directory_path() /
            ("velocity-fuzz-" + std::to_string(::getpid()))),
      m_path(m_dir / std::string(name)) {
    std::filesystem::create_directories(m_dir);
    std::ofstream(m_path, std::ios::binary | std::ios::trunc)
      .write(content.data(), static_cast<std::streamsize>(content.size()));
  }
  ~InputFile() {
    std::error_code ignored;
    std::filesystem::remove_all(m_dir, ignored);
  }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  const std::filesystem::path& path() const noexcept { return m_path; }
  const std::filesystem::path& dir() const noexcept { return m_dir; }

private:
  std::filesystem::path m_dir;
  std::filesystem::path m_path;
};

} // namespace velocity::fuzz
