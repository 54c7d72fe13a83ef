#include <velocity/compliance/text.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/report/templates.hpp>

#include <fmt/format.h>
#include <kainjow/mustache.hpp>

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
  for (const auto& entry : std::filesystem::directory_iterator(*dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.ends_with(k_suffix)) {
      set.m_texts[name] = fs::read_file(entry.path());
      set.m_origins[name] = entry.path().string();
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
  mustache::mustache view(text(name));
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
