#pragma once

#include <velocity/core/time.hpp>
#include <velocity/providers/model.hpp>

#include <vector>

// The automated AWS checks: pure functions of the normalised evidence (see parse.hpp and
// collect.hpp for its shape), so they are tested without a network.
namespace velocity::providers::aws {

// The checks the AWS evaluators run, with the evidence type each reads, in a stable order (their
// descriptions are in frameworks/checks/aws-<service>.yaml).
const std::vector<CheckInfo>& evaluated_checks();

// The evidence types with the calls behind each (the IAM actions they need).
const std::vector<EvidenceTypeInfo>& evidence_type_catalogue();

// Evaluates every check that reads `batch.type` over the batch's evidence, appending the
// findings to `batch.findings`. `now` dates the access-key age check.
void evaluate_checks(Batch& batch, time::TimePoint now);

} // namespace velocity::providers::aws
