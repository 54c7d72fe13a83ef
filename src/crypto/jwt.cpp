#include <velocity/crypto/digest.hpp>
#include <velocity/crypto/jwt.hpp>

#include <array>

namespace velocity::crypto {

std::string sign_jwt_rs256(std::string_view header_json, std::string_view claims_json,
                           const RsaPrivateKey& key) {
  std::string token = base64url_encode(header_json);
  token += '.';
  token += base64url_encode(claims_json);
  const std::string signature = key.sign_rs256(token);
  token += '.';
  token += base64url_encode(signature);
  return token;
}

std::string json_quote(std::string_view text) {
  static constexpr std::array<char, 16> k_hex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                 '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (const char c : text) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        const auto byte = static_cast<unsigned char>(c);
        out += "\\u00";
        out += k_hex[byte >> 4U];
        out += k_hex[byte & 0x0FU];
      } else {
        out += c; // '/' and UTF-8 bytes need no escaping
      }
    }
  }
  out += '"';
  return out;
}

JwtBuilder::JwtBuilder(std::string_view key_id) {
  set(m_header, "alg", json_quote("RS256"));
  set(m_header, "typ", json_quote("JWT"));
  if (!key_id.empty()) {
    set(m_header, "kid", json_quote(key_id));
  }
}

JwtBuilder& JwtBuilder::claim(std::string_view name, std::string_view value) {
  set(m_claims, name, json_quote(value));
  return *this;
}

JwtBuilder& JwtBuilder::claim(std::string_view name, int64_t value) {
  set(m_claims, name, std::to_string(value));
  return *this;
}

std::string JwtBuilder::header_json() const {
  return to_json(m_header);
}

std::string JwtBuilder::claims_json() const {
  return to_json(m_claims);
}

std::string JwtBuilder::sign(const RsaPrivateKey& key) const {
  return sign_jwt_rs256(header_json(), claims_json(), key);
}

void JwtBuilder::set(Members& members, std::string_view name, std::string json_value) {
  for (auto& [existing, value] : members) {
    if (existing == name) {
      value = std::move(json_value);
      return;
    }
  }
  members.emplace_back(std::string(name), std::move(json_value));
}

std::string JwtBuilder::to_json(const Members& members) {
  std::string out = "{";
  for (size_t i = 0; i < members.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    out += json_quote(members[i].first);
    out += ':';
    out += members[i].second;
  }
  out += '}';
  return out;
}

} // namespace velocity::crypto
