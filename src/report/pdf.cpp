#include <velocity/core/env.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/report/pdf.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace velocity::report {

namespace {

// What velocity reads back of Chromium's work: its log (only the tail is shown) and the PDF.
constexpr size_t k_max_log_bytes = size_t{64} << 20;
constexpr size_t k_max_pdf_bytes = size_t{512} << 20;

bool executable(const std::filesystem::path& path) {
  return ::access(path.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(path);
}

// A private temporary directory, removed with everything in it.
class TempDir {
public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "velocity-pdf.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw StateError(
        fmt::format("cannot create a temporary directory for Chromium: {}", std::strerror(errno)));
    }
    m_path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const noexcept { return m_path; }

private:
  std::filesystem::path m_path;
};

// Runs `argv` with stdout and stderr to `log`; its exit status, or nothing after `timeout` (the
// process group is then killed).
std::optional<int> run(const std::vector<std::string>& argv, const std::filesystem::path& log,
                       std::chrono::seconds timeout) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own process group, so a timeout ends Chromium's helper processes too.
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  std::vector<char*> args;
  for (const std::string& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, argv[0].c_str(), &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) {
    throw UsageError(fmt::format("cannot start {}: {}", argv[0], std::strerror(rc)),
                     "set VELOCITY_CHROMIUM to a Chromium binary, or use --format html");
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (true) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      break;
    }
    if (done < 0 && errno != EINTR) {
      throw StateError(fmt::format("lost track of {}: {}", argv[0], std::strerror(errno)));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Helpers left behind by the browser go with it.
  ::kill(-pid, SIGKILL);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string tail_of(const std::filesystem::path& log) {
  std::error_code error;
  if (!std::filesystem::exists(log, error)) {
    return {};
  }
  std::string text = fs::read_file(log, k_max_log_bytes);
  if (text.size() > 800) {
    text = "..." + text.substr(text.size() - 800);
  }
  return text;
}

} // namespace

std::optional<std::filesystem::path> find_chromium() {
  if (const auto chosen = env::get("VELOCITY_CHROMIUM"); chosen && !chosen->empty()) {
    return executable(*chosen) ? std::optional<std::filesystem::path>(*chosen) : std::nullopt;
  }
  const std::string path = env::get("PATH").value_or("/usr/local/bin:/usr/bin:/bin");
  for (const std::string_view name : {"chromium", "chromium-browser", "google-chrome"}) {
    size_t start = 0;
    while (start <= path.size()) {
      const size_t colon = path.find(':', start);
      const std::string dir =
        path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
      if (!dir.empty() && executable(std::filesystem::path(dir) / name)) {
        return std::filesystem::path(dir) / name;
      }
      if (colon == std::string::npos) {
        break;
      }
      start = colon + 1;
    }
  }
  return std::nullopt;
}

void print_pdf(std::string_view html, const std::filesystem::path& output,
               std::chrono::seconds timeout) {
  const auto chromium = find_chromium();
  if (!chromium) {
    throw UsageError("--format pdf needs headless Chromium, which is not installed",
                     "install the Debian package `chromium` (apt-get install chromium), set "
                     "VELOCITY_CHROMIUM to a Chromium binary, or use --format html");
  }
  TempDir temp;
  const auto page = temp.path() / "report.html";
  const auto pdf = temp.path() / "report.pdf";
  const auto log = temp.path() / "chromium.log";
  fs::write_file_atomic(page, html, fs::Mode::private_file);
  const std::vector<std::string> argv = {
    chromium->string(),
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--user-data-dir=" + (temp.path() / "profile").string(),
    "--no-pdf-header-footer",
    "--print-to-pdf=" + pdf.string(),
    "file://" + page.string(),
  };
  // Chromium is a program the user provides, like an input file: when it fails, what to fix is
  // on their side (install a working one, point VELOCITY_CHROMIUM at it), so these are usage
  // errors (2), not the state or key errors (3) they once were.
  const auto status = run(argv, log, timeout);
  if (!status) {
    throw UsageError(fmt::format("Chromium did not print the report within {} s", timeout.count()),
                     "try --format html, or run again on a less busy machine");
  }
  std::error_code error;
  const bool made =
    std::filesystem::exists(pdf, error) && std::filesystem::file_size(pdf, error) > 4;
  if (*status != 0 || !made) {
    const std::string said = tail_of(log);
    throw UsageError(fmt::format("Chromium ({}) failed to print the report (exit {}): {}",
                                 chromium->string(), *status,
                                 said.empty() ? "it printed nothing" : said),
                     "check that Chromium runs: chromium --headless --no-sandbox --version");
  }
  const std::string bytes = fs::read_file(pdf, k_max_pdf_bytes);
  if (!bytes.starts_with("%PDF-")) {
    throw UsageError(
      fmt::format("Chromium ({}) wrote something that is not a PDF", chromium->string()),
      "check that VELOCITY_CHROMIUM (or chromium on PATH) is Chromium");
  }
  fs::write_file_atomic(output, bytes, fs::Mode::private_file);
}

} // namespace velocity::report
