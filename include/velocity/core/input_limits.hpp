#pragma once

#include <cstddef>

// The most velocity reads of each kind of input file (README, "Limits"). Each is far above what a
// real file needs, and bounds the memory a wrong path (/dev/zero, a disk image) can take.
namespace velocity::limits {

constexpr std::size_t k_kib = 1024;
constexpr std::size_t k_mib = 1024 * k_kib;

constexpr std::size_t master_key_file = 4 * k_kib;
constexpr std::size_t public_key_file = 64 * k_kib;
constexpr std::size_t credentials_file = 1 * k_mib; // GCP/Azure/AWS credentials, CA bundles
constexpr std::size_t config_file = 1 * k_mib;      // --config, VELOCITY_CONFIG, config.yaml
constexpr std::size_t answers_file = 16 * k_mib;
constexpr std::size_t framework_file = 16 * k_mib;
constexpr std::size_t template_file = 4 * k_mib;
constexpr std::size_t audit_proof_file = 16 * k_mib;
constexpr std::size_t witness_file = 16 * k_mib; // the audit witness (VELOCITY_WITNESS_FILE)
constexpr std::size_t audit_export_file = 2048 * k_mib;

} // namespace velocity::limits
