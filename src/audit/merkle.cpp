#include <velocity/audit/merkle.hpp>

#include <bit>
#include <cstring>

namespace velocity::audit::merkle {

namespace {

constexpr size_t k_hash_size = std::tuple_size_v<Hash>;

// The largest power of two strictly below `n` (n >= 2).
uint64_t split_point(uint64_t n) {
  return std::bit_floor(n - 1);
}

} // namespace

Hash node_hash(const Hash& left, const Hash& right) {
  std::array<char, 1 + 2 * k_hash_size> buffer{};
  buffer[0] = 0x01;
  std::memcpy(buffer.data() + 1, left.data(), k_hash_size);
  std::memcpy(buffer.data() + 1 + k_hash_size, right.data(), k_hash_size);
  return crypto::sha256(std::string_view(buffer.data(), buffer.size()));
}

Hash empty_root() {
  return crypto::sha256("");
}

std::optional<Frontier> Frontier::from_bytes(uint64_t size, std::string_view nodes) {
  if (nodes.size() != static_cast<size_t>(std::popcount(size)) * k_hash_size) {
    return std::nullopt;
  }
  Frontier frontier;
  frontier.m_size = size;
  for (size_t at = 0; at < nodes.size(); at += k_hash_size) {
    Hash node{};
    std::memcpy(node.data(), nodes.data() + at, k_hash_size);
    frontier.m_nodes.push_back(node);
  }
  return frontier;
}

std::string Frontier::to_bytes() const {
  std::string out;
  out.reserve(m_nodes.size() * k_hash_size);
  for (const Hash& node : m_nodes) {
    out.append(reinterpret_cast<const char*>(node.data()), node.size());
  }
  return out;
}

void Frontier::append_subtree(const Hash& root, unsigned level) {
  // Each set bit of size, from `level` up, is a subtree of that height at the back to merge with.
  Hash carry = root;
  for (uint64_t bits = m_size >> level; (bits & 1U) != 0; bits >>= 1) {
    carry = node_hash(m_nodes.back(), carry);
    m_nodes.pop_back();
  }
  m_nodes.push_back(carry);
  m_size += uint64_t{1} << level;
}

Hash Frontier::root() const {
  if (m_nodes.empty()) {
    return empty_root();
  }
  Hash acc = m_nodes.back();
  for (size_t i = m_nodes.size() - 1; i > 0; --i) {
    acc = node_hash(m_nodes[i - 1], acc);
  }
  return acc;
}

Hash root_of(std::span<const Hash> leaves) {
  if (leaves.empty()) {
    return empty_root();
  }
  Frontier frontier;
  for (const Hash& leaf : leaves) {
    frontier.append(leaf);
  }
  return frontier.root();
}

std::vector<Hash> inclusion_path(uint64_t index, std::span<const Hash> leaves) {
  std::vector<Hash> path;
  uint64_t m = index;
  std::span<const Hash> tree = leaves;
  // Walk down from the root, collecting each sibling subtree's root; the path lists them from
  // the leaf up, so they are gathered in reverse.
  std::vector<Hash> reversed;
  while (tree.size() > 1) {
    const uint64_t k = split_point(tree.size());
    if (m < k) {
      reversed.push_back(root_of(tree.subspan(k)));
      tree = tree.first(k);
    } else {
      reversed.push_back(root_of(tree.first(k)));
      tree = tree.subspan(k);
      m -= k;
    }
  }
  path.assign(reversed.rbegin(), reversed.rend());
  return path;
}

bool verify_inclusion(uint64_t index, uint64_t size, const Hash& leaf, std::span<const Hash> path,
                      const Hash& root) {
  if (index >= size) {
    return false;
  }
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : path) {
    if (sn == 0) {
      return false;
    }
    if ((fn & 1U) != 0 || fn == sn) {
      r = node_hash(p, r);
      while ((fn & 1U) == 0 && fn != 0) {
        fn >>= 1U;
        sn >>= 1U;
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1U;
    sn >>= 1U;
  }
  return sn == 0 && r == root;
}

std::vector<unsigned> range_levels(uint64_t begin, uint64_t end) {
  std::vector<unsigned> levels;
  while (begin < end) {
    unsigned level = begin == 0 ? 63U : static_cast<unsigned>(std::countr_zero(begin));
    while ((uint64_t{1} << level) > end - begin) {
      --level;
    }
    levels.push_back(level);
    begin += uint64_t{1} << level;
  }
  return levels;
}

std::vector<Hash> range_nodes(uint64_t begin, std::span<const Hash> leaves) {
  std::vector<Hash> nodes;
  size_t at = 0;
  for (const unsigned level : range_levels(begin, begin + leaves.size())) {
    const size_t count = size_t{1} << level;
    nodes.push_back(root_of(leaves.subspan(at, count)));
    at += count;
  }
  return nodes;
}

} // namespace velocity::audit::merkle
