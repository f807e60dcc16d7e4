// A launched stack on moto for the browser proof of the review portal
// (tests/browser/portal_review.test.mjs), which runs the real `bulkqa serve --bucket ...` and
// `bulkqa reviewers add` on it as the template's PortalPolicy user.
//
// Usage: bulkqa-test-stack CORPUS_CSV LOG_DIR. Starts moto and the three functions, uploads the
// corpus (its images placeholders) and launches it, creates a moto user holding only the
// template's PortalPolicy, and prints one JSON line: {"env": {the AWS_* variables that reach moto
// as that user}, "bucket", "table", "portal_table"}. Then, for each line "counts" on standard
// input, prints the image table's items as one JSON line [{"s3_image_url", "label",
// "confirm_count", "disconfirm_count"}, ...]. Stops moto and the functions when standard input
// ends.
#include <filesystem>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "bulkqa/local/local_stack.hpp"
#include "support/template_policies.hpp"
#include "support/test_paths.hpp"

namespace bulkqa::testing {
namespace {

using nlohmann::json;

constexpr const char* kImagePrefix = "caltech101/";
constexpr const char* kCorpusKey = "corpus/corpus.csv";

Result<std::unique_ptr<local::LocalStack>> launched_stack(const std::string& corpus_text,
                                                          const std::filesystem::path& log_dir) {
  local::LocalStackOptions options;
  options.bin_dir = std::filesystem::path(binary_path("bulkqa-launch")).parent_path();
  options.log_dir = log_dir;
  auto stack = local::LocalStack::start(options);
  if (!stack) return stack.error();
  if (auto uploaded = (*stack)->upload_corpus({kCorpusKey, corpus_text, kImagePrefix, {}, {}});
      !uploaded) {
    return uploaded.error();
  }
  if (auto launched = (*stack)->launch({kCorpusKey, kImagePrefix, 25, 0}); !launched) {
    return launched.error();
  }
  return stack;
}

// The environment of a process running as a moto user holding only the template's PortalPolicy.
Result<std::map<std::string, std::string>> portal_environment(local::LocalStack& stack) {
  const local::LocalStackOptions& options = stack.options();
  const Deployment deployment{options.stack_bucket, options.launch_bucket, options.image_bucket,
                              options.table,        options.portal_table,  kCorpusKey,
                              kImagePrefix};
  const json policies = template_policies(deployment);
  auto user = stack.moto().create_user("portal", as_moto_enforces(policies["PortalPolicy"]));
  if (!user) return user.error();
  return stack.moto().environment(*user);
}

Result<json> image_counts(local::LocalStack& stack) {
  auto images = stack.reviewed_images();
  if (!images) return images.error();
  json counts = json::array();
  for (const ReviewedImage& image : *images) {
    counts.push_back({{"s3_image_url", image.s3_image_url},
                      {"label", image.label},
                      {"confirm_count", image.confirm_count},
                      {"disconfirm_count", image.disconfirm_count}});
  }
  return counts;
}

int run(const std::string& corpus_file, const std::filesystem::path& log_dir) {
  auto stack = launched_stack(read_file(corpus_file), log_dir);
  if (!stack) {
    std::cerr << "bulkqa-test-stack: " << stack.error().describe() << std::endl;
    return 1;
  }
  auto environment = portal_environment(**stack);
  if (!environment) {
    std::cerr << "bulkqa-test-stack: " << environment.error().describe() << std::endl;
    return 1;
  }
  const local::LocalStackOptions& options = (*stack)->options();
  std::cout << json{{"env", *environment},
                    {"bucket", options.stack_bucket},
                    {"table", options.table},
                    {"portal_table", options.portal_table}}
                   .dump()
            << std::endl;
  for (std::string line; std::getline(std::cin, line);) {
    if (line != "counts") {
      std::cerr << "bulkqa-test-stack: unknown command " << line << std::endl;
      continue;
    }
    auto counts = image_counts(**stack);
    if (!counts) {
      std::cerr << "bulkqa-test-stack: " << counts.error().describe() << std::endl;
      return 1;
    }
    std::cout << counts->dump() << std::endl;
  }
  return 0;
}

}  // namespace
}  // namespace bulkqa::testing

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: bulkqa-test-stack CORPUS_CSV LOG_DIR" << std::endl;
    return 2;
  }
  try {
    return bulkqa::testing::run(argv[1], argv[2]);
  } catch (const std::exception& error) {  // the test support's helpers throw what stops them
    std::cerr << "bulkqa-test-stack: " << error.what() << std::endl;
    return 1;
  }
}
