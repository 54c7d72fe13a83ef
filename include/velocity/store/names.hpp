#pragma once

#include <filesystem>
#include <string>
#include <vector>

// The names shell completion offers, read from a state without its master key (they are plain
// columns) and without writing anything: the file is opened as a read-only snapshot. Each throws
// StateError when the file is not a readable state.
namespace velocity::store {

std::vector<std::string> organisation_names(const std::filesystem::path& state);
// The integrations and the assessment ids of organisation `org`; none when it does not exist.
std::vector<std::string> integration_names(const std::filesystem::path& state,
                                           const std::string& org);
std::vector<std::string> assessment_ids(const std::filesystem::path& state, const std::string& org);

} // namespace velocity::store
