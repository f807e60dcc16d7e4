// `bulkqa progress`: how far the review on the portal is, per label and per reviewer, with its
// pace and an estimated time to finish; the figures of the portal's admin page.
#include <chrono>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "portal_target.hpp"

namespace bulkqa::cli {
namespace {

struct ProgressCommandOptions {
  PortalTarget target;
  std::string format = "text";
};

Result<ProgressInputs> read_inputs(const PortalTarget& target) {
  auto portal = open_existing_portal(target);
  if (!portal) return portal.error();
  return (*portal)->progress_inputs();
}

int run_progress(const ProgressCommandOptions& options) {
  auto inputs = read_inputs(options.target);
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

Command add_progress_command(CLI::App& app) {
  auto options = std::make_shared<ProgressCommandOptions>();
  auto* command = app.add_subcommand(
      "progress",
      "Progress of the review on the portal: tasks done per label, reviews, pace and uncheck "
      "rate per reviewer, and an estimated time to finish");
  add_portal_target_options(*command, options->target);
  command
      ->add_option("--format", options->format,
                   "text (tables for a terminal) or json (what the admin page reads)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  return [options] { return run_progress(*options); };
}

}  // namespace bulkqa::cli
