#pragma once

// Starts tests/fakes/fault_server.py as a child process on a free loopback port, for the net
// unit tests, and stops it again. Header-only: the unit-test binary globs only *.cpp.
// Python takes up to a second to start on a loaded machine, so the tests share one server
// (shared_fault_server()) and keep apart by using their own keys.

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace velocity::net::testing {

class FaultServer {
public:
  // Starts the server with `extra_args` (e.g. --tls-cert); it stops by itself after
  // `idle_seconds` without a request.
  explicit FaultServer(int idle_seconds = 30, std::vector<std::string> extra_args = {}) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe2 failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    std::string script = std::string(VELOCITY_TESTS_DIR) + "/fakes/fault_server.py";
    std::string python = "python3";
    std::string idle_flag = "--idle";
    std::string idle = std::to_string(idle_seconds);
    std::vector<char*> argv = {python.data(), script.data(), idle_flag.data(), idle.data()};
    for (std::string& arg : extra_args) {
      argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    int rc = posix_spawnp(&m_pid, "python3", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
      close(fds[0]);
      throw std::runtime_error("cannot start python3 for the fault server");
    }
    std::string line = read_line(fds[0]);
    close(fds[0]);
    m_port = std::stoi(line);
  }

  ~FaultServer() {
    kill(m_pid, SIGTERM);
    // The server stops within its 0.1 s poll interval; SIGKILL only if it did not.
    for (int i = 0; i < 50; ++i) {
      if (waitpid(m_pid, nullptr, WNOHANG) == m_pid) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(m_pid, SIGKILL);
    waitpid(m_pid, nullptr, 0);
  }

  FaultServer(const FaultServer&) = delete;
  FaultServer& operator=(const FaultServer&) = delete;

  int port() const { return m_port; }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(m_port) + path;
  }
  std::string https_url(const std::string& host, const std::string& path) const {
    return "https://" + host + ":" + std::to_string(m_port) + path;
  }

private:
  static std::string read_line(int fd) {
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) {
        continue;
      }
      char c = 0;
      if (read(fd, &c, 1) != 1) {
        break;
      }
      if (c == '\n') {
        return line;
      }
      line += c;
    }
    throw std::runtime_error("the fault server did not print its port");
  }

  pid_t m_pid = -1;
  int m_port = 0;
};

// The server every net test uses, started on first use and stopped when the test binary exits
// (or, should it crash, when the server sees its parent gone).
inline FaultServer& shared_fault_server() {
  static FaultServer server(600);
  return server;
}

// A loopback port nobody listens on: bound, read and closed again.
inline int unused_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t size = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  close(fd);
  return ntohs(address.sin_port);
}

// The number after `"name": ` in a flat JSON object, or -1.
inline long json_number(const std::string& json, const std::string& name) {
  std::string needle = "\"" + name + "\": ";
  size_t at = json.find(needle);
  if (at == std::string::npos) {
    return -1;
  }
  return std::stol(json.substr(at + needle.size()));
}

} // namespace velocity::net::testing
