#pragma once

#include <velocity/core/error.hpp>

#include <filesystem>
#include <string>

// A lock per integration, so two collections of one integration never overlap (cron runs that
// take longer than their interval). An flock(2) on a file: released by the kernel if the holder
// dies, so a crash never leaves a stale lock.
namespace velocity::providers {

enum class LockWait { no, yes };

// Another process is collecting the integration: exit 1. A type of its own, so that
// `collect --all` can go on with the other integrations and report this one after them.
class IntegrationLocked : public Error {
public:
  IntegrationLocked(const std::string& message, std::string help)
    : Error(ExitCode::check_failed, message, std::move(help)) {}
};

class IntegrationLock {
public:
  // Takes the lock file `path` (creating it and its directory). When another process holds it:
  // with LockWait::no throws IntegrationLocked saying who holds it (pid, user, since);
  // with LockWait::yes waits for it. `holder` describes this process for the next one.
  IntegrationLock(const std::filesystem::path& path, const std::string& what, LockWait wait);
  ~IntegrationLock();
  IntegrationLock(const IntegrationLock&) = delete;
  IntegrationLock& operator=(const IntegrationLock&) = delete;

private:
  int m_fd = -1;
};

} // namespace velocity::providers
