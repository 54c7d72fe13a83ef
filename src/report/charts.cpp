#include "charts.hpp"

#include <velocity/compliance/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace velocity::report::charts {

namespace {

constexpr std::string_view k_good = "#2e7d32";
constexpr std::string_view k_fair = "#f9a825";
constexpr std::string_view k_poor = "#c62828";
constexpr std::string_view k_none = "#9e9e9e";
constexpr std::string_view k_track = "#e0e0e0";

std::string_view color_of(double score) {
  return score >= 80 ? k_good : score >= 60 ? k_fair : k_poor;
}

std::string svg_open(int width, int height, std::string_view label) {
  return fmt::format("<svg class=\"chart\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" "
                     "role=\"img\" aria-label=\"{}\">",
                     width, height, width, height, xml_escape(label));
}

std::string truncate_label(const std::string& text, size_t width) {
  return compliance::truncate(text, width);
}

} // namespace

std::string xml_escape(std::string_view text) {
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
    default:
      out += c;
    }
  }
  return out;
}

std::string score_gauge(const nlohmann::json& score) {
  const bool scored = score.is_number();
  const double value = scored ? std::clamp(score.get<double>(), 0.0, 100.0) : 0.0;
  const std::string label =
    scored ? fmt::format("Score {} out of 100", compliance::format_decimal(value)) : "Not scored";
  std::string svg = svg_open(240, 140, label);
  svg += fmt::format("<path d=\"M 20 120 A 100 100 0 0 1 220 120\" fill=\"none\" stroke=\"{}\" "
                     "stroke-width=\"22\"/>",
                     k_track);
  if (scored && value > 0) {
    const double angle = std::numbers::pi * value / 100.0;
    const double x = 120 - 100 * std::cos(angle);
    const double y = 120 - 100 * std::sin(angle);
    svg += fmt::format("<path d=\"M 20 120 A 100 100 0 0 1 {:.2f} {:.2f}\" fill=\"none\" "
                       "stroke=\"{}\" stroke-width=\"22\"/>",
                       x, y, color_of(value));
  }
  svg += fmt::format("<text x=\"120\" y=\"112\" text-anchor=\"middle\" font-size=\"36\" "
                     "font-weight=\"bold\" fill=\"{}\">{}</text>",
                     scored ? color_of(value) : k_none,
                     scored ? compliance::format_decimal(value) : std::string("n/a"));
  svg += "<text x=\"120\" y=\"136\" text-anchor=\"middle\" font-size=\"12\" fill=\"#555\">"
         "score out of 100</text></svg>";
  return svg;
}

std::string category_bars(const nlohmann::json& categories) {
  constexpr int k_row = 24;
  constexpr int k_label = 260;
  constexpr int k_bar = 320;
  const int height = std::max<int>(1, static_cast<int>(categories.size())) * k_row + 8;
  std::string svg = svg_open(k_label + k_bar + 60, height, "Score per category");
  int y = 4;
  for (const auto& category : categories) {
    const auto& score = category["score"];
    const std::string name = category.value("name", std::string());
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\">{}</text>",
                       k_label - 8, y + 15, xml_escape(truncate_label(name, 36)));
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"16\" fill=\"{}\"/>", k_label,
                       y + 3, k_bar, k_track);
    if (score.is_number()) {
      const double value = std::clamp(score.get<double>(), 0.0, 100.0);
      svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"16\" fill=\"{}\"/>",
                         k_label, y + 3, k_bar * value / 100.0, color_of(value));
    }
    svg += fmt::format(
      "<text x=\"{}\" y=\"{}\" font-size=\"12\">{}</text>", k_label + k_bar + 6, y + 15,
      score.is_number() ? compliance::format_decimal(score.get<double>()) : std::string("n/a"));
    y += k_row;
  }
  return svg + "</svg>";
}

std::string severity_bars(const nlohmann::json& fail_by_severity) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> k_rows = {{
    {"critical", "#6a1b9a"},
    {"high", "#c62828"},
    {"medium", "#ef6c00"},
    {"low", "#f9a825"},
  }};
  int64_t most = 1;
  for (const auto& [name, color] : k_rows) {
    most = std::max<int64_t>(most, fail_by_severity.value(std::string(name), int64_t{0}));
  }
  std::string svg = svg_open(480, 4 * 26 + 8, "Failing findings by severity");
  int y = 4;
  for (const auto& [name, color] : k_rows) {
    const int64_t count = fail_by_severity.value(std::string(name), int64_t{0});
    const double width = 320.0 * static_cast<double>(count) / static_cast<double>(most);
    svg += fmt::format("<text x=\"72\" y=\"{}\" text-anchor=\"end\" font-size=\"12\">{}</text>",
                       y + 15, name);
    svg += fmt::format("<rect x=\"80\" y=\"{}\" width=\"{:.1f}\" height=\"18\" fill=\"{}\"/>",
                       y + 2, width, color);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" font-size=\"12\">{}</text>", 86 + width, y + 15,
                       count);
    y += 26;
  }
  return svg + "</svg>";
}

std::string score_history(const nlohmann::json& history) {
  constexpr int k_left = 40;
  constexpr int k_width = 520;
  constexpr int k_top = 10;
  constexpr int k_height = 160;
  std::string svg = svg_open(k_left + k_width + 20, k_top + k_height + 30, "Score over time");
  for (const int level : {0, 50, 100}) {
    const int y = k_top + k_height - k_height * level / 100;
    svg += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\"/>", k_left, y,
                       k_left + k_width, y, k_track);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"11\">{}</text>",
                       k_left - 6, y + 4, level);
  }
  std::vector<std::pair<double, double>> points;
  const size_t count = history.size();
  for (size_t i = 0; i < count; ++i) {
    const auto& score = history[i]["score"];
    if (!score.is_number()) {
      continue;
    }
    const double x = count == 1
                       ? k_left + k_width / 2.0
                       : k_left + k_width * static_cast<double>(i) / static_cast<double>(count - 1);
    const double y =
      k_top + k_height - k_height * std::clamp(score.get<double>(), 0.0, 100.0) / 100;
    points.emplace_back(x, y);
  }
  if (points.size() > 1) {
    std::string path;
    for (const auto& [x, y] : points) {
      path += fmt::format("{}{:.1f},{:.1f}", path.empty() ? "" : " ", x, y);
    }
    svg += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"#1565c0\" "
                       "stroke-width=\"2\"/>",
                       path);
  }
  for (const auto& [x, y] : points) {
    svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\" fill=\"#1565c0\"/>", x, y);
  }
  if (count == 0) {
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"13\" "
                       "fill=\"#555\">no completed assessment yet</text>",
                       k_left + k_width / 2, k_top + k_height / 2);
  } else {
    const auto date = [&](size_t i) {
      return history[i].value("completed_at", std::string()).substr(0, 10);
    };
    svg += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\">{}</text>", k_left,
                       k_top + k_height + 20, date(0));
    if (count > 1) {
      svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"11\">{}</text>",
                         k_left + k_width, k_top + k_height + 20, date(count - 1));
    }
  }
  return svg + "</svg>";
}

} // namespace velocity::report::charts
