// The subcommands of `bulkqa`. Each registers its options on the app and returns the function
// that runs it once the command line is parsed.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace bulkqa::cli {

using Command = std::function<int()>;

Command add_serve_command(CLI::App& app);
Command add_report_command(CLI::App& app);
Command add_export_command(CLI::App& app);

Command add_progress_command(CLI::App& app);
Command add_reviewers_command(CLI::App& app);

}  // namespace bulkqa::cli
