#pragma once

// A throw-away state for the compliance tests that read or write one (demo, pathway).

#include <velocity/crypto/digest.hpp>
#include <velocity/store/state.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace velocity::test {

// A fresh state in its own directory with VELOCITY_MASTER_KEY set, removed afterwards.
struct ComplianceTempState {
  std::filesystem::path dir;
  std::filesystem::path path;

  ComplianceTempState()
    : dir(std::filesystem::temp_directory_path() /
          ("velocity-unit-" + crypto::to_hex(crypto::random_bytes(6)))),
      path(dir / "velocity.db") {
    ::setenv("VELOCITY_MASTER_KEY", crypto::base64_encode(crypto::random_bytes(32)).c_str(), 1);
    ::unsetenv("VELOCITY_KEY_FILE");
    ::unsetenv("VELOCITY_PASSPHRASE");
    store::State::initialize(path, store::NewKeySource::automatic, {});
  }
  ComplianceTempState(const ComplianceTempState&) = delete;
  ComplianceTempState& operator=(const ComplianceTempState&) = delete;
  ~ComplianceTempState() {
    ::unsetenv("VELOCITY_MASTER_KEY");
    std::filesystem::remove_all(dir);
  }
  store::State open() const { return store::State::open(path, {}); }
};

} // namespace velocity::test
