// `bulkqa export`: the confirmed images as a cleaned training set, and the rejected ones as the
// input of a follow-up Ground Truth image-classification job.
#include <algorithm>
#include <iostream>

#include "bulkqa/report/feedback_export.hpp"
#include "commands.hpp"
#include "review_source.hpp"

namespace bulkqa::cli {
namespace {

struct ExportCommandOptions {
  ReviewSource source;
  std::string confirmed;
  std::string relabel;
  std::string label_categories;
};

std::size_t line_count(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

int run_export(const ExportCommandOptions& options) {
  auto images = load_reviewed_images(options.source);
  if (!images) {
    std::cerr << "bulkqa export: " << images.error().describe() << std::endl;
    return 1;
  }
  std::vector<OutputFile> files{{options.confirmed, confirmed_manifest(*images)},
                                {options.relabel, relabel_manifest(*images)}};
  if (!options.label_categories.empty()) {
    files.emplace_back(options.label_categories, label_categories(*images).dump(2) + "\n");
  }
  if (Status written = write_output_files(files); !written) {
    std::cerr << "bulkqa export: " << written.error().describe() << std::endl;
    return 1;
  }
  std::cerr << "bulkqa export: " << line_count(files[0].second) << " confirmed images in "
            << options.confirmed << ", " << line_count(files[1].second) << " images to relabel in "
            << options.relabel;
  if (!options.label_categories.empty()) {
    std::cerr << ", " << corpus_labels(*images).size() << " labels in " << options.label_categories;
  }
  std::cerr << std::endl;
  return 0;
}

}  // namespace

Command add_export_command(CLI::App& app) {
  auto options = std::make_shared<ExportCommandOptions>();
  auto* command = app.add_subcommand(
      "export", "Manifests to feed the review back: confirmed images, images to relabel");
  add_review_source_options(*command, options->source);
  command
      ->add_option("--confirmed", options->confirmed,
                   "JSON Lines augmented manifest of the confirmed images with their label")
      ->required();
  command
      ->add_option("--relabel", options->relabel,
                   "JSON Lines manifest (source-ref) of the disconfirmed and split images, for a "
                   "follow-up image-classification job")
      ->required();
  command->add_option("--label-categories", options->label_categories,
                      "the label-categories JSON file of that job, listing the corpus's labels");
  return [options] { return run_export(*options); };
}

}  // namespace bulkqa::cli
