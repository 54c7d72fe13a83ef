#include <velocity/audit/merkle.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace velocity;
using namespace velocity::audit;

namespace {

// The Certificate Transparency reference leaves and the RFC 6962 roots of their first n.
const std::vector<std::string> k_leaves = {
  "",
  std::string(1, '\0'),
  "\x10",
  "\x20\x21",
  "\x30\x31",
  "\x40\x41\x42\x43",
  "\x50\x51\x52\x53\x54\x55\x56\x57",
  "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"};
const std::vector<std::string> k_roots = {
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

std::vector<Hash> reference_leaves() {
  std::vector<Hash> leaves;
  for (const std::string& data : k_leaves) {
    leaves.push_back(event_hash(data));
  }
  return leaves;
}

std::vector<Hash> many_leaves(size_t count) {
  std::vector<Hash> leaves;
  for (size_t i = 0; i < count; ++i) {
    leaves.push_back(event_hash("leaf " + std::to_string(i)));
  }
  return leaves;
}

std::vector<std::string> hexes(const std::vector<Hash>& hashes) {
  std::vector<std::string> out;
  for (const Hash& hash : hashes) {
    out.push_back(hex(hash));
  }
  return out;
}

} // namespace

TEST_CASE("Frontier::root") {
  const auto leaves = reference_leaves();
  SUBCASE("matches the RFC 6962 reference roots for every size 0..8") {
    merkle::Frontier frontier;
    CHECK(hex(frontier.root()) == k_roots[0]);
    for (size_t n = 1; n <= leaves.size(); ++n) {
      frontier.append(leaves[n - 1]);
      CHECK(hex(frontier.root()) == k_roots[n]);
      CHECK(hex(merkle::root_of(std::span(leaves).first(n))) == k_roots[n]);
    }
  }
  SUBCASE("round-trips through its stored bytes") {
    merkle::Frontier frontier;
    for (const Hash& leaf : many_leaves(1000)) {
      frontier.append(leaf);
    }
    CHECK(frontier.nodes().size() == 6); // 1000 = 0b1111101000
    const auto back = merkle::Frontier::from_bytes(1000, frontier.to_bytes());
    REQUIRE(back);
    CHECK(*back == frontier);
    CHECK_FALSE(merkle::Frontier::from_bytes(1001, frontier.to_bytes()));
  }
}

TEST_CASE("Frontier::append_subtree") {
  // A slice's verifier adds the subtree roots of the events after it: the root is the same.
  const auto leaves = many_leaves(77);
  for (uint64_t cut : {0U, 1U, 13U, 32U, 64U, 76U}) {
    merkle::Frontier frontier;
    for (uint64_t i = 0; i < cut; ++i) {
      frontier.append(leaves[i]);
    }
    const auto rest = std::span(leaves).subspan(cut);
    const auto nodes = merkle::range_nodes(cut, rest);
    const auto levels = merkle::range_levels(cut, leaves.size());
    REQUIRE(nodes.size() == levels.size());
    for (size_t i = 0; i < nodes.size(); ++i) {
      frontier.append_subtree(nodes[i], levels[i]);
    }
    CHECK(frontier.size() == leaves.size());
    CHECK(frontier.root() == merkle::root_of(leaves));
  }
}

TEST_CASE("inclusion_path") {
  const auto leaves = reference_leaves();
  SUBCASE("matches the RFC 6962 reference paths") {
    CHECK(
      hexes(merkle::inclusion_path(0, leaves)) ==
      std::vector<std::string>{"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                               "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                               "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"});
    CHECK(
      hexes(merkle::inclusion_path(5, leaves)) ==
      std::vector<std::string>{"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                               "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                               "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"});
  }
  SUBCASE("every leaf of every tree size verifies, and a wrong leaf, index or root does not") {
    const auto many = many_leaves(37);
    for (size_t n = 1; n <= many.size(); ++n) {
      const auto tree = std::span(many).first(n);
      const Hash root = merkle::root_of(tree);
      for (size_t i = 0; i < n; ++i) {
        const auto path = merkle::inclusion_path(i, tree);
        CHECK(merkle::verify_inclusion(i, n, tree[i], path, root));
        CHECK_FALSE(merkle::verify_inclusion(i, n, event_hash("other"), path, root));
        if (n > 1) {
          CHECK_FALSE(merkle::verify_inclusion((i + 1) % n, n, tree[i], path, root));
        }
        CHECK_FALSE(merkle::verify_inclusion(i, n, tree[i], path, event_hash("another root")));
      }
    }
  }
}
