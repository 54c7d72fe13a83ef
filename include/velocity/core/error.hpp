#pragma once

#include <stdexcept>
#include <string>

namespace velocity {

// The exit codes of velocity, one table for every command (README, velocity(1)).
enum class ExitCode : int {
  success = 0,
  check_failed = 1,
  usage = 2,
  state = 3,
  permission = 4,
  integrity = 5,
  remote = 6,
  interrupted = 130,
};

// Base of every error velocity reports: a message saying what failed on what, an optional
// reason and an optional `help` line saying what to do, and the exit code it maps to.
class Error : public std::runtime_error {
public:
  Error(ExitCode code, const std::string& message, std::string help = {});

  ExitCode code() const noexcept { return m_code; }
  const std::string& help() const noexcept { return m_help; }

private:
  ExitCode m_code;
  std::string m_help;
};

// Bad command line, bad input file or bad value: exit 2.
class UsageError : public Error {
public:
  explicit UsageError(const std::string& message, std::string help = {})
    : Error(ExitCode::usage, message, std::move(help)) {}
};

// The state file or a key cannot be used (missing, wrong, corrupt, locked): exit 3.
class StateError : public Error {
public:
  explicit StateError(const std::string& message, std::string help = {})
    : Error(ExitCode::state, message, std::move(help)) {}
};

// The operating system or a remote service refused access: exit 4.
class PermissionError : public Error {
public:
  explicit PermissionError(const std::string& message, std::string help = {})
    : Error(ExitCode::permission, message, std::move(help)) {}
};

// Something that is signed or hash-chained does not verify: exit 5.
class IntegrityError : public Error {
public:
  explicit IntegrityError(const std::string& message, std::string help = {})
    : Error(ExitCode::integrity, message, std::move(help)) {}
};

// A remote API failed after retries: exit 6.
class RemoteError : public Error {
public:
  explicit RemoteError(const std::string& message, std::string help = {})
    : Error(ExitCode::remote, message, std::move(help)) {}
};

// A check did what it was asked and the answer is "no" (score under --fail-under): exit 1.
class CheckFailed : public Error {
public:
  explicit CheckFailed(const std::string& message, std::string help = {})
    : Error(ExitCode::check_failed, message, std::move(help)) {}
};

} // namespace velocity
