// `bulkqa report`: accuracy per class and confidence bucket, thresholds and calibration, from the
// image table or an export of it.
#include <iostream>

#include "bulkqa/report/report_format.hpp"
#include "commands.hpp"
#include "review_source.hpp"

namespace bulkqa::cli {
namespace {

struct ReportCommandOptions {
  ReviewSource source;
  std::string format = "markdown";
  std::string output;
  std::string buckets = "80,85,90,95,100";
  double max_fp_ratio = 0.1;
  std::string threshold_method = "bucket-walk";
};

int fail(const std::string& option, const Error& error) {
  std::cerr << "bulkqa report: " << option << error.describe() << std::endl;
  return 1;
}

int run_report(const ReportCommandOptions& options) {
  auto format = parse_report_format(options.format);
  if (!format) return fail("--format: ", format.error());
  auto edges = parse_bucket_edges(options.buckets);
  if (!edges) return fail("--buckets: ", edges.error());
  auto method = parse_threshold_method(options.threshold_method);
  if (!method) return fail("--threshold-method: ", method.error());
  const ReportOptions report_options{*edges, options.max_fp_ratio, *method};
  if (Status valid = validate_report_options(report_options); !valid) {
    return fail("--max-fp-ratio: ", valid.error());
  }

  auto images = load_reviewed_images(options.source);
  if (!images) return fail("", images.error());
  auto report = build_report(*images, report_options);
  if (!report) return fail("", report.error());
  const std::string text = render_report(*report, *format);
  if (options.output.empty()) {
    std::cout << text << std::flush;
    return std::cout ? 0 : 1;
  }
  if (Status written = write_output_files({{options.output, text}}); !written) {
    return fail("--output: ", written.error());
  }
  return 0;
}

}  // namespace

Command add_report_command(CLI::App& app) {
  auto options = std::make_shared<ReportCommandOptions>();
  auto* report = app.add_subcommand(
      "report",
      "Accuracy per class and confidence bucket (95% Wilson intervals), the confidence threshold "
      "each class needs, and calibration");
  add_review_source_options(*report, options->source);
  report->add_option("--format", options->format, "markdown, csv, json or html")
      ->capture_default_str();
  report->add_option("--output", options->output, "write the report here (default: stdout)");
  report
      ->add_option("--buckets", options->buckets,
                   "confidence bucket edges, increasing; the last bucket is closed")
      ->capture_default_str();
  report
      ->add_option("--max-fp-ratio", options->max_fp_ratio,
                   "false positives allowed per true positive above a threshold (0.1 = 1:10)")
      ->capture_default_str();
  report
      ->add_option("--threshold-method", options->threshold_method,
                   "bucket-walk (walk down from the highest bucket while each bucket meets the "
                   "ratio) or cumulative (the lowest edge whose images at or above it meet it)")
      ->capture_default_str();
  return [options] { return run_report(*options); };
}

}  // namespace bulkqa::cli
