// Keys from files: Ed25519 public keys in PEM (`--pubkey`), GCP service-account key files (JSON
// with an RSA private key in PEM) and master keys (base64).
#include "fuzz_support.hpp"

#include <velocity/crypto/ed25519.hpp>
#include <velocity/crypto/keys.hpp>
#include <velocity/providers/gcp/provider.hpp>

using namespace velocity;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(fuzz::as_text(data, size));
  crypto::VerifyKey::from_pem(text);
  fuzz::refuse_cleanly([&] { providers::gcp::parse_key(text, "fuzz.json"); });
  fuzz::refuse_cleanly([&] { crypto::parse_master_key(text, "fuzz.key"); });
  return 0;
}
