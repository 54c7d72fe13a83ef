#include <velocity/cli/commands.hpp>

int main(int argc, char** argv) {
  using namespace velocity::cli;
  const std::vector<Command> commands = {
    {"init", "create the state file and the master key", setup_init},
    {"status", "show the state: file, schema, key source, organisations", setup_status},
    {"org", "create, list and delete organisations", setup_org},
    {"key", "rotate the master key, re-encrypt every value", setup_key},
    {"backup", "write a verified copy of the state, safe while other commands run", setup_backup},
    {"restore",
     "replace the state with a backup, checked first; rollbacks of the audit log refused",
     setup_restore},
    {"report",
     "reports (md, html, json, csv, OSCAL, pdf) and signed bundles auditors verify offline",
     setup_report},
    {"audit", "the tamper-evident audit trail: log, verify, export, report, prove", setup_audit},
    {"frameworks", "the control catalogues: list, show, map a control across frameworks",
     setup_frameworks},
    {"checks", "the automated checks: what each tests, how to fix it, the controls it counts for",
     setup_checks},
    {"assess", "answer the questionnaire: score, gaps, cost and roadmap per framework",
     setup_assess},
    {"connect", "connect a cloud account (credentials stored encrypted), test, list, remove",
     setup_connect},
    {"collect", "collect evidence and run the automated checks of connected accounts",
     setup_collect},
    {"evidence", "list check results and show collected evidence", setup_evidence},
    {"accept", "accept a failing check's risk for a while: record, list, show, revoke",
     setup_accept},
    {"roi", "estimate what automating compliance saves, with every assumption shown", setup_roi},
    {"pathway",
     "the trust pathway stage (discovery, pilot, rollout, production) measured from the state",
     setup_pathway},
    {"demo", "fill a demo organisation with a realistic history: no cloud account needed",
     setup_demo},
    {"config", "the team defaults of the config file: list each value and its source, path",
     setup_config},
  };
  return run(argc, argv, commands);
}
