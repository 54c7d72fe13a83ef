#pragma once

// Internal to the GitHub provider: the evaluators, by the kind of evidence they read.

#include <velocity/providers/github/provider.hpp>

namespace velocity::providers::github {

Status status_of(bool ok);

// The webhook checks on an organisation's or a repository's webhooks (null: not collected).
void check_webhooks(Batch& batch, size_t index, const nlohmann::json& hooks);

// The branch protection checks on one `branch_protection` evidence.
void check_branch(Batch& batch, size_t index);

} // namespace velocity::providers::github
