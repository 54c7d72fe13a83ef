#include <velocity/cli/commands.hpp>

int main(int argc, char** argv) {
  using namespace velocity::cli;
  const std::vector<Command> commands = {
    {"init", "create the state file and the master key", setup_init},
    {"status", "show the state: file, schema, key source, organisations", setup_status},
    {"org", "create, list and delete organisations", setup_org},
    {"key", "rotate the master key, re-encrypt every value", setup_key},
  };
  return run(argc, argv, commands);
}
