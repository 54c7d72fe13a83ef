// Report bundles (`velocity report verify FILE.tar.gz`): a tar.gz from anyone, checked offline.
#include "fuzz_support.hpp"

#include <velocity/report/bundle.hpp>

using namespace velocity;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::InputFile bundle("bundle.tar.gz", fuzz::as_text(data, size));
  // Small limits keep every input fast; the code paths are the same.
  report::VerifyLimits limits;
  limits.max_member_bytes = 1 << 20;
  limits.max_total_bytes = 4 << 20;
  limits.max_entries = 64;
  limits.max_bytes_before_manifest = 4 << 20;
  fuzz::refuse_cleanly([&] { report::verify_bundle(bundle.path(), std::nullopt, limits); });
  return 0;
}
