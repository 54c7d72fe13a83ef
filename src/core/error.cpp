#include <velocity/core/error.hpp>

namespace velocity {

Error::Error(ExitCode code, const std::string& message, std::string help)
  : std::runtime_error(message),
    m_code(code),
    m_help(std::move(help)) {}

} // namespace velocity
