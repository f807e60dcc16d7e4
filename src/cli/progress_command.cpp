// `bulkqa progress`: how far the review on the portal is, per label and per reviewer, with its
// pace and an estimated time to finish; the figures of the portal's admin page.
#include <chrono>
#include <iostream>
#include <memory>

#include "commands.hpp"

namespace bulkqa::cli {
namespace {

struct ProgressCommandOptions {
  std::string format = "text";
};

int run_progress(const ProgressCommandOptions& options, const ProgressLoader& load) {
  auto inputs = load();
  if (!inputs) {
    std::cerr << "bulkqa progress: " << inputs.error().describe() << std::endl;
    return 1;
  }
  const ProgressSummary summary = summarize_progress(*inputs, std::chrono::system_clock::now());
  std::cout << (options.format == "json" ? progress_json(summary).dump(2) + "\n"
                                         : progress_text(summary))
            << std::flush;
  return std::cout ? 0 : 1;
}

}  // namespace

Command add_progress_command(CLI::App& app, const ProgressSource& source) {
  auto options = std::make_shared<ProgressCommandOptions>();
  auto* command = app.add_subcommand(
      "progress",
      "Progress of the review on the portal: tasks done per label, reviews, pace and uncheck "
      "rate per reviewer, and an estimated time to finish");
  ProgressLoader load = source(*command);
  command
      ->add_option("--format", options->format,
                   "text (tables for a terminal) or json (what the admin page reads)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  return [options, load = std::move(load)] { return run_progress(*options, load); };
}

}  // namespace bulkqa::cli
