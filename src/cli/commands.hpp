// The subcommands of `bulkqa`. Each registers its options on the app and returns the function
// that runs it once the command line is parsed.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "bulkqa/review/review_progress.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa::cli {

using Command = std::function<int()>;

Command add_serve_command(CLI::App& app);
Command add_report_command(CLI::App& app);
Command add_export_command(CLI::App& app);

// Reads the records `bulkqa progress` summarizes (the portal's table), once the command line is
// parsed.
using ProgressLoader = std::function<Result<ProgressInputs>()>;
// Registers on `command` the options that say where the records are (as `bulkqa serve` says
// where the stack is) and returns how to read them once those options are parsed.
using ProgressSource = std::function<ProgressLoader(CLI::App& command)>;
Command add_progress_command(CLI::App& app, const ProgressSource& source);

}  // namespace bulkqa::cli
