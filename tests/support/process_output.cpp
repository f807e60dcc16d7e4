#include "support/process_output.hpp"

#include <stdexcept>
#include <thread>

#include "support/test_paths.hpp"

namespace bulkqa::testing {
namespace {

std::string read_if_exists(const std::filesystem::path& file) {
  return std::filesystem::exists(file) ? read_file(file.string()) : "";
}

}  // namespace

bool wait_for_output(local::FunctionProcess& process, const std::filesystem::path& file,
                     const std::string& text, std::chrono::seconds limit) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < give_up) {
    // Read once more after the process ended: its last lines may hold the text.
    const bool running = process.running();
    if (read_if_exists(file).find(text) != std::string::npos) return true;
    if (!running) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

CommandRun run_command(const std::string& executable,
                       const std::map<std::string, std::string>& environment,
                       const std::vector<std::string>& arguments,
                       const std::filesystem::path& work_dir) {
  std::filesystem::create_directories(work_dir);
  const auto output = work_dir / "command.stdout";
  const auto errors = work_dir / "command.stderr";
  std::filesystem::remove(output);
  std::filesystem::remove(errors);
  // FunctionProcess passes stdout on: a shell sends it to the file, then becomes the command
  // (sh -c SCRIPT NAME ARGS...: "$1" is the file, the rest the command line).
  std::vector<std::string> shell_arguments{"-c", "out=$1; shift; exec \"$@\" >\"$out\"", "sh",
                                           output.string(), executable};
  shell_arguments.insert(shell_arguments.end(), arguments.begin(), arguments.end());
  auto process = local::FunctionProcess::start("/bin/sh", environment, errors, shell_arguments);
  if (!process) throw std::runtime_error(process.error().describe());
  CommandRun run;
  run.exit_code = process->wait();
  run.output = read_if_exists(output);
  run.errors = read_if_exists(errors);
  return run;
}

}  // namespace bulkqa::testing
