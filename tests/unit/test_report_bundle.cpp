#include "fixture_files.hpp"

#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/report/archive.hpp>
#include <velocity/report/bundle.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <sstream>

using namespace velocity;
using namespace velocity::report;

namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir()
    : path(std::filesystem::temp_directory_path() /
           ("velocity-report-" + crypto::to_hex(crypto::random_bytes(6)))) {
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

BundleInfo sample_info() {
  BundleInfo info;
  info.organization = "acme";
  info.framework = "soc2";
  info.period_from = "2026-01-01T00:00:00.000Z";
  info.period_to = "2026-03-31T23:59:59.999Z";
  info.created_at = "2026-04-01T08:00:00.000Z";
  info.tool = "velocity test";
  return info;
}

// A bundle with a few members of each kind the real one has.
std::filesystem::path make_bundle(const std::filesystem::path& dir, const crypto::SigningKey& key,
                                  const std::string& name = "acme-soc2.tar.gz") {
  const auto path = dir / name;
  BundleWriter writer(path, "2026-04-01T08:00:00.000Z");
  writer.add("report.md", "# SOC 2 report\n\nScore: 72\n");
  writer.add("report.json", R"({"score":72})");
  writer.add("evidence/1.json", R"({"id":1,"type":"s3_bucket"})");
  writer.add("evidence/2.json", R"({"id":2,"type":"iam_user"})");
  writer.add("audit/events.jsonl", "{\"type\":\"audit_export\"}\n");
  writer.finish(sample_info(), key);
  return path;
}

using Members = std::vector<ArchiveMember>;

// Copies `from` to `to` through `change`, member by member, as a hostile re-packer would.
void rewrite(const std::filesystem::path& from, const std::filesystem::path& to,
             const std::function<void(Members&)>& change,
             const std::function<void(TarGzWriter&)>& extra = {}) {
  Members members = read_all(from);
  change(members);
  std::string bytes;
  TarGzWriter writer([&bytes](std::string_view piece) { bytes.append(piece); }, 1'700'000'000);
  for (const ArchiveMember& member : members) {
    writer.add_file(member.entry.path, member.content);
  }
  if (extra) {
    extra(writer);
  }
  writer.close();
  fs::write_file_atomic(to, bytes, fs::Mode::private_file);
}

bool names(const VerifyResult& result, std::string_view path) {
  return std::any_of(result.problems.begin(), result.problems.end(), [&](const Problem& problem) {
    return problem.path == path || problem.message.find(path) != std::string::npos;
  });
}

std::string describe(const VerifyResult& result) {
  std::string text;
  for (const auto& problem : result.problems) {
    text += problem.path + ": " + problem.message + "\n";
  }
  return text;
}

} // namespace

TEST_CASE("verify_bundle") {
  TempDir temp;
  const auto key = crypto::SigningKey::generate();
  const auto bundle = make_bundle(temp.path, key);
  const auto tampered = temp.path / "tampered.tar.gz";

  SUBCASE("an untouched bundle verifies with the bundle's key and with the given key") {
    const auto inside = verify_bundle(bundle, std::nullopt);
    CHECK_MESSAGE(inside.valid(), describe(inside));
    CHECK(inside.key_source == KeySource::bundle);
    CHECK(inside.key_fingerprint == key.verify_key().fingerprint());
    CHECK(inside.members == 9);
    REQUIRE(inside.manifest);
    CHECK(inside.manifest->info.organization == "acme");
    CHECK(inside.manifest->files.size() == 7);

    const auto given = verify_bundle(bundle, key.verify_key());
    CHECK(given.valid());
    CHECK(given.key_source == KeySource::given);
  }

  SUBCASE("the bundle file is private and its entries are in a fixed order") {
    CHECK(fs::permissions_of(bundle) == 0600);
    const auto members = read_all(bundle);
    REQUIRE(members.size() == 9);
    const std::vector<std::string> expected = {
      "manifest.json", "manifest.sig",    "public-key.pem",  "VERIFY.md",         "report.md",
      "report.json",   "evidence/1.json", "evidence/2.json", "audit/events.jsonl"};
    for (size_t i = 0; i < members.size(); ++i) {
      CHECK(members[i].entry.path == expected[i]);
    }
    CHECK(members[1].content.size() == 64);
    CHECK(key.verify_key().verify(members[0].content, members[1].content));
    // The manifest lists the members in the order the archive holds them.
    const Manifest manifest = parse_manifest(members[0].content, 100);
    REQUIRE(manifest.files.size() == 7);
    for (size_t i = 0; i < manifest.files.size(); ++i) {
      CHECK(manifest.files[i].path == expected[i + 2]);
      CHECK(manifest.files[i].size == std::ssize(members[i + 2].content));
    }
  }

  SUBCASE("a byte flipped in any member is found and the member named") {
    const auto members = read_all(bundle);
    for (const auto& target : members) {
      CAPTURE(target.entry.path);
      for (const size_t where : {size_t{0}, target.content.size() / 2, target.content.size() - 1}) {
        rewrite(bundle, tampered, [&](Members& all) {
          for (auto& member : all) {
            if (member.entry.path == target.entry.path) {
              member.content[where] = static_cast<char>(member.content[where] ^ 0x01);
            }
          }
        });
        for (const bool trusted : {false, true}) {
          const auto result =
            verify_bundle(tampered, trusted ? std::optional(key.verify_key()) : std::nullopt);
          CHECK_FALSE(result.valid());
          CHECK_MESSAGE(names(result, target.entry.path), describe(result));
        }
      }
    }
  }

  SUBCASE("a member added is named as extra") {
    rewrite(bundle, tampered, [](Members& all) {
      all.push_back({{"evidence/3.json", EntryType::regular, 2, {}}, "{}"});
    });
    const auto result = verify_bundle(tampered, key.verify_key());
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].path == "evidence/3.json");
    CHECK(result.problems[0].message.find("extra") != std::string::npos);
  }

  SUBCASE("a member removed is named as missing") {
    rewrite(bundle, tampered, [](Members& all) {
      std::erase_if(all, [](const auto& m) { return m.entry.path == "evidence/1.json"; });
    });
    const auto result = verify_bundle(tampered, key.verify_key());
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].path == "evidence/1.json");
    CHECK(result.problems[0].message.find("missing") != std::string::npos);
  }

  SUBCASE("the manifest or its signature removed") {
    for (const std::string gone : {"manifest.json", "manifest.sig"}) {
      rewrite(bundle, tampered, [&](Members& all) {
        std::erase_if(all, [&](const auto& m) { return m.entry.path == gone; });
      });
      const auto result = verify_bundle(tampered, key.verify_key());
      CHECK_FALSE(result.valid());
      CHECK(names(result, gone));
    }
  }

  SUBCASE("the signature replaced") {
    rewrite(bundle, tampered, [](Members& all) {
      for (auto& member : all) {
        if (member.entry.path == "manifest.sig") {
          member.content = crypto::random_bytes(64);
        }
      }
    });
    for (const bool trusted : {false, true}) {
      const auto result =
        verify_bundle(tampered, trusted ? std::optional(key.verify_key()) : std::nullopt);
      REQUIRE(result.problems.size() == 1);
      CHECK(result.problems[0].path == "manifest.sig");
    }
  }

  SUBCASE("the manifest edited and re-signed with another key") {
    const auto other = crypto::SigningKey::generate();
    // A careful forger: edits the manifest, swaps the key inside and fixes its digest.
    const auto forge = [&](bool replace_key) {
      rewrite(bundle, tampered, [&](Members& all) {
        const std::string pem = other.verify_key().to_pem();
        Manifest manifest;
        for (auto& member : all) {
          if (member.entry.path == "manifest.json") {
            manifest = parse_manifest(member.content, 100);
          }
        }
        manifest.info.organization = "evil";
        if (replace_key) {
          manifest.key_fingerprint = other.verify_key().fingerprint();
          for (auto& file : manifest.files) {
            if (file.path == "public-key.pem") {
              file.size = static_cast<int64_t>(pem.size());
              file.sha256 = crypto::to_hex(crypto::sha256(pem));
            }
          }
        }
        const std::string bytes = manifest_bytes(manifest);
        for (auto& member : all) {
          if (member.entry.path == "manifest.json") {
            member.content = bytes;
          } else if (member.entry.path == "manifest.sig") {
            member.content = other.sign(bytes);
          } else if (replace_key && member.entry.path == "public-key.pem") {
            member.content = pem;
          }
        }
      });
    };
    forge(false);
    auto result = verify_bundle(tampered, key.verify_key());
    CHECK(names(result, "manifest.sig"));
    result = verify_bundle(tampered, std::nullopt);
    CHECK(names(result, "manifest.sig"));

    // With the key inside replaced too, only the organisation's own key tells: the bundle's own
    // key proves integrity, not origin, and the result says whose key it was.
    forge(true);
    result = verify_bundle(tampered, key.verify_key());
    CHECK(names(result, "manifest.sig"));
    CHECK(names(result, "public-key.pem"));
    result = verify_bundle(tampered, std::nullopt);
    CHECK(result.valid());
    CHECK(result.key_source == KeySource::bundle);
    CHECK(result.key_fingerprint == other.verify_key().fingerprint());
    CHECK(result.key_fingerprint != key.verify_key().fingerprint());
  }

  SUBCASE("a '..' entry is refused and named") {
    rewrite(
      bundle, tampered, [](Members&) {},
      [](TarGzWriter& writer) { writer.add_file("../outside.txt", "x"); });
    const auto result = verify_bundle(tampered, key.verify_key());
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].path == "../outside.txt");
    CHECK(result.problems[0].message.find("..") != std::string::npos);
  }

  SUBCASE("hidden traversal and absolute paths are refused") {
    for (const std::string bad : {"evidence/../../etc/passwd", "/etc/passwd", "./report.md",
                                  "evidence//1.json", "a\\b", "tab\there"}) {
      CAPTURE(bad);
      rewrite(
        bundle, tampered, [](Members&) {}, [&](TarGzWriter& writer) { writer.add_file(bad, "x"); });
      const auto result = verify_bundle(tampered, key.verify_key());
      REQUIRE(result.problems.size() == 1);
      CHECK(result.problems[0].message.find("refused") != std::string::npos);
    }
  }

  SUBCASE("a symlink entry is refused and named") {
    rewrite(
      bundle, tampered, [](Members&) {},
      [](TarGzWriter& writer) { writer.add_symlink("evidence/link.json", "/etc/passwd"); });
    const auto result = verify_bundle(tampered, key.verify_key());
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].path == "evidence/link.json");
    CHECK(result.problems[0].message.find("symbolic link") != std::string::npos);
  }

  SUBCASE("hard links, devices and directories are refused") {
    const std::vector<std::pair<std::function<void(TarGzWriter&)>, std::string>> cases = {
      {[](TarGzWriter& w) { w.add_hardlink("evidence/hard.json", "report.md"); }, "hard link"},
      {[](TarGzWriter& w) { w.add_device("evidence/null"); }, "device"},
      {[](TarGzWriter& w) { w.add_directory("evidence"); }, "directory"},
    };
    for (const auto& [add, kind] : cases) {
      const std::string& what = kind; // CAPTURE cannot capture a structured binding
      CAPTURE(what);
      rewrite(
        bundle, tampered, [](Members&) {}, add);
      const auto result = verify_bundle(tampered, key.verify_key());
      REQUIRE(result.problems.size() == 1);
      CHECK(result.problems[0].message.find(what) != std::string::npos);
    }
  }

  SUBCASE("a member twice is refused") {
    rewrite(
      bundle, tampered, [](Members&) {},
      [](TarGzWriter& writer) { writer.add_file("report.md", "# forged\n"); });
    const auto result = verify_bundle(tampered, key.verify_key());
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].path == "report.md");
  }

  // A copy of the bundle with `zeros` zero bytes in place of the content of `target`.
  const auto inflate = [&](std::string_view target, size_t zeros) {
    rewrite(bundle, tampered, [&](Members& all) {
      for (auto& member : all) {
        if (member.entry.path == target) {
          member.content.assign(zeros, '\0');
        }
      }
    });
  };

  SUBCASE("a member larger than the manifest lists is refused before it is inflated") {
    inflate("report.md", size_t{8} << 20);
    CHECK(std::filesystem::file_size(tampered) < 100'000);
    const auto result = verify_bundle(tampered, key.verify_key());
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].path == "report.md");
    CHECK(result.problems[0].message ==
          "refused: the archive holds 8388608 bytes for it, manifest.json lists 26 "
          "(decompression bomb?)");
    CHECK(result.bytes < 8192); // the manifest, its signature, the key and VERIFY.md
  }

  SUBCASE("entries the manifest does not list have a small allowance in all") {
    rewrite(
      bundle, tampered, [](Members&) {},
      [](TarGzWriter& writer) {
        writer.add_file("evidence/3.json", std::string(40 << 10, ' '));
        writer.add_file("evidence/4.json", std::string(40 << 10, ' '));
      });
    const auto result = verify_bundle(tampered, key.verify_key());
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].path == "evidence/4.json");
    CHECK(result.problems[0].message.find("not listed in manifest.json, and its 40960 bytes pass "
                                          "the 64 KiB allowed") != std::string::npos);
  }

  SUBCASE("a member past the limit for one member is refused by its header") {
    inflate("report.md", size_t{2} << 20);
    VerifyLimits limits;
    limits.max_member_bytes = 1 << 20;
    const auto result = verify_bundle(tampered, key.verify_key(), limits);
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].path == "report.md");
    CHECK(result.problems[0].message.find("more than the limit of 1048576 for one member") !=
          std::string::npos);
  }

  SUBCASE("a manifest that lists more than the limit in all is refused before any member") {
    VerifyLimits limits;
    limits.max_total_bytes = 64;
    const auto result = verify_bundle(bundle, key.verify_key(), limits);
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].path == "manifest.json");
    CHECK(result.problems[0].message.find("more than the limit of 64 bytes") != std::string::npos);
    CHECK(result.members == 1);
  }

  SUBCASE("a manifest at the end (older bundles) verifies; the entries before it are bounded") {
    const auto manifest_last = [](Members& all) {
      std::stable_partition(all.begin(), all.end(), [](const ArchiveMember& member) {
        return member.entry.path != "manifest.json" && member.entry.path != "manifest.sig";
      });
    };
    rewrite(bundle, tampered, manifest_last);
    const auto intact = verify_bundle(tampered, key.verify_key());
    CHECK_MESSAGE(intact.valid(), describe(intact));

    VerifyLimits limits;
    limits.max_bytes_before_manifest = 1 << 20;
    CHECK(verify_bundle(tampered, key.verify_key(), limits).valid());
    const auto copy = temp.path / "copy.tar.gz";
    rewrite(tampered, copy, [](Members& all) {
      for (auto& member : all) {
        if (member.entry.path == "evidence/2.json") {
          member.content.assign(size_t{2} << 20, '\0');
        }
      }
    });
    const auto result = verify_bundle(copy, key.verify_key(), limits);
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].path == "evidence/2.json");
    CHECK(result.problems[0].message.find("manifest.json is not the first entry and the entries "
                                          "before it inflate past 1 MiB") != std::string::npos);
  }

  SUBCASE("a refused member with an altered manifest says the signature fails too") {
    rewrite(bundle, tampered, [](Members& all) {
      for (auto& member : all) {
        if (member.entry.path == "manifest.json") {
          const size_t at = member.content.find("\"size\":26,");
          REQUIRE(at != std::string::npos);
          member.content.replace(at, 10, "\"size\":20,");
        }
      }
    });
    const auto result = verify_bundle(tampered, key.verify_key());
    CHECK(describe(result) ==
          "report.md: refused: the archive holds 26 bytes for it, manifest.json lists 20 "
          "(decompression bomb?)\n"
          "manifest.sig: the signature of manifest.json does not verify under key " +
            key.verify_key().fingerprint() +
            ": the manifest or the signature was changed, or another key signed it\n");
  }

  SUBCASE("damaged, truncated or foreign files fail as integrity problems") {
    std::string bytes = read_fixture(bundle);
    std::string damaged = bytes;
    damaged[bytes.size() / 2] = static_cast<char>(damaged[bytes.size() / 2] ^ 0x40);
    fs::write_file_atomic(tampered, damaged, fs::Mode::private_file);
    CHECK_FALSE(verify_bundle(tampered, key.verify_key()).valid());
    fs::write_file_atomic(tampered, bytes.substr(0, bytes.size() / 2), fs::Mode::private_file);
    CHECK_FALSE(verify_bundle(tampered, key.verify_key()).valid());
    fs::write_file_atomic(tampered, "not a bundle at all\n", fs::Mode::private_file);
    const auto result = verify_bundle(tampered, key.verify_key());
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].path == "tampered.tar.gz");
  }

  SUBCASE("a missing file is a usage error") {
    CHECK_THROWS_AS(verify_bundle(temp.path / "nope.tar.gz", std::nullopt), UsageError);
  }
}

TEST_CASE("BundleWriter::add") {
  TempDir temp;
  BundleWriter writer(temp.path / "b.tar.gz", "2026-04-01T08:00:00.000Z");
  CHECK_THROWS_AS(writer.add("../x", ""), UsageError);
  CHECK_THROWS_AS(writer.add("/x", ""), UsageError);
  CHECK_THROWS_AS(writer.add("manifest.json", ""), UsageError);
  CHECK_THROWS_AS(writer.add("VERIFY.md", ""), UsageError);
  writer.add("a.txt", "a");
  CHECK_THROWS_AS(writer.add("a.txt", "b"), UsageError);
  CHECK(writer.size() == 1);
}

TEST_CASE("BundleWriter::~BundleWriter") {
  TempDir temp;
  SUBCASE("a bundle dropped before finish() leaves no file behind") {
    {
      BundleWriter writer(temp.path / "b.tar.gz", "2026-04-01T08:00:00.000Z");
      writer.add("a.txt", "a");
    }
    CHECK(std::filesystem::is_empty(temp.path));
  }
}

// The steps of VERIFY.md, each command line exactly as written, in one shell.
TEST_CASE("verify_instructions") {
  TempDir temp;
  const auto key = crypto::SigningKey::generate();
  const auto bundle = make_bundle(temp.path, key);

  const auto run_steps = [&](const std::filesystem::path& file) {
    const std::string text = read_fixture(temp.path / "VERIFY.md");
    std::istringstream lines(text);
    std::string script = "set -u\ncd '" + file.parent_path().string() + "'\n";
    std::string line;
    bool in_block = false;
    int commands = 0;
    while (std::getline(lines, line)) {
      if (line == "```sh") {
        in_block = true;
      } else if (line == "```") {
        in_block = false;
      } else if (in_block && !line.empty()) {
        script += line + "\nrc=$?; if [ $rc -ne 0 ]; then echo \"step failed ($rc)\"; exit 9; fi\n";
        ++commands;
      }
    }
    CHECK(commands == 8);
    fs::write_file_atomic(temp.path / "steps.sh", script, fs::Mode::private_file);
    const std::string command = "bash '" + (temp.path / "steps.sh").string() + "' > '" +
                                (temp.path / "steps.out").string() + "' 2>&1";
    const int status = std::system(command.c_str());
    return std::pair(WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                     read_fixture(temp.path / "steps.out"));
  };

  // VERIFY.md as the bundle holds it.
  for (const auto& member : read_all(bundle)) {
    if (member.entry.path == "VERIFY.md") {
      fs::write_file_atomic(temp.path / "VERIFY.md", member.content, fs::Mode::private_file);
    }
  }

  SUBCASE("every step passes on the bundle as written") {
    const auto result = run_steps(bundle);
    const int rc = result.first;
    const std::string& out = result.second;
    CHECK_MESSAGE(rc == 0, out);
    CHECK(out.find("Signature Verified Successfully") != std::string::npos);
    CHECK(out.find("files: every digest matches") != std::string::npos);
    CHECK(out.find("members: none missing, none added") != std::string::npos);
    CHECK(out.find(key.verify_key().fingerprint().substr(7)) != std::string::npos);
  }

  const auto tamper_and_run = [&](const std::function<void(Members&)>& change,
                                  const std::function<void(TarGzWriter&)>& extra = {}) {
    const auto copy = temp.path / "copy.tar.gz";
    std::filesystem::copy_file(bundle, copy);
    rewrite(copy, bundle, change, extra);
    std::filesystem::remove_all(temp.path / "acme-soc2.verify");
    std::filesystem::remove(temp.path / "acme-soc2.expected");
    std::filesystem::remove(copy);
    return run_steps(bundle);
  };

  SUBCASE("a changed file fails the sha256sum step") {
    const auto [rc, out] = tamper_and_run([](Members& all) {
      for (auto& m : all) {
        if (m.entry.path == "evidence/2.json") {
          m.content[3] = 'X';
        }
      }
    });
    CHECK(rc == 9);
    CHECK(out.find("evidence/2.json: FAILED") != std::string::npos);
  }
  SUBCASE("a changed manifest fails the openssl step") {
    const auto [rc, out] = tamper_and_run([](Members& all) {
      for (auto& m : all) {
        if (m.entry.path == "manifest.json") {
          m.content.replace(m.content.find("acme"), 4, "evil");
        }
      }
    });
    CHECK(rc == 9);
    CHECK(out.find("Signature Verification Failure") != std::string::npos);
  }
  SUBCASE("an added file fails the members step") {
    const auto [rc, out] = tamper_and_run([](Members& all) {
      all.push_back({{"extra.txt", EntryType::regular, 1, {}}, "x"});
    });
    CHECK(rc == 9);
    CHECK(out.find("> extra.txt") != std::string::npos);
  }
  SUBCASE("a symlink fails the first step") {
    const auto [rc, out] = tamper_and_run(
      [](Members&) {}, [](TarGzWriter& w) { w.add_symlink("evidence/l.json", "/etc/passwd"); });
    CHECK(rc == 9);
    CHECK(out.find("entries:") == std::string::npos);
  }
}

TEST_CASE("TarGzWriter") {
  TempDir temp;
  const auto write = [](std::string& bytes, TarGzOptions options,
                        const std::vector<std::pair<std::string, std::string>>& files) {
    TarGzWriter writer([&bytes](std::string_view piece) { bytes.append(piece); }, 1'700'000'000,
                       options);
    for (const auto& [path, content] : files) {
      writer.add_file(path, content);
    }
    writer.close();
  };
  const auto paths_and_contents = [](const std::filesystem::path& file) {
    std::vector<std::pair<std::string, std::string>> found;
    for (const ArchiveMember& member : read_all(file)) {
      found.emplace_back(member.entry.path, member.content);
    }
    return found;
  };
  const std::vector<std::pair<std::string, std::string>> head = {{"a.txt", "first\n"},
                                                                 {"b.txt", std::string(700, 'b')}};
  const std::vector<std::pair<std::string, std::string>> rest = {
    {"c.txt", std::string(3 << 20, 'c')}, {"d/e.txt", ""}, {"f.txt", "last"}};

  SUBCASE("a continued archive and a whole one after it read as one archive") {
    std::string bytes;
    write(bytes, {.end = ArchiveEnd::continued}, head);
    write(bytes, {.end = ArchiveEnd::end_of_archive, .background = true}, rest);
    fs::write_file_atomic(temp.path / "joined.tar.gz", bytes, fs::Mode::private_file);
    auto expected = head;
    expected.insert(expected.end(), rest.begin(), rest.end());
    CHECK(paths_and_contents(temp.path / "joined.tar.gz") == expected);
    // tar(1) reads it as one archive too, up to the last entry.
    const std::string listing = (temp.path / "listing.txt").string();
    REQUIRE(
      std::system(
        ("tar tzf '" + (temp.path / "joined.tar.gz").string() + "' > '" + listing + "'").c_str()) ==
      0);
    CHECK(read_fixture(listing) == "a.txt\nb.txt\nc.txt\nd/e.txt\nf.txt\n");
  }

  SUBCASE("compressing in the background writes the same archive") {
    std::string direct;
    std::string background;
    write(direct, {}, rest);
    write(background, {.background = true}, rest);
    fs::write_file_atomic(temp.path / "direct.tar.gz", direct, fs::Mode::private_file);
    fs::write_file_atomic(temp.path / "background.tar.gz", background, fs::Mode::private_file);
    CHECK(paths_and_contents(temp.path / "background.tar.gz") ==
          paths_and_contents(temp.path / "direct.tar.gz"));
  }

  SUBCASE("a sink that fails stops the background writer with its error") {
    TarGzWriter writer([](std::string_view) { throw StateError("disk full"); }, 1'700'000'000,
                       {.background = true});
    CHECK_THROWS_WITH_AS(
      {
        writer.add_file("c.txt", std::string(8 << 20, 'c'));
        writer.close();
      },
      "disk full", StateError);
  }
}
