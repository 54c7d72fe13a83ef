#pragma once

#include <velocity/audit/event.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// The Merkle tree of RFC 9162 (section 2.1) over an organisation's events: leaf i is the hash of
// event i+1, SHA-256(0x00 || canonical bytes); an inner node is SHA-256(0x01 || left || right);
// a tree of n leaves splits at the largest power of two below n; the empty tree's root is
// SHA-256 of nothing.
namespace velocity::audit::merkle {

Hash node_hash(const Hash& left, const Hash& right);
Hash empty_root();

// The compact range [0, size) of a tree: one perfect subtree root per set bit of `size`, largest
// (leftmost) first. Appending a leaf or signing a root costs O(log size), so a log never rehashes
// its past to sign a new tree head.
class Frontier {
public:
  Frontier() = default;

  // The frontier stored as `nodes` (concatenated 32-byte hashes); nothing when their count does
  // not match `size`.
  static std::optional<Frontier> from_bytes(uint64_t size, std::string_view nodes);
  std::string to_bytes() const;

  uint64_t size() const noexcept { return m_size; }
  const std::vector<Hash>& nodes() const noexcept { return m_nodes; }

  void append(const Hash& leaf) { append_subtree(leaf, 0); }
  // Appends the root of a perfect subtree of 2^level leaves; size() must be a multiple of it.
  void append_subtree(const Hash& root, unsigned level);
  // The RFC 9162 root of the leaves so far.
  Hash root() const;

  bool operator==(const Frontier& other) const = default;

private:
  uint64_t m_size = 0;
  std::vector<Hash> m_nodes;
};

// The root of the perfect-or-not subtree over `leaves` (RFC 9162 MTH).
Hash root_of(std::span<const Hash> leaves);

// The RFC 9162 inclusion path of leaf `index` in the tree of `leaves` (section 2.1.3.1).
std::vector<Hash> inclusion_path(uint64_t index, std::span<const Hash> leaves);

// Checks an inclusion path (RFC 9162 section 2.1.3.2): true when `leaf` is leaf `index` of the
// tree of `size` leaves whose root is `root`.
bool verify_inclusion(uint64_t index, uint64_t size, const Hash& leaf, std::span<const Hash> path,
                      const Hash& root);

// The levels of the subtrees that cover leaves [begin, end) left to right, each aligned to its
// own size: the shape of the nodes a slice's verifier adds after the leaves it has.
std::vector<unsigned> range_levels(uint64_t begin, uint64_t end);

// The roots of those subtrees, computed from the leaves [begin, end) given in `leaves`.
std::vector<Hash> range_nodes(uint64_t begin, std::span<const Hash> leaves);

} // namespace velocity::audit::merkle
