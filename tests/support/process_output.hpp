// What tests read of the processes they start: a running command's stderr, until a line shows
// up, and a finished command's stdout and stderr.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "bulkqa/local/function_process.hpp"

namespace bulkqa::testing {

// Polls `file` (where `process` writes) until it holds `text` or the process ends, for at most
// `limit`: whether it holds it.
bool wait_for_output(local::FunctionProcess& process, const std::filesystem::path& file,
                     const std::string& text, std::chrono::seconds limit = std::chrono::minutes(3));

struct CommandRun {
  int exit_code = -1;  // or 128 + the signal that ended it
  std::string output;  // stdout
  std::string errors;  // stderr
};

// Runs `executable` with `arguments` to its end, in this process's environment plus
// `environment` (never on its command line), its stdout and stderr through files in `work_dir`.
CommandRun run_command(const std::string& executable,
                       const std::map<std::string, std::string>& environment,
                       const std::vector<std::string>& arguments,
                       const std::filesystem::path& work_dir);

}  // namespace bulkqa::testing
