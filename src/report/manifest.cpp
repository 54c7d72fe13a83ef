#include <velocity/core/error.hpp>
#include <velocity/report/manifest.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <limits>
#include <set>

namespace velocity::report {

namespace {

constexpr size_t k_max_path = 255;

bool path_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == '+' || c == '@' || c == '=' || c == ',';
}

bool is_hex64(std::string_view text) {
  if (text.size() != 64) {
    return false;
  }
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

std::string json_string(std::string_view text) {
  return nlohmann::json(std::string(text)).dump();
}

std::string json_optional(const std::optional<std::string>& text) {
  return text ? json_string(*text) : std::string("null");
}

[[noreturn]] void bad_manifest(std::string_view what) {
  throw IntegrityError(fmt::format("manifest.json: {}", what),
                       "the manifest was damaged or was not written by velocity");
}

std::string string_field(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_string()) {
    bad_manifest(fmt::format("field \"{}\" is missing or is not a string", name));
  }
  return it->get<std::string>();
}

std::optional<std::string> optional_string_field(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    return std::nullopt;
  }
  if (!it->is_string()) {
    bad_manifest(fmt::format("field \"{}\" is not a string", name));
  }
  return it->get<std::string>();
}

// A shell word for `text`: as is when it is plain, otherwise single-quoted.
std::string shell_word(std::string_view text) {
  bool plain = !text.empty();
  for (const char c : text) {
    plain = plain && (path_char(c) || c == '/');
  }
  if (plain) {
    return std::string(text);
  }
  std::string quoted = "'";
  for (const char c : text) {
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return quoted + "'";
}

} // namespace

std::optional<std::string> unsafe_path_reason(std::string_view path) {
  if (path.empty()) {
    return "the name is empty";
  }
  if (path.size() > k_max_path) {
    return fmt::format("the name is longer than {} bytes", k_max_path);
  }
  if (path.front() == '/') {
    return "an absolute path";
  }
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const std::string_view part =
      path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part == "..") {
      return "a '..' component (path traversal)";
    }
    if (part.empty() || part == ".") {
      return "an empty or '.' component";
    }
    for (const char c : part) {
      if (!path_char(c)) {
        return fmt::format("a character outside [A-Za-z0-9._+@=,-] (byte 0x{:02x})",
                           static_cast<unsigned char>(c));
      }
    }
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  return std::nullopt;
}

std::string manifest_bytes(const Manifest& manifest) {
  std::string out = "{\n";
  out += fmt::format("  \"format\": {},\n", json_string(k_bundle_format));
  out += fmt::format("  \"format_version\": {},\n", k_bundle_format_version);
  out += fmt::format("  \"organization\": {},\n", json_string(manifest.info.organization));
  out += fmt::format("  \"framework\": {},\n", json_string(manifest.info.framework));
  out +=
    fmt::format("  \"period\": {{\"from\": {}, \"to\": {}}},\n",
                json_optional(manifest.info.period_from), json_optional(manifest.info.period_to));
  out += fmt::format("  \"created_at\": {},\n", json_string(manifest.info.created_at));
  out += fmt::format("  \"tool\": {},\n", json_string(manifest.info.tool));
  out += fmt::format("  \"key_fingerprint\": {},\n", json_string(manifest.key_fingerprint));
  out += "  \"files\": [\n";
  for (size_t i = 0; i < manifest.files.size(); ++i) {
    const ManifestFile& file = manifest.files[i];
    // Paths are plain (unsafe_path_reason), so they need no escaping and sed reads them as is.
    out += fmt::format("    {{\"path\":\"{}\",\"size\":{},\"sha256\":\"{}\"}}{}\n", file.path,
                       file.size, file.sha256, i + 1 < manifest.files.size() ? "," : "");
  }
  out += "  ]\n}\n";
  return out;
}

Manifest parse_manifest(std::string_view bytes, size_t max_files) {
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(bytes);
  } catch (const nlohmann::json::exception& e) {
    bad_manifest(fmt::format("not valid JSON ({})", e.what()));
  }
  if (!root.is_object()) {
    bad_manifest("not a JSON object");
  }
  if (string_field(root, "format") != k_bundle_format) {
    bad_manifest(fmt::format("\"format\" is not \"{}\"", k_bundle_format));
  }
  const auto version = root.find("format_version");
  if (version == root.end() || !version->is_number_integer()) {
    bad_manifest("\"format_version\" is missing");
  }
  if (version->get<int64_t>() != k_bundle_format_version) {
    throw IntegrityError(
      fmt::format("manifest.json: bundle format version {} is not supported (this velocity reads "
                  "version {})",
                  version->get<int64_t>(), k_bundle_format_version),
      "use the velocity release that made the bundle, or follow its VERIFY.md");
  }
  Manifest manifest;
  manifest.info.organization = string_field(root, "organization");
  manifest.info.framework = string_field(root, "framework");
  const auto period = root.find("period");
  if (period == root.end() || !period->is_object()) {
    bad_manifest("\"period\" is missing");
  }
  manifest.info.period_from = optional_string_field(*period, "from");
  manifest.info.period_to = optional_string_field(*period, "to");
  manifest.info.created_at = string_field(root, "created_at");
  manifest.info.tool = string_field(root, "tool");
  manifest.key_fingerprint = string_field(root, "key_fingerprint");

  const auto files = root.find("files");
  if (files == root.end() || !files->is_array()) {
    bad_manifest("\"files\" is missing or is not a list");
  }
  if (files->size() > max_files) {
    bad_manifest(
      fmt::format("it lists {} files, more than the limit of {}", files->size(), max_files));
  }
  std::set<std::string, std::less<>> seen;
  manifest.files.reserve(files->size());
  for (const auto& item : *files) {
    if (!item.is_object() || item.size() != 3) {
      bad_manifest("a \"files\" entry is not {path, size, sha256}");
    }
    ManifestFile file;
    file.path = string_field(item, "path");
    const auto size = item.find("size");
    if (size == item.end() || !size->is_number_unsigned()) {
      bad_manifest(fmt::format("the size of {} is missing or negative", file.path));
    }
    if (size->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      bad_manifest(fmt::format("the size of {} is out of range", file.path));
    }
    file.size = static_cast<int64_t>(size->get<uint64_t>());
    file.sha256 = string_field(item, "sha256");
    if (const auto reason = unsafe_path_reason(file.path)) {
      bad_manifest(fmt::format("it lists an unsafe path \"{}\": {}", file.path, *reason));
    }
    if (file.path == k_manifest_path || file.path == k_signature_path) {
      bad_manifest(fmt::format("it lists {}, which cannot cover itself", file.path));
    }
    if (!is_hex64(file.sha256)) {
      bad_manifest(fmt::format("the sha256 of {} is not 64 lower-case hex digits", file.path));
    }
    if (!seen.insert(file.path).second) {
      bad_manifest(fmt::format("it lists {} twice", file.path));
    }
    manifest.files.push_back(std::move(file));
  }
  return manifest;
}

std::string_view checksum_sed_command() {
  return R"sed(sed -n 's/^ *{"path":"\([^"]*\)","size":[0-9]*,"sha256":"\([0-9a-f]\{64\}\)"},\{0,1\}$/\2  \1/p' manifest.json)sed";
}

std::string verify_instructions(const Manifest& manifest, std::string_view bundle_name) {
  const BundleInfo& info = manifest.info;
  const std::string bundle = shell_word(bundle_name);
  std::string stem(bundle_name);
  for (const std::string_view suffix : {".tar.gz", ".tgz"}) {
    if (stem.size() > suffix.size() && stem.ends_with(suffix)) {
      stem.resize(stem.size() - suffix.size());
      break;
    }
  }
  const std::string work = shell_word(stem + ".verify");
  const std::string expected = shell_word(stem + ".expected");
  const std::string fingerprint_hex = manifest.key_fingerprint.starts_with("SHA256:")
                                        ? manifest.key_fingerprint.substr(7)
                                        : manifest.key_fingerprint;
  const std::string period = fmt::format("{} to {}", info.period_from.value_or("the first record"),
                                         info.period_to.value_or(info.created_at));

  std::string text;
  text += fmt::format("# Verifying {}\n\n", bundle_name);
  text += fmt::format(
    "This bundle was made by {} on {} for the organisation **{}**: framework **{}**, period {}.\n"
    "`manifest.json` lists every other file of the bundle with its size and SHA-256;\n"
    "`manifest.sig` is the raw 64-byte Ed25519 signature of the exact bytes of `manifest.json`,\n"
    "made with the key in `public-key.pem`, fingerprint `{}`.\n\n",
    info.tool, info.created_at, info.organization, info.framework, period,
    manifest.key_fingerprint);
  text += fmt::format(
    "The key inside the bundle proves that nothing changed since it was signed, not who signed "
    "it.\nGet the organisation's public key (or at least its fingerprint) from the organisation "
    "itself,\nnot from this bundle, and use that file instead of `public-key.pem` in step 4.\n\n"
    "You need `tar`, OpenSSL 3 (`openssl`), GNU `sha256sum` and the POSIX tools `grep`, `sed`,\n"
    "`sort`, `diff` and `tail`. Run the commands in the directory that holds `{}`. Each ends\n"
    "with status 0 and prints what it checked when the check passes; stop at the first one that\n"
    "fails. `velocity report verify {} --pubkey ORG-KEY.pem` does all of this in one command.\n\n",
    bundle_name, bundle);

  text += "## 1. Only plain files with relative names\n\n```sh\n";
  text += fmt::format("test -z \"$(tar -tvzf {} | grep -v '^-')\" && echo \"entries: all regular "
                      "files\"\n",
                      bundle);
  text += fmt::format("test -z \"$(tar -tzf {} | grep -E '^/|(^|/)\\.\\.(/|$)')\" && echo "
                      "\"names: all relative, no '..'\"\n```\n\n",
                      bundle);

  text += "## 2. Unpack into a new directory\n\n```sh\n";
  text += fmt::format("mkdir {} && tar -xzf {} -C {} && cd {}\n```\n\n", work, bundle, work, work);

  text += "## 3. Look at the key's fingerprint\n\n";
  text += fmt::format("This prints the SHA-256 of the raw public key. It must be `{}`\n"
                      "and, above all, the fingerprint the organisation gave you.\n\n```sh\n",
                      fingerprint_hex);
  text += "openssl pkey -pubin -in public-key.pem -outform DER | tail -c 32 | sha256sum\n```\n\n";

  text += "## 4. Check the signature of the manifest\n\n";
  text +=
    "Prints `Signature Verified Successfully`. With the organisation's own key file, replace\n"
    "`public-key.pem` by its path.\n\n```sh\n";
  text += "openssl pkeyutl -verify -pubin -inkey public-key.pem -rawin -in manifest.json "
          "-sigfile manifest.sig\n```\n\n";

  text += "## 5. Check every file against the manifest\n\n";
  text += "The sed command turns each `files` entry of the manifest into a `sha256sum -c` line.\n\n"
          "```sh\n";
  text += fmt::format("{} | sha256sum --strict --quiet -c - && echo \"files: every digest "
                      "matches\"\n```\n\n",
                      checksum_sed_command());

  text += "## 6. Check that no file is missing or added\n\n```sh\n";
  text += fmt::format("sed -n 's/^ *{{\"path\":\"\\([^\"]*\\)\",.*$/\\1/p' manifest.json | sort > "
                      "../{}\n",
                      expected);
  text += fmt::format("tar -tzf ../{} | grep -v -x -e manifest.json -e manifest.sig | sort | diff "
                      "../{} - && echo \"members: none missing, none added\"\n```\n",
                      bundle, expected);
  return text;
}

} // namespace velocity::report
