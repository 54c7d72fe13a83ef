#pragma once

#include <velocity/crypto/rsa.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Compact JWTs signed with RS256 (RFC 7519 / RFC 7515), as the OAuth 2.0 JWT-bearer grant
// (RFC 7523) sends them.
namespace velocity::crypto {

// base64url(`header_json`) "." base64url(`claims_json`) "." base64url(RS256 signature of the
// first two parts). The JSON texts are signed exactly as given, byte for byte.
std::string sign_jwt_rs256(std::string_view header_json, std::string_view claims_json,
                           const RsaPrivateKey& key);

// Builds the header and claims of an RS256 JWT as compact JSON in the order the members are
// added, so the signed bytes are predictable (and testable against known answers).
class JwtBuilder {
public:
  // The header starts as {"alg":"RS256","typ":"JWT"}; `key_id`, when not empty, adds "kid"
  // (Google picks the service-account key by it).
  explicit JwtBuilder(std::string_view key_id = {});

  // Sets claim `name`; a name set twice keeps its first position and takes the new value.
  JwtBuilder& claim(std::string_view name, std::string_view value);
  JwtBuilder& claim(std::string_view name, int64_t value);

  std::string header_json() const;
  std::string claims_json() const;
  // The compact JWT signed with `key`.
  std::string sign(const RsaPrivateKey& key) const;

private:
  using Members = std::vector<std::pair<std::string, std::string>>; // name, JSON value
  static void set(Members& members, std::string_view name, std::string json_value);
  static std::string to_json(const Members& members);

  Members m_header;
  Members m_claims;
};

// `text` as a JSON string literal, quotes included (UTF-8 passed through, controls escaped).
std::string json_quote(std::string_view text);

} // namespace velocity::crypto
