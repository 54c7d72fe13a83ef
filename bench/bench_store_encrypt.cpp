// Encrypted vs plain inserts of evidence-sized values: the cost of sealing every payload.
// Inserts 100,000 values of 1 KiB into a fresh state twice in one run, sealed (AES-256-GCM bound
// to the row, as `collect` stores evidence) and in plain, each in one transaction, and prints
// both times and their ratio. Target: encrypted <= 1.5x plain, and the encrypted run under 1 s.
#include <velocity/crypto/aead.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/store/state.hpp>

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

using namespace velocity;

namespace {

constexpr int64_t k_values = 100000;
constexpr size_t k_value_size = 1024;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double insert_all(store::Database& db, const std::string& table, const store::Org* org,
                  const std::string& value) {
  const auto start = std::chrono::steady_clock::now();
  store::Transaction tx(db);
  store::Statement insert = db.prepare(fmt::format(
    "INSERT INTO {} (id, org_id, platform, evidence_type, resource_id, raw_sha256, payload, "
    "collected_at) VALUES (?, ?, 'bench', 'bench', ?, '', ?, '2026-01-01T00:00:00.000Z')",
    table));
  for (int64_t id = 1; id <= k_values; ++id) {
    insert.bind(1, id)
      .bind(2, org != nullptr ? org->id() : int64_t{1})
      .bind(3, fmt::format("r{}", id));
    if (org != nullptr) {
      insert.bind_blob(4, org->seal({"evidence", "payload", id}, value));
    } else {
      insert.bind_blob(4, value);
    }
    insert.run();
    insert.reset();
  }
  tx.commit();
  return seconds_since(start);
}

} // namespace

int main() {
  const auto dir = std::filesystem::temp_directory_path() /
                   fmt::format("velocity-bench-{}", crypto::to_hex(crypto::random_bytes(4)));
  ::setenv("VELOCITY_MASTER_KEY", crypto::base64_encode(crypto::random_bytes(32)).c_str(), 1);
  const auto path = dir / "velocity.db";
  store::State::initialize(path, store::NewKeySource::automatic, {});
  store::State state = store::State::open(path, {});
  const store::Org org = state.org(store::State::k_default_org);
  state.db().execute("CREATE TABLE plain_evidence AS SELECT * FROM evidence WHERE 0");

  const std::string value(k_value_size, 'v');
  const double plain = insert_all(state.db(), "plain_evidence", nullptr, value);
  const double sealed = insert_all(state.db(), "evidence", &org, value);

  fmt::print("values:    {} x {} bytes, one transaction each\n", k_values, k_value_size);
  fmt::print("plain:     {:.3f} s ({:.2f} us/value)\n", plain, plain * 1e6 / k_values);
  fmt::print("encrypted: {:.3f} s ({:.2f} us/value)\n", sealed, sealed * 1e6 / k_values);
  fmt::print("ratio:     {:.2f}x encrypted/plain (target <= 1.5x)\n", sealed / plain);
  fmt::print("encrypted: {} values in {:.3f} s (target < 1 s)\n", k_values, sealed);
  std::filesystem::remove_all(dir);
  return 0;
}
