// `bulkqa report` and `bulkqa export` run as a user runs them, against a table that the real
// functions filled: launch loads a hand-made corpus, pre-labeling serves every task, reviewers'
// answers go through post-labeling, and the numbers printed must be those the votes imply.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "bulkqa/local/function_process.hpp"
#include "bulkqa/local/local_stack.hpp"
#include "bulkqa/review/placeholder_image.hpp"
#include "support/function_harness.hpp"

namespace bulkqa {
namespace {

using nlohmann::json;

constexpr const char* kImagePrefix = "photos/";
constexpr const char* kJobArn = "arn:aws:sagemaker:us-east-1:000000000000:labeling-job/report";

// What the three reviewers do with an image: all confirm it; all reject it; one confirms and two
// reject; nobody reviews it (every image of its batch has this plan, so its task gets no answer:
// a reviewer who answers a task answers for every image).
enum class Plan { confirm, reject, split, none };

struct PlannedImage {
  std::string path;
  std::string label;
  double confidence;
  int bucket;  // index in 80-85, 85-90, 90-95, 95-100; -1 outside them
  Plan plan;
};

const std::vector<PlannedImage>& corpus() {
  static const std::vector<PlannedImage> images{
      {"crab/1.jpg", "Crab", 85.0, 1, Plan::confirm},
      {"crab/2.jpg", "Crab", 100.0, 3, Plan::confirm},
      {"crab/3.jpg", "Crab", 93, 2, Plan::reject},
      {"crab/4.jpg", "Crab", 81, 0, Plan::split},
      {"crab/5.jpg", "Crab", 70, -1, Plan::confirm},
      {"crab/7.jpg", "Crab", 97.5, 3, Plan::confirm},
      {"shrimp/1.jpg", "Shrimp", 99, 3, Plan::reject},
      {"shrimp/2.jpg", "Shrimp", 88, 1, Plan::confirm},
      {"shrimp/3.jpg", "Shrimp", 84.99, 0, Plan::split},
      {"anchor/1.jpg", "Anchor", 90, 2, Plan::none},
      {"anchor/2.jpg", "Anchor", 95, 3, Plan::none},
      {"anchor/3.jpg", "Anchor", 92, 2, Plan::none},
      {"lobster/1.jpg", "Lobster", 93, 2, Plan::confirm},
      // The image rejected as a crab is a lobster: settled, so not to be relabeled.
      {"crab/3.jpg", "Lobster", 80, 0, Plan::confirm},
  };
  return images;
}

std::string corpus_csv() {
  std::string csv = "label,image_local_path,confidence\n";
  for (const auto& image : corpus()) {
    std::ostringstream confidence;
    confidence << image.confidence;
    csv += image.label + "," + image.path + "," + confidence.str() + "\n";
  }
  return csv;
}

// Reviewer w's answer for an image (a plan other than none).
bool answer(Plan plan, int worker) {
  return plan == Plan::confirm || (plan == Plan::split && worker == 0);
}

class ReportCommandTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    work_dir_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                          ("bulkqa-report-" + std::to_string(::getpid())));
    local::LocalStackOptions options;
    options.bin_dir = std::filesystem::path(testing::binary_path("bulkqa")).parent_path();
    options.log_dir = *work_dir_ / "logs";
    auto stack = local::LocalStack::start(options);
    ASSERT_TRUE(stack.ok()) << stack.error().describe();
    stack_ = stack->release();
    fill_table();
  }

  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
    std::filesystem::remove_all(*work_dir_);
    delete work_dir_;
  }

  static void fill_table() {
    auto& stack = *stack_;
    ASSERT_TRUE(stack.s3()
                    .put_object({stack.options().launch_bucket, "corpus/report.csv", corpus_csv(),
                                 "text/csv"})
                    .ok());
    std::vector<aws::PutObjectRequest> puts;
    std::set<std::string> paths;
    for (const auto& image : corpus()) {
      if (!paths.insert(image.path).second) continue;
      puts.push_back({stack.options().image_bucket, kImagePrefix + image.path,
                      placeholder_png(image.path), "image/png"});
    }
    for (const auto& put : stack.s3().put_objects(std::move(puts))) ASSERT_TRUE(put.ok());
    auto launched = stack.launch({"corpus/report.csv", kImagePrefix, 4, 0});
    ASSERT_TRUE(launched.ok()) << launched.error().describe();
    auto tasks = stack.tasks();
    ASSERT_TRUE(tasks.ok()) << tasks.error().describe();
    auto consolidated = stack.consolidate(kJobArn, "report", review(*tasks));
    ASSERT_TRUE(consolidated.ok()) << consolidated.error().describe();
  }

  static Plan plan_of(const BatchItem& item) {
    for (const auto& image : corpus()) {
      if (url_of(image) == item.s3_image_url && image.label == item.label) return image.plan;
    }
    ADD_FAILURE() << "no planned image for " << item.s3_image_url << " " << item.label;
    return Plan::none;
  }

  // Ground Truth's consolidation payload: every task with three workers' answers.
  static json review(const std::vector<local::Task>& tasks) {
    json payload = json::array();
    for (std::size_t t = 0; t < tasks.size(); ++t) {
      json annotations = json::array();
      const auto& items = tasks[t].items;
      const bool reviewed = std::any_of(items.begin(), items.end(), [](const BatchItem& item) {
        return plan_of(item) != Plan::none;
      });
      for (int worker = 0; reviewed && worker < 3; ++worker) {
        json content = json::object();
        for (std::size_t i = 0; i < items.size(); ++i) {
          content[items[i].label + "-" + std::to_string(i)] = {
              {"Confirmed", answer(plan_of(items[i]), worker)}};
        }
        annotations.push_back({{"workerId", "worker-" + std::to_string(worker)},
                               {"annotationData", {{"content", content.dump()}}}});
      }
      payload.push_back({{"datasetObjectId", std::to_string(t)},
                         {"dataObject", {{"s3Uri", tasks[t].source_ref}}},
                         {"annotations", annotations}});
    }
    return payload;
  }

  static std::string url_of(const PlannedImage& image) {
    return "s3://" + stack_->options().stack_bucket + "/" + image.path;
  }

  struct Run {
    int exit_code;
    std::string stderr_text;
  };

  // Runs bulkqa with the moto credentials in its environment (never on its command line).
  static Run run_bulkqa(const std::vector<std::string>& arguments) {
    const auto stderr_file = *work_dir_ / "stderr.txt";
    std::filesystem::remove(stderr_file);
    auto environment = stack_->moto().environment(stack_->moto().admin());
    auto process = local::FunctionProcess::start(testing::binary_path("bulkqa"), environment,
                                                 stderr_file, arguments);
    EXPECT_TRUE(process.ok()) << process.error().describe();
    if (!process.ok()) return {-1, ""};
    const int code = process->wait();
    const std::string errors =
        std::filesystem::exists(stderr_file) ? testing::read_file(stderr_file.string()) : "";
    return {code, errors};
  }

  static std::string output_path(const std::string& name) { return (*work_dir_ / name).string(); }

  static json report_json(const std::vector<std::string>& extra_arguments = {}) {
    std::vector<std::string> arguments{"report", "--table",  stack_->options().table,   "--format",
                                       "json",   "--output", output_path("report.json")};
    arguments.insert(arguments.end(), extra_arguments.begin(), extra_arguments.end());
    const Run run = run_bulkqa(arguments);
    EXPECT_EQ(run.exit_code, 0) << run.stderr_text;
    return json::parse(testing::read_file(output_path("report.json")));
  }

  static local::LocalStack* stack_;
  static std::filesystem::path* work_dir_;
};

local::LocalStack* ReportCommandTest::stack_ = nullptr;
std::filesystem::path* ReportCommandTest::work_dir_ = nullptr;

// The counts of one class (or all, for an empty label) as the plan says.
struct Expected {
  std::size_t total = 0, confirmed = 0, disconfirmed = 0, split = 0, unreviewed = 0;
  std::size_t bucket_total[4] = {0, 0, 0, 0};
  std::size_t bucket_incorrect[4] = {0, 0, 0, 0};
};

Expected expected_for(const std::string& label) {
  Expected expected;
  for (const auto& image : corpus()) {
    if (!label.empty() && image.label != label) continue;
    if (image.plan == Plan::none) {
      ++expected.unreviewed;
      continue;
    }
    ++expected.total;
    if (image.plan == Plan::confirm) ++expected.confirmed;
    if (image.plan == Plan::reject) ++expected.disconfirmed;
    if (image.plan == Plan::split) ++expected.split;
    if (image.bucket < 0) continue;
    ++expected.bucket_total[image.bucket];
    if (image.plan != Plan::confirm) ++expected.bucket_incorrect[image.bucket];
  }
  return expected;
}

void expect_stats(const json& stats, const Expected& expected, const std::string& name) {
  SCOPED_TRACE(name);
  EXPECT_EQ(stats["total"], expected.total);
  EXPECT_EQ(stats["confirmed"], expected.confirmed);
  EXPECT_EQ(stats["disconfirmed"], expected.disconfirmed);
  EXPECT_EQ(stats["split"], expected.split);
  EXPECT_EQ(stats["unreviewed"], expected.unreviewed);
  if (expected.total == 0) {
    EXPECT_TRUE(stats["percent_correct"].is_null());
    EXPECT_TRUE(stats["ci95"].is_null());
  } else {
    EXPECT_DOUBLE_EQ(stats["percent_correct"].get<double>(),
                     100.0 * expected.confirmed / expected.total);
    EXPECT_EQ(stats["ci95"].size(), 2u);
  }
  ASSERT_EQ(stats["buckets"].size(), 4u);
  for (int b = 0; b < 4; ++b) {
    const json& bucket = stats["buckets"][b];
    EXPECT_EQ(bucket["total"], expected.bucket_total[b]) << "bucket " << b;
    EXPECT_EQ(bucket["incorrect"], expected.bucket_incorrect[b]) << "bucket " << b;
    if (expected.bucket_total[b] == 0) {
      EXPECT_TRUE(bucket["percent_correct"].is_null()) << "bucket " << b;
    } else {
      const auto correct = expected.bucket_total[b] - expected.bucket_incorrect[b];
      EXPECT_DOUBLE_EQ(bucket["percent_correct"].get<double>(),
                       100.0 * correct / expected.bucket_total[b])
          << "bucket " << b;
    }
  }
}

TEST_F(ReportCommandTest, JsonReportFromTheTableMatchesTheVotesCast) {
  const json report = report_json();
  EXPECT_EQ(report["buckets"], json::parse("[[80,85],[85,90],[90,95],[95,100]]"));
  EXPECT_EQ(report["threshold_method"], "bucket-walk");
  ASSERT_EQ(report["classes"].size(), 4u);
  const std::vector<std::string> labels{"Anchor", "Crab", "Lobster", "Shrimp"};
  for (std::size_t at = 0; at < labels.size(); ++at) {
    const json& stats = report["classes"][at];
    EXPECT_EQ(stats["label"], labels[at]);
    expect_stats(stats, expected_for(labels[at]), labels[at]);
  }
  expect_stats(report["totals"], expected_for(""), "TOTALS");

  // Worked out by hand from the plan, at 0.1 false positives per true positive:
  // Anchor has no reviewed image (every bucket empty); Crab's 95-100 holds 2 confirmed but its
  // 90-95 one rejected image; Lobster is all confirmed; Shrimp's 95-100 is one rejected image.
  EXPECT_EQ(report["classes"][0]["threshold"], 80);
  EXPECT_EQ(report["classes"][1]["threshold"], 95);
  EXPECT_EQ(report["classes"][2]["threshold"], 80);
  EXPECT_TRUE(report["classes"][3]["threshold"].is_null());
  // Lobster: (80, right) and (93, right): (|1 - 0.80| + |1 - 0.93|) / 2.
  EXPECT_NEAR(report["classes"][2]["ece"].get<double>(), 0.135, 1e-9);
  EXPECT_TRUE(report["classes"][0]["ece"].is_null());
  // Class Average over Crab (4/6), Lobster (2/2), Shrimp (1/3); Anchor has no cell.
  EXPECT_NEAR(report["class_average"]["percent_correct"].get<double>(),
              (400.0 / 6 + 100.0 + 100.0 / 3) / 3, 1e-9);
}

TEST_F(ReportCommandTest, ThresholdOptionsReachTheReport) {
  // Crab at 0.5: the walk stops at 90-95 (1 incorrect, 0 correct); cumulatively, from 85 up
  // there are 1 incorrect for 3 correct, from 80 up 2 for 3.
  const json walked = report_json({"--max-fp-ratio", "0.5"});
  EXPECT_EQ(walked["classes"][1]["threshold"], 95);
  const json cumulative =
      report_json({"--max-fp-ratio", "0.5", "--threshold-method", "cumulative"});
  EXPECT_EQ(cumulative["threshold_method"], "cumulative");
  EXPECT_EQ(cumulative["max_fp_ratio"], 0.5);
  EXPECT_EQ(cumulative["classes"][1]["threshold"], 85);
  const json coarse = report_json({"--buckets", "0,90,100"});
  EXPECT_EQ(coarse["buckets"], json::parse("[[0,90],[90,100]]"));
  // Crab from 90 up: 2 confirmed, 1 rejected; below 90 (70 included now): 2 confirmed, 1 split.
  EXPECT_EQ(coarse["classes"][1]["buckets"][0]["total"], 3);
  EXPECT_EQ(coarse["classes"][1]["buckets"][1]["incorrect"], 1);
}

TEST_F(ReportCommandTest, OtherFormatsFromTheTable) {
  for (const std::string format : {"markdown", "csv", "html"}) {
    const std::string path = output_path("report." + format);
    const Run run = run_bulkqa(
        {"report", "--table", stack_->options().table, "--format", format, "--output", path});
    ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
    const std::string text = testing::read_file(path);
    EXPECT_NE(text.find("TOTALS"), std::string::npos) << format;
    EXPECT_NE(text.find("Class Average"), std::string::npos) << format;
    EXPECT_NE(text.find("Lobster"), std::string::npos) << format;
  }
}

TEST_F(ReportCommandTest, ExportFromTheTable) {
  const Run run =
      run_bulkqa({"export", "--table", stack_->options().table, "--confirmed",
                  output_path("confirmed.jsonl"), "--relabel", output_path("relabel.jsonl"),
                  "--label-categories", output_path("categories.json")});
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;

  std::set<std::pair<std::string, std::string>> expected_confirmed;
  std::set<std::string> settled, rejected;
  for (const auto& image : corpus()) {
    if (image.plan == Plan::confirm) {
      expected_confirmed.insert({url_of(image), image.label});
      settled.insert(url_of(image));
    }
    if (image.plan == Plan::reject || image.plan == Plan::split) rejected.insert(url_of(image));
  }
  std::set<std::string> expected_relabel;
  for (const auto& url : rejected) {
    if (!settled.contains(url)) expected_relabel.insert(url);
  }

  std::set<std::pair<std::string, std::string>> confirmed;
  std::istringstream confirmed_lines(testing::read_file(output_path("confirmed.jsonl")));
  for (std::string line; std::getline(confirmed_lines, line);) {
    const json entry = json::parse(line);
    confirmed.insert({entry["source-ref"].get<std::string>(),
                      entry["label-metadata"]["class-name"].get<std::string>()});
  }
  EXPECT_EQ(confirmed, expected_confirmed);

  std::set<std::string> relabel;
  std::istringstream relabel_lines(testing::read_file(output_path("relabel.jsonl")));
  for (std::string line; std::getline(relabel_lines, line);) {
    relabel.insert(json::parse(line)["source-ref"].get<std::string>());
  }
  EXPECT_EQ(relabel, expected_relabel);
  EXPECT_EQ(relabel.size(), 3u);  // crab/4, shrimp/1, shrimp/3; crab/3 is a lobster

  const json categories = json::parse(testing::read_file(output_path("categories.json")));
  EXPECT_EQ(categories["labels"],
            json::parse(R"([{"label":"Anchor"},{"label":"Crab"},{"label":"Lobster"},)"
                        R"({"label":"Shrimp"}])"));
}

TEST_F(ReportCommandTest, ErrorsGoToStderrWithAFailingExit) {
  Run run = run_bulkqa({"report", "--table", "no-such-table"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.stderr_text.find("no-such-table"), std::string::npos) << run.stderr_text;

  run = run_bulkqa({"report", "--table", stack_->options().table, "--buckets", "90,80"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.stderr_text.find("--buckets"), std::string::npos) << run.stderr_text;

  run = run_bulkqa({"report", "--input", output_path("missing.csv")});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.stderr_text.find("missing.csv"), std::string::npos) << run.stderr_text;

  run = run_bulkqa({"report", "--table", "a", "--input", "b"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_FALSE(run.stderr_text.empty());

  // A failed export writes nothing.
  const std::string confirmed = output_path("never.jsonl");
  run = run_bulkqa({"export", "--table", stack_->options().table, "--confirmed", confirmed,
                    "--relabel", output_path("no-such-dir/relabel.jsonl")});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.stderr_text.find("no-such-dir"), std::string::npos) << run.stderr_text;
  EXPECT_FALSE(std::filesystem::exists(confirmed));

  run = run_bulkqa({"export", "--table", stack_->options().table, "--confirmed", confirmed,
                    "--relabel", confirmed});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.stderr_text.find("named for two outputs"), std::string::npos) << run.stderr_text;
  EXPECT_FALSE(std::filesystem::exists(confirmed));
}

TEST_F(ReportCommandTest, EverySubcommandHasHelp) {
  for (const std::string command : {"report", "export"}) {
    const std::string help_file = output_path(command + "-help.txt");
    const std::string shell =
        testing::binary_path("bulkqa") + " " + command + " --help > " + help_file + " 2>&1";
    ASSERT_EQ(std::system(shell.c_str()), 0) << command;
    const std::string help = testing::read_file(help_file);
    EXPECT_NE(help.find("--table"), std::string::npos) << help;
    EXPECT_NE(help.find("--input"), std::string::npos) << help;
  }
}

}  // namespace
}  // namespace bulkqa
