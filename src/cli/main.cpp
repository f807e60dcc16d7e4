// bulkqa: the command line over the same core the Lambda functions use.
#include <iostream>

#include "bulkqa/util/log.hpp"
#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"bulkqa: bulk label quality assurance on Amazon SageMaker Ground Truth"};
  app.require_subcommand(1);
  bulkqa::log::set_level(bulkqa::log::Level::warn);
  const auto serve = bulkqa::cli::add_serve_command(app);
  const auto report = bulkqa::cli::add_report_command(app);
  const auto export_command = bulkqa::cli::add_export_command(app);
  const auto reviewers = bulkqa::cli::add_reviewers_command(app);
  const auto progress = bulkqa::cli::add_progress_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  if (app.got_subcommand("serve")) return serve();
  if (app.got_subcommand("report")) return report();
  if (app.got_subcommand("export")) return export_command();
  if (app.got_subcommand("reviewers")) return reviewers();
  if (app.got_subcommand("progress")) return progress();
  return 1;
}
