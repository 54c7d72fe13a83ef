#include <velocity/cli/examples.hpp>

namespace velocity::cli {

void Examples::add(const CLI::App& command, std::vector<Example> examples) {
  std::vector<Example>& list = m_examples[&command];
  list.insert(list.end(), std::make_move_iterator(examples.begin()),
              std::make_move_iterator(examples.end()));
}

const std::vector<Example>& Examples::of(const CLI::App& command) const {
  static const std::vector<Example> none;
  const auto found = m_examples.find(&command);
  return found == m_examples.end() ? none : found->second;
}

} // namespace velocity::cli
