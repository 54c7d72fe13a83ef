// velocity_test_fill: puts encrypted evidence rows into a state, or reads them all back, so the
// integration suites can tamper with real ciphertexts and interrupt long re-encryptions.
//   velocity_test_fill STATE ORG COUNT     insert COUNT rows of 1 KiB sealed payloads
//   velocity_test_fill STATE ORG --verify  open every payload; prints the count, exit 3 on failure
// The master key is found as velocity finds it (VELOCITY_MASTER_KEY, VELOCITY_KEY_FILE, ...).
#include <velocity/core/error.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/store/state.hpp>

#include <fmt/format.h>

#include <cstdio>
#include <string>

using namespace velocity;

namespace {

int fill(store::State& state, const store::Org& org, int64_t count) {
  store::Database& db = state.db();
  store::Transaction tx(db);
  store::Statement next = db.prepare("SELECT coalesce(max(id), 0) + 1 FROM evidence");
  next.step();
  const int64_t first = next.column_int(0);
  store::Statement insert = db.prepare(
    "INSERT INTO evidence (id, org_id, platform, evidence_type, resource_id, raw_sha256, payload, "
    "first_collected_at, collected_at) VALUES (?, ?, 'test', 'filler', ?, ?, ?, "
    "'2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')");
  for (int64_t id = first; id < first + count; ++id) {
    const std::string payload =
      fmt::format("{{\"n\":{},\"pad\":\"{}\"}}", id, std::string(1000, 'x'));
    insert.bind(1, id)
      .bind(2, org.id())
      .bind(3, fmt::format("resource-{}", id))
      .bind(4, crypto::to_hex(crypto::sha256(payload)))
      .bind_blob(5, org.seal({"evidence", "payload", id}, payload))
      .run();
    insert.reset();
  }
  tx.commit();
  std::printf("%lld\n", static_cast<long long>(count));
  return 0;
}

int verify(store::State& state, const store::Org& org) {
  store::Statement select =
    state.db().prepare("SELECT id, payload FROM evidence WHERE org_id = ? ORDER BY id");
  select.bind(1, org.id());
  int64_t count = 0;
  while (select.step()) {
    org.open({"evidence", "payload", select.column_int(0)}, select.column_blob(1));
    ++count;
  }
  std::printf("%lld\n", static_cast<long long>(count));
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fputs("usage: velocity_test_fill STATE ORG COUNT|--verify\n", stderr);
    return 2;
  }
  try {
    store::State state = store::State::open(argv[1], {});
    const store::Org org = state.org(argv[2]);
    const std::string what = argv[3];
    return what == "--verify" ? verify(state, org) : fill(state, org, std::stoll(what));
  } catch (const Error& e) {
    std::fprintf(stderr, "velocity_test_fill: %s\n", e.what());
    return static_cast<int>(e.code());
  }
}
