#include <velocity/compliance/text.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/core/input_limits.hpp>
#include <velocity/report/templates.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <kainjow/mustache.hpp>

#include <algorithm>
#include <optional>
#include <vector>

namespace velocity::report {

namespace {

namespace mustache = kainjow::mustache;

constexpr std::string_view k_suffix = ".mustache";

// A JSON value as Mustache data: null and false are falsy, numbers print as people read them.
mustache::data to_data(const nlohmann::json& value) {
  switch (value.type()) {
  case nlohmann::json::value_t::object: {
    mustache::data object(mustache::data::type::object);
    for (const auto& [key, item] : value.items()) {
      object.set(key, to_data(item));
      // {{#has_list}} guards a heading above a list that may be empty.
      // and {{#has_count}} a sentence that only makes sense when a count is not zero.
      if (item.is_array()) {
        object.set("has_" + key, mustache::data(!item.empty()));
      } else if (item.is_number()) {
        object.set("has_" + key, mustache::data(item.get<double>() != 0));
      }
    }
    return object;
  }
  case nlohmann::json::value_t::array: {
    mustache::data list(mustache::data::type::list);
    for (const auto& item : value) {
      list.push_back(to_data(item));
    }
    return list;
  }
  case nlohmann::json::value_t::string:
    return mustache::data(value.get<std::string>());
  case nlohmann::json::value_t::boolean:
    return mustache::data(value.get<bool>());
  case nlohmann::json::value_t::number_integer:
    return mustache::data(std::to_string(value.get<int64_t>()));
  case nlohmann::json::value_t::number_unsigned:
    return mustache::data(std::to_string(value.get<uint64_t>()));
  case nlohmann::json::value_t::number_float:
    return mustache::data(compliance::format_decimal(value.get<double>()));
  default:
    return mustache::data(false);
  }
}

// Markdown: a value stays on its table row and cannot open raw HTML.
std::string escape_markdown(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
    case '|':
      out += "\\|";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '\n':
    case '\r':
      out += ' ';
      break;
    default:
      out += c;
    }
  }
  return out;
}

std::string escape_html(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

// "report.css.mustache" -> "report_css": kainjow reads dots in a name as nesting.
std::string partial_name(std::string_view file) {
  std::string name(file.substr(0, file.size() - k_suffix.size()));
  for (char& c : name) {
    c = c == '.' ? '_' : c;
  }
  return name;
}

// How deep a report template may nest, sections and partials together. The renderer recurses
// once per level, so a bound here is what keeps a hostile --template-dir from overflowing the
// stack; real templates use a handful of levels.
constexpr int k_max_nesting = 64;
constexpr int k_max_partial_chain = 8;

// What rendering a template needs of its structure: its deepest section nesting, and the
// partials it includes with the nesting they are included at.
struct TemplateShape {
  int depth = 0;
  std::vector<std::pair<std::string, int>> partials;
};

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

int line_at(std::string_view text, size_t offset) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + offset, '\n'));
}

// Reads the tags of a Mustache template (with set-delimiter tags) for its shape. Throws
// UsageError naming the template and line when sections nest deeper than the renderer allows.
TemplateShape shape_of(std::string_view name, const std::string& origin, std::string_view text) {
  TemplateShape shape;
  std::string open = "{{";
  std::string close = "}}";
  int depth = 0;
  size_t pos = 0;
  while ((pos = text.find(open, pos)) != std::string_view::npos) {
    const size_t tag_start = pos + open.size();
    const bool triple = open == "{{" && tag_start < text.size() && text[tag_start] == '{';
    const std::string tag_close = triple ? "}" + close : close;
    const size_t tag_end = text.find(tag_close, tag_start);
    if (tag_end == std::string_view::npos) {
      return shape; // the renderer reports the unclosed tag with its own words
    }
    const std::string_view tag = trim(text.substr(tag_start, tag_end - tag_start));
    pos = tag_end + tag_close.size();
    if (tag.empty()) {
      continue;
    }
    switch (tag.front()) {
    case '#':
    case '^':
      if (++depth > k_max_nesting) {
        throw UsageError(fmt::format("template {} ({}) line {}: sections nest deeper than {} "
                                     "levels",
                                     name, origin, line_at(text, pos), k_max_nesting),
                         "flatten the template; report templates need a few levels");
      }
      shape.depth = std::max(shape.depth, depth);
      break;
    case '/':
      depth = std::max(0, depth - 1);
      break;
    case '>':
      shape.partials.emplace_back(std::string(trim(tag.substr(1))), depth);
      break;
    case '=':
      if (tag.size() > 2 && tag.back() == '=') {
        const std::string_view delimiters = trim(tag.substr(1, tag.size() - 2));
        const size_t space = delimiters.find_first_of(" \t");
        if (space != std::string_view::npos) {
          open = std::string(delimiters.substr(0, space));
          close = std::string(trim(delimiters.substr(space)));
        }
      }
      break;
    default:
      break;
    }
  }
  return shape;
}

using TextMap = std::map<std::string, std::string, std::less<>>;

// How deep rendering one template goes: its sections and its partials' sections together, and
// the longest chain of partials below it.
struct Reach {
  int nesting = 0;
  int chain = 0;
};

// Walks the partials `file` includes, depth first, refusing a partial that includes itself (the
// renderer would recurse until the stack overflows) and nesting past the limits.
class NestingCheck {
public:
  NestingCheck(const TextMap& texts, const TextMap& origins) : m_texts(texts), m_origins(origins) {}

  Reach reach_of(const std::string& file) {
    if (const auto known = m_reach.find(file); known != m_reach.end()) {
      return known->second;
    }
    m_path.push_back(file);
    const auto origin = m_origins.find(file);
    const TemplateShape shape =
      shape_of(file, origin == m_origins.end() ? std::string("built-in") : origin->second,
               m_texts.find(file)->second);
    Reach reach{shape.depth, 0};
    for (const auto& [partial, level] : shape.partials) {
      const auto included = file_of(partial);
      if (!included) {
        continue; // Mustache renders an unknown partial as nothing
      }
      if (std::find(m_path.begin(), m_path.end(), *included) != m_path.end()) {
        throw UsageError(fmt::format("template {} includes itself through its partials: {} -> {}",
                                     *included, fmt::join(m_path, " -> "), *included),
                         "a report template may not include itself, directly or through others");
      }
      const Reach below = reach_of(*included);
      reach.nesting = std::max(reach.nesting, level + below.nesting);
      reach.chain = std::max(reach.chain, below.chain + 1);
      if (reach.nesting > k_max_nesting || reach.chain > k_max_partial_chain) {
        throw UsageError(fmt::format("template {}: its sections and partials nest deeper than "
                                     "velocity renders ({} levels, {} partials deep at most)",
                                     file, k_max_nesting, k_max_partial_chain),
                         "flatten the templates; report templates need a few levels");
      }
    }
    m_path.pop_back();
    m_reach.emplace(file, reach);
    return reach;
  }

private:
  std::optional<std::string> file_of(std::string_view partial) const {
    for (const auto& entry : m_texts) {
      if (partial_name(entry.first) == partial) {
        return entry.first;
      }
    }
    return std::nullopt;
  }

  const TextMap& m_texts;
  const TextMap& m_origins;
  std::vector<std::string> m_path;
  std::map<std::string, Reach> m_reach;
};

} // namespace

TemplateSet TemplateSet::open(const std::optional<std::filesystem::path>& dir) {
  TemplateSet set;
  for (const EmbeddedFile& file : embedded_templates()) {
    set.m_texts.emplace(std::string(file.name), std::string(file.text));
    set.m_origins.emplace(std::string(file.name), "built-in");
  }
  if (!dir) {
    return set;
  }
  std::error_code error;
  if (!std::filesystem::is_directory(*dir, error)) {
    throw UsageError(fmt::format("--template-dir {} is not a directory", dir->string()),
                     "give a directory of *.mustache files (see docs/report-templates.md)");
  }
  for (const std::filesystem::path& path : fs::regular_files_in(*dir)) {
    const std::string name = path.filename().string();
    if (name.ends_with(k_suffix)) {
      set.m_texts[name] = fs::read_file(path, limits::template_file);
      set.m_origins[name] = path.string();
    }
  }
  return set;
}

const std::string& TemplateSet::text(std::string_view name) const {
  const auto found = m_texts.find(name);
  if (found == m_texts.end()) {
    throw UsageError(fmt::format("there is no template {}", name),
                     "a --template-dir may replace the built-in templates, not remove them");
  }
  return found->second;
}

std::string TemplateSet::origin(std::string_view name) const {
  const auto found = m_origins.find(name);
  return found == m_origins.end() ? std::string("nowhere") : found->second;
}

std::string TemplateSet::render(std::string_view name, const nlohmann::json& context,
                                Escape escape) const {
  const std::string& body = text(name);
  NestingCheck(m_texts, m_origins).reach_of(std::string(name));
  mustache::mustache view(body);
  if (!view.is_valid()) {
    throw UsageError(
      fmt::format("template {} ({}) does not parse: {}", name, origin(name), view.error_message()));
  }
  if (escape == Escape::markdown) {
    view.set_custom_escape(escape_markdown);
  } else if (escape == Escape::none) {
    view.set_custom_escape([](const std::string& text) { return text; });
  } else {
    view.set_custom_escape(escape_html);
  }
  mustache::data data = to_data(context);
  for (const auto& [file, partial_text] : m_texts) {
    const std::string* text_ptr = &partial_text;
    data.set(partial_name(file), mustache::partial([text_ptr] { return *text_ptr; }));
  }
  std::string out = view.render(data);
  if (!view.is_valid()) {
    throw UsageError(fmt::format("template {} ({}) failed to render: {}", name, origin(name),
                                 view.error_message()));
  }
  return out;
}

} // namespace velocity::report
