// Encrypted vs plain inserts of evidence-sized values: the cost of sealing every payload.
// Inserts VALUES (default 100,000) values of 1 KiB into the evidence table of a fresh state, in
// one transaction, sealed (AES-256-GCM bound to the row, as `collect` stores evidence) and in
// plain, best of 3 rounds each, and prints both times and their ratio. Target: encrypted <= 1.5x
// plain, and the encrypted run under 1 s.
#include <velocity/crypto/aead.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/store/state.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <limits>

using namespace velocity;

namespace {

constexpr size_t k_value_size = 1024;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Inserts `count` evidence rows of `org`, payloads sealed with its data key or in plain.
double insert_all(store::Database& db, const store::Org& org, bool sealed, const std::string& value,
                  int64_t count) {
  const auto start = std::chrono::steady_clock::now();
  store::Transaction tx(db);
  store::Statement insert = db.prepare(
    "INSERT INTO evidence (id, org_id, platform, evidence_type, resource_id, raw_sha256, "
    "payload, first_collected_at, collected_at) VALUES (?, ?, 'bench', 'bench', ?, '', "
    "?, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')");
  for (int64_t id = 1; id <= count; ++id) {
    insert.bind(1, id).bind(2, org.id()).bind(3, fmt::format("r{}", id));
    if (sealed) {
      insert.bind_blob(4, org.seal({"evidence", "payload", id}, value));
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

int main(int argc, char** argv) {
  const int64_t values = argc > 1 ? std::atoll(argv[1]) : 100000;
  if (values <= 0) {
    fmt::print(stderr, "usage: bench_store_encrypt [VALUES]   (default 100000)\n");
    return 2;
  }
  const auto dir = std::filesystem::temp_directory_path() /
                   fmt::format("velocity-bench-{}", crypto::to_hex(crypto::random_bytes(4)));
  ::setenv("VELOCITY_MASTER_KEY", crypto::base64_encode(crypto::random_bytes(32)).c_str(), 1);
  const auto path = dir / "velocity.db";
  store::State::initialize(path, store::NewKeySource::automatic, {});
  store::State state = store::State::open(path, {});
  const store::Org org = state.org(store::State::k_default_org);

  const std::string value(k_value_size, 'v');
  // The same table, indexes and rows both ways; best of 3 rounds, alternating, the table emptied
  // before each: the first inserts grow the file and warm the page cache, which would otherwise
  // count against whichever ran first.
  double plain = std::numeric_limits<double>::max();
  double sealed = std::numeric_limits<double>::max();
  for (int round = 0; round < 3; ++round) {
    state.db().execute("DELETE FROM evidence");
    plain = std::min(plain, insert_all(state.db(), org, false, value, values));
    state.db().execute("DELETE FROM evidence");
    sealed = std::min(sealed, insert_all(state.db(), org, true, value, values));
  }

  fmt::print("values:    {} x {} bytes, one transaction each, best of 3\n", values, k_value_size);
  fmt::print("plain:     {:.3f} s ({:.2f} us/value)\n", plain, plain * 1e6 / values);
  fmt::print("encrypted: {:.3f} s ({:.2f} us/value)\n", sealed, sealed * 1e6 / values);
  fmt::print("ratio:     {:.2f}x encrypted/plain (target <= 1.5x)\n", sealed / plain);
  fmt::print("encrypted: {} values in {:.3f} s (target < 1 s)\n", values, sealed);
  std::filesystem::remove_all(dir);
  return 0;
}
