#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string_view>

// PDF output: the HTML report printed by headless Chromium (Debian package `chromium`), the one
// renderer that lays out the inline CSS and SVG exactly as a browser shows them.
namespace velocity::report {

// The Chromium executable: $VELOCITY_CHROMIUM when set, else the first of chromium,
// chromium-browser, google-chrome on PATH; nothing when there is none.
std::optional<std::filesystem::path> find_chromium();

// Prints `html` to a PDF at `output` (written atomically, mode 0600) in a fresh, throw-away
// Chromium profile with networking, sync and updates off. Throws UsageError naming the package
// to install when Chromium is missing, and naming the Chromium used when it fails, writes no
// PDF or takes longer than `timeout`.
void print_pdf(std::string_view html, const std::filesystem::path& output,
               std::chrono::seconds timeout = std::chrono::seconds(120));

} // namespace velocity::report
