// A function executable running as a child process, started directly with posix_spawn (no shell),
// as Lambda runs a custom runtime's bootstrap. Not thread-safe: one owner drives it.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bulkqa/util/error.hpp"

namespace bulkqa::local {

class FunctionProcess {
 public:
  // Runs `executable` with `arguments`, in this process's environment plus `extra_environment`
  // (which wins on a clash), stdin from /dev/null, and stderr appended to `stderr_file` when
  // given. Only stdin, stdout and stderr are passed on. An Error names the executable when it
  // cannot be started.
  static Result<FunctionProcess> start(
      const std::filesystem::path& executable,
      const std::map<std::string, std::string>& extra_environment = {},
      const std::optional<std::filesystem::path>& stderr_file = std::nullopt,
      const std::vector<std::string>& arguments = {});

  // Runs `executable` (a path inside `root`) with `root` as its root directory, through chroot(8)
  // (which needs root privileges), as Lambda runs a package's bootstrap in its own file system.
  // The process gets exactly `environment`, nothing of this process's own. Otherwise as start().
  static Result<FunctionProcess> start_in_root(
      const std::filesystem::path& root, const std::filesystem::path& executable,
      const std::map<std::string, std::string>& environment,
      const std::optional<std::filesystem::path>& stderr_file = std::nullopt);

  FunctionProcess(FunctionProcess&& other) noexcept;
  FunctionProcess& operator=(FunctionProcess&& other) noexcept;
  FunctionProcess(const FunctionProcess&) = delete;
  FunctionProcess& operator=(const FunctionProcess&) = delete;
  // Terminates the process if it still runs (SIGTERM, then SIGKILL after a grace period) and
  // reaps it.
  ~FunctionProcess();

  pid_t pid() const { return pid_; }
  bool running();
  // Waits for the process to end: its exit code, or 128 + the signal that ended it.
  int wait();

 private:
  explicit FunctionProcess(pid_t pid) : pid_(pid) {}
  static Result<FunctionProcess> spawn(const std::vector<std::string>& command_line,
                                       std::vector<std::string> environment,
                                       const std::optional<std::filesystem::path>& stderr_file);
  void record_status(int status);
  void terminate();

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

}  // namespace bulkqa::local
