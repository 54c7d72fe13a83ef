// Audit exports (`audit verify --file`) and inclusion proofs (`audit verify-proof --file`): files
// from anyone, checked offline against a key. The first byte picks which.
#include "fuzz_support.hpp"

#include <velocity/audit/proof.hpp>
#include <velocity/audit/verify.hpp>
#include <velocity/crypto/ed25519.hpp>

using namespace velocity;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const crypto::VerifyKey key = crypto::SigningKey::generate().verify_key();
  if (size == 0) {
    return 0;
  }
  const std::string_view text = fuzz::as_text(data + 1, size - 1);
  if (data[0] % 2 == 0) {
    const fuzz::InputFile file("audit.jsonl", text);
    fuzz::refuse_cleanly([&] { audit::verify_export(file.path(), key); });
  } else {
    const auto proof = nlohmann::json::parse(text, nullptr, false);
    if (!proof.is_discarded()) {
      fuzz::refuse_cleanly([&] { audit::verify_proof(proof, key); });
    }
  }
  return 0;
}
