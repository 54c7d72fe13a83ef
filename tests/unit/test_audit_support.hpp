#pragma once

// Shared by the audit unit tests: a state in its own temporary directory, opened with a random
// master key given through VELOCITY_MASTER_KEY (restored afterwards).
#include <velocity/crypto/digest.hpp>
#include <velocity/store/state.hpp>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace velocity::audit::test {

class TempState {
public:
  TempState() {
    std::string pattern =
      (std::filesystem::temp_directory_path() / "velocity-audit-XXXXXX").string();
    m_dir = ::mkdtemp(pattern.data());
    if (const char* old = std::getenv("VELOCITY_MASTER_KEY")) {
      m_old_key = old;
    }
    ::setenv("VELOCITY_MASTER_KEY", crypto::base64_encode(crypto::random_bytes(32)).c_str(), 1);
    path = m_dir / "velocity.db";
    store::State::initialize(path, store::NewKeySource::automatic, {});
    reopen();
  }
  TempState(const TempState&) = delete;
  TempState& operator=(const TempState&) = delete;
  ~TempState() {
    state.reset();
    if (m_old_key) {
      ::setenv("VELOCITY_MASTER_KEY", m_old_key->c_str(), 1);
    } else {
      ::unsetenv("VELOCITY_MASTER_KEY");
    }
    std::error_code ec;
    std::filesystem::remove_all(m_dir, ec);
  }

  // Closes and opens the state again, as the next command would.
  void reopen() {
    state.reset();
    state = std::make_unique<store::State>(store::State::open(path, {}));
  }

  const std::filesystem::path& dir() const { return m_dir; }

  std::filesystem::path path;
  std::unique_ptr<store::State> state;

private:
  std::filesystem::path m_dir;
  std::optional<std::string> m_old_key;
};

} // namespace velocity::audit::test
