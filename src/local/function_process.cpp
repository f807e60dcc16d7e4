#include "bulkqa/local/function_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace bulkqa::local {
namespace {

constexpr auto kTerminationGrace = std::chrono::seconds(3);
constexpr auto kReapPollInterval = std::chrono::milliseconds(10);
// coreutils' chroot: changes the root (and the directory to it), then execs the command there.
constexpr const char* kChrootProgram = "/usr/sbin/chroot";

std::vector<std::string> child_environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> entries;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text(*entry);
    if (!extra.contains(text.substr(0, text.find('=')))) entries.push_back(text);
  }
  for (const auto& [name, value] : extra) entries.push_back(name + "=" + value);
  return entries;
}

std::vector<char*> null_terminated(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

// File actions owned for the duration of one posix_spawn call.
class SpawnActions {
 public:
  SpawnActions() { posix_spawn_file_actions_init(&actions_); }
  ~SpawnActions() { posix_spawn_file_actions_destroy(&actions_); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;

  int redirect(int fd, const std::string& path, int flags) {
    return posix_spawn_file_actions_addopen(&actions_, fd, path.c_str(), flags, 0644);
  }
  // Sockets this process holds (a Runtime API's listening socket, say) must not outlive it in
  // the child: a listening socket kept open there would accept connections nobody serves.
  int close_inherited() { return posix_spawn_file_actions_addclosefrom_np(&actions_, 3); }
  const posix_spawn_file_actions_t* get() const { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

// Spawn attributes for a clean start: no signal blocked, and SIGINT, SIGTERM and SIGPIPE at their
// default actions, whatever this process did with them (a command that takes SIGINT in a watcher
// thread blocks it, and children would inherit that).
class SpawnAttributes {
 public:
  SpawnAttributes() {
    posix_spawnattr_init(&attributes_);
    sigset_t none;
    sigemptyset(&none);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (const int signal : {SIGINT, SIGTERM, SIGPIPE}) sigaddset(&defaults, signal);
    posix_spawnattr_setsigmask(&attributes_, &none);
    posix_spawnattr_setsigdefault(&attributes_, &defaults);
    posix_spawnattr_setflags(&attributes_, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }
  ~SpawnAttributes() { posix_spawnattr_destroy(&attributes_); }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;

  const posix_spawnattr_t* get() const { return &attributes_; }

 private:
  posix_spawnattr_t attributes_;
};

}  // namespace

Result<FunctionProcess> FunctionProcess::start(
    const std::filesystem::path& executable,
    const std::map<std::string, std::string>& extra_environment,
    const std::optional<std::filesystem::path>& stderr_file,
    const std::vector<std::string>& arguments) {
  std::vector<std::string> command_line{executable.string()};
  command_line.insert(command_line.end(), arguments.begin(), arguments.end());
  return spawn(command_line, child_environment(extra_environment), stderr_file);
}

Result<FunctionProcess> FunctionProcess::start_in_root(
    const std::filesystem::path& root, const std::filesystem::path& executable,
    const std::map<std::string, std::string>& environment,
    const std::optional<std::filesystem::path>& stderr_file) {
  std::vector<std::string> entries;
  for (const auto& [name, value] : environment) entries.push_back(name + "=" + value);
  return spawn({kChrootProgram, root.string(), executable.string()}, std::move(entries),
               stderr_file);
}

Result<FunctionProcess> FunctionProcess::spawn(
    const std::vector<std::string>& command_line, std::vector<std::string> environment,
    const std::optional<std::filesystem::path>& stderr_file) {
  const std::string& executable = command_line.front();
  SpawnActions actions;
  int setup = actions.redirect(STDIN_FILENO, "/dev/null", O_RDONLY);
  if (setup == 0 && stderr_file) {
    setup = actions.redirect(STDERR_FILENO, stderr_file->string(), O_WRONLY | O_CREAT | O_APPEND);
  }
  if (setup == 0) setup = actions.close_inherited();
  if (setup != 0) {
    return make_error(errc::kSpawnFailed,
                      "cannot prepare to start " + executable + ": " + std::strerror(setup));
  }
  std::vector<std::string> arguments = command_line;
  auto argv = null_terminated(arguments);
  auto envp = null_terminated(environment);
  const SpawnAttributes attributes;
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, executable.c_str(), actions.get(), attributes.get(),
                                  argv.data(), envp.data());
  if (spawned != 0) {
    return make_error(errc::kSpawnFailed,
                      "cannot start " + executable + ": " + std::strerror(spawned));
  }
  return FunctionProcess(pid);
}

FunctionProcess::FunctionProcess(FunctionProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), exit_code_(std::exchange(other.exit_code_, {})) {}

FunctionProcess& FunctionProcess::operator=(FunctionProcess&& other) noexcept {
  if (this != &other) {
    terminate();
    pid_ = std::exchange(other.pid_, -1);
    exit_code_ = std::exchange(other.exit_code_, {});
  }
  return *this;
}

FunctionProcess::~FunctionProcess() {
  terminate();
}

void FunctionProcess::record_status(int status) {
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool FunctionProcess::running() {
  if (pid_ < 0 || exit_code_) return false;
  int status = 0;
  const pid_t reaped = waitpid(pid_, &status, WNOHANG);
  if (reaped == pid_) record_status(status);
  return reaped == 0;
}

int FunctionProcess::wait() {
  while (pid_ >= 0 && !exit_code_) {
    int status = 0;
    const pid_t reaped = waitpid(pid_, &status, 0);
    if (reaped == pid_) {
      record_status(status);
    } else if (errno != EINTR) {
      // Reaped elsewhere: the exit code is lost, report it as a failure.
      exit_code_ = 128;
    }
  }
  return exit_code_.value_or(128);
}

void FunctionProcess::terminate() {
  if (!running()) return;
  kill(pid_, SIGTERM);
  const auto give_up = std::chrono::steady_clock::now() + kTerminationGrace;
  while (running() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(kReapPollInterval);
  }
  if (running()) kill(pid_, SIGKILL);
  wait();
}

}  // namespace bulkqa::local
