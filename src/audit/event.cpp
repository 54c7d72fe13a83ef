#include <velocity/audit/event.hpp>

#include <array>
#include <charconv>
#include <cstring>

namespace velocity::audit {

namespace {

constexpr std::string_view k_prefix = R"({"type":"audit_event","v":1,"seq":)";
constexpr std::string_view k_prev = R"(,"prev":")";
constexpr size_t k_hash_hex = 64;

constexpr std::array<std::string_view, 5> k_categories = {
  "authentication", "authorization", "data_access", "agent_activity", "system_security"};
constexpr std::array<std::string_view, 3> k_outcomes = {"success", "failure", "denied"};

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1; // upper case is not canonical
}

void write_field(std::string& out, std::string_view name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":";
  write_json_string(value, out);
}

// Length of the valid UTF-8 sequence starting at `s[i]`, or 0 when it is not one.
size_t utf8_sequence(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) {
    return 1;
  }
  size_t length = 0;
  uint32_t min = 0;
  uint32_t code = 0;
  if ((c & 0xe0) == 0xc0) {
    length = 2, min = 0x80, code = c & 0x1fU;
  } else if ((c & 0xf0) == 0xe0) {
    length = 3, min = 0x800, code = c & 0x0fU;
  } else if ((c & 0xf8) == 0xf0) {
    length = 4, min = 0x10000, code = c & 0x07U;
  } else {
    return 0;
  }
  if (i + length > s.size()) {
    return 0;
  }
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) {
      return 0;
    }
    code = (code << 6) | (byte(i + k) & 0x3fU);
  }
  if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
    return 0;
  }
  return length;
}

} // namespace

std::string_view to_string(Category category) {
  return k_categories.at(static_cast<size_t>(category));
}

std::string_view to_string(Outcome outcome) {
  return k_outcomes.at(static_cast<size_t>(outcome));
}

std::optional<Category> parse_category(std::string_view name) {
  for (size_t i = 0; i < k_categories.size(); ++i) {
    if (k_categories[i] == name) {
      return static_cast<Category>(i);
    }
  }
  return std::nullopt;
}

std::optional<Outcome> parse_outcome(std::string_view name) {
  for (size_t i = 0; i < k_outcomes.size(); ++i) {
    if (k_outcomes[i] == name) {
      return static_cast<Outcome>(i);
    }
  }
  return std::nullopt;
}

void write_json_string(std::string_view text, std::string& out) {
  static constexpr char digits[] = "0123456789abcdef";
  out.push_back('"');
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
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
      if (byte < 0x20) {
        out += "\\u00";
        out.push_back(digits[byte >> 4]);
        out.push_back(digits[byte & 0x0f]);
      } else {
        out.push_back(c);
      }
    }
  }
  out.push_back('"');
}

void write_canonical(const Event& event, std::string& out) {
  out += k_prefix;
  out += std::to_string(event.seq);
  out += k_prev;
  out += hex(event.prev);
  out.push_back('"');
  write_field(out, "time", event.time);
  write_field(out, "category", event.category);
  write_field(out, "actor", event.actor);
  write_field(out, "action", event.action);
  write_field(out, "resource_type", event.resource_type);
  write_field(out, "resource_id", event.resource_id);
  write_field(out, "outcome", event.outcome);
  write_field(out, "correlation_id", event.correlation_id);
  write_field(out, "nonce", crypto::to_hex(event.nonce));
  out += ",\"details\":";
  out += event.details;
  out.push_back('}');
}

std::string canonical(const Event& event) {
  std::string out;
  out.reserve(320 + event.details.size());
  write_canonical(event, out);
  return out;
}

Hash event_hash(std::string_view canonical_bytes, std::string& scratch) {
  scratch.assign(1, '\0');
  scratch.append(canonical_bytes);
  return crypto::sha256(scratch);
}

Hash event_hash(std::string_view canonical_bytes) {
  std::string scratch;
  return event_hash(canonical_bytes, scratch);
}

bool looks_like_event(std::string_view line) {
  return line.substr(0, k_prefix.size()) == k_prefix;
}

std::optional<EventPrefix> read_event_prefix(std::string_view line) {
  if (!looks_like_event(line) || line.back() != '}') {
    return std::nullopt;
  }
  const char* const begin = line.data() + k_prefix.size();
  const char* const end = line.data() + line.size();
  EventPrefix prefix{};
  const auto [after_seq, ec] = std::from_chars(begin, end, prefix.seq);
  // Canonical decimals: no sign, no leading zero.
  if (ec != std::errc() || *begin == '-' || *begin == '+' ||
      (*begin == '0' && after_seq - begin > 1) || prefix.seq < 1) {
    return std::nullopt;
  }
  const auto rest = static_cast<size_t>(end - after_seq);
  if (rest < k_prev.size() + k_hash_hex + 1 ||
      std::memcmp(after_seq, k_prev.data(), k_prev.size()) != 0) {
    return std::nullopt;
  }
  const char* hex_digits = after_seq + k_prev.size();
  for (size_t i = 0; i < prefix.prev.size(); ++i) {
    const int high = hex_value(hex_digits[2 * i]);
    const int low = hex_value(hex_digits[2 * i + 1]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    prefix.prev[i] = static_cast<uint8_t>((high << 4) | low);
  }
  if (hex_digits[k_hash_hex] != '"') {
    return std::nullopt;
  }
  return prefix;
}

std::optional<Event> parse_event(std::string_view line) {
  const auto prefix = read_event_prefix(line);
  if (!prefix) {
    return std::nullopt;
  }
  try {
    const auto json = nlohmann::json::parse(line);
    Event event;
    event.seq = prefix->seq;
    event.prev = prefix->prev;
    event.time = json.at("time").get<std::string>();
    event.category = json.at("category").get<std::string>();
    event.actor = json.at("actor").get<std::string>();
    event.action = json.at("action").get<std::string>();
    event.resource_type = json.at("resource_type").get<std::string>();
    event.resource_id = json.at("resource_id").get<std::string>();
    event.outcome = json.at("outcome").get<std::string>();
    event.correlation_id = json.at("correlation_id").get<std::string>();
    const std::string nonce_hex = json.at("nonce").get<std::string>();
    if (nonce_hex.size() != 32) {
      return std::nullopt;
    }
    for (size_t i = 0; i < nonce_hex.size(); i += 2) {
      const int high = hex_value(nonce_hex[i]);
      const int low = hex_value(nonce_hex[i + 1]);
      if (high < 0 || low < 0) {
        return std::nullopt;
      }
      event.nonce.push_back(static_cast<char>((high << 4) | low));
    }
    // The details are the bytes after "details": up to the closing brace of the line.
    constexpr std::string_view marker = R"(,"details":)";
    // Every string before it has its quotes escaped, so the first match is the field itself.
    const size_t at = line.find(marker);
    if (at == std::string_view::npos || !json.at("details").is_object()) {
      return std::nullopt;
    }
    event.details =
      std::string(line.substr(at + marker.size(), line.size() - at - marker.size() - 1));
    if (canonical(event) != line) {
      return std::nullopt; // not canonical: some field was written differently
    }
    return event;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::string details_text(const nlohmann::json& details) {
  return details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t length = utf8_sequence(text, i);
    if (length == 0) {
      out += "\xef\xbf\xbd";
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

Hash zero_hash() {
  return Hash{};
}

std::string hex(const Hash& hash) {
  return crypto::to_hex(hash);
}

std::optional<Hash> hash_from_hex(std::string_view text) {
  if (text.size() != k_hash_hex) {
    return std::nullopt;
  }
  Hash hash{};
  for (size_t i = 0; i < hash.size(); ++i) {
    const int high = hex_value(text[2 * i]);
    const int low = hex_value(text[2 * i + 1]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    hash[i] = static_cast<uint8_t>((high << 4) | low);
  }
  return hash;
}

std::optional<Hash> hash_from_bytes(std::string_view bytes) {
  if (bytes.size() != std::tuple_size_v<Hash>) {
    return std::nullopt;
  }
  Hash hash{};
  std::memcpy(hash.data(), bytes.data(), hash.size());
  return hash;
}

} // namespace velocity::audit
