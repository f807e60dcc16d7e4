// The main job, `bulkqa serve --auto-review N` (and its alias `bulkqa demo`), run as a user runs
// it: its printed per-label counts must match what the truth map says of the sample, worked out
// here independently; and SIGINT or SIGTERM must stop every process it started.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "bulkqa/local/function_process.hpp"
#include "support/function_harness.hpp"
#include "support/process_output.hpp"

namespace bulkqa {
namespace {

// A class's row of the report: reviewed images, and how many of them each status has.
struct LabelCounts {
  int images = 0;
  int confirmed = 0;
  int disconfirmed = 0;
  int split = 0;
  bool operator==(const LabelCounts&) const = default;
};

std::vector<std::string> split(const std::string& line, char separator) {
  std::vector<std::string> fields;
  std::istringstream in(line);
  for (std::string field; std::getline(in, field, separator);) fields.push_back(field);
  return fields;
}

std::string trimmed(std::string text) {
  const auto first = text.find_first_not_of(" \r");
  const auto last = text.find_last_not_of(" \r");
  return first == std::string::npos ? "" : text.substr(first, last - first + 1);
}

// With reviewers who never err, an image is confirmed exactly when its folder's label is the
// model's label, else disconfirmed; images below the minimum confidence are left out.
std::map<std::string, LabelCounts> expected_counts(const std::string& corpus,
                                                   double min_confidence) {
  std::map<std::string, std::string> label_of_folder;
  std::istringstream map_lines(
      testing::read_file(testing::source_path("samples/caltech101_labels.csv")));
  std::string line;
  std::getline(map_lines, line);
  while (std::getline(map_lines, line)) {
    const auto fields = split(trimmed(line), ',');
    if (fields.size() == 2) label_of_folder[fields[0]] = fields[1];
  }
  std::istringstream rows(testing::read_file(testing::source_path(corpus)));
  std::getline(rows, line);
  const auto header = split(trimmed(line), ',');
  const auto column = [&header](const std::string& name) {
    return std::find(header.begin(), header.end(), name) - header.begin();
  };
  const auto path_at = column("image_local_path");
  const auto label_at = column("label");
  const auto confidence_at = column("confidence");
  std::map<std::string, LabelCounts> counts;
  while (std::getline(rows, line)) {
    const auto fields = split(trimmed(line), ',');
    if (fields.size() != header.size() || std::stod(fields[confidence_at]) < min_confidence) {
      continue;
    }
    const std::string& label = fields[label_at];
    auto& row = counts[label];
    ++row.images;
    const std::string folder = fields[path_at].substr(0, fields[path_at].find('/'));
    const auto truth = label_of_folder.find(folder);
    ++(truth != label_of_folder.end() && truth->second == label ? row.confirmed : row.disconfirmed);
  }
  return counts;
}

// The class rows of the report's first table (Label, Total, Confirmed, Disconfirm, Split, ...).
std::map<std::string, LabelCounts> printed_counts(const std::string& output) {
  std::map<std::string, LabelCounts> counts;
  std::istringstream lines(output);
  bool in_table = false;
  for (std::string line; std::getline(lines, line);) {
    auto cells = split(line, '|');
    if (!in_table) {
      in_table = cells.size() > 5 && trimmed(cells[1]) == "Label";
      continue;
    }
    if (cells.size() < 6) break;
    const std::string label = trimmed(cells[1]);
    if (label.starts_with("---") || label == "TOTALS" || label == "Class Average") continue;
    counts[label] = {std::stoi(cells[2]), std::stoi(cells[3]), std::stoi(cells[4]),
                     std::stoi(cells[5])};
  }
  return counts;
}

class MainJobTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(work_dir_); }

  struct Run {
    int status;
    std::string output;
    std::string errors;
  };

  // `bulkqa <arguments>` from the source root, as the README runs it.
  Run run(const std::string& arguments) {
    const std::filesystem::path errors = work_dir_.string() + ".stderr";
    const std::string command = "cd " + testing::source_path("") + " && " +
                                testing::binary_path("bulkqa") + " " + arguments + " --work-dir " +
                                work_dir_.string() + " 2>" + errors.string();
    FILE* pipe = ::popen(command.c_str(), "r");
    EXPECT_NE(pipe, nullptr);
    std::string output;
    char buffer[4096];
    while (std::size_t read = std::fread(buffer, 1, sizeof buffer, pipe)) {
      output.append(buffer, read);
    }
    const int status = ::pclose(pipe);
    std::string error_text = testing::read_file(errors);
    std::filesystem::remove(errors);
    return {status, output, error_text};
  }

  std::filesystem::path work_dir_ =
      std::filesystem::temp_directory_path() / ("bulkqa-main-job-" + std::to_string(::getpid()));
};

TEST_F(MainJobTest, AutoReviewOfShellfishPrintsTheVotesTheTruthMapImplies) {
  const Run run = this->run("serve --auto-review 3 --error-rate 0 --corpus samples/shellfish.csv");
  ASSERT_EQ(run.status, 0) << run.errors;
  const auto expected = expected_counts("samples/shellfish.csv", 80);
  EXPECT_EQ(printed_counts(run.output), expected) << run.output;
  EXPECT_EQ(expected.size(), 5u);
  // Progress on the long steps, and every task's votes counted.
  EXPECT_NE(run.errors.find("[5/6] 3 simulated reviewers"), std::string::npos) << run.errors;
  EXPECT_NE(run.errors.find("13 of 13 tasks reviewed and counted"), std::string::npos)
      << run.errors;
}

TEST_F(MainJobTest, DemoIsTheSameCommand) {
  const Run run = this->run(
      "demo --corpus samples/smallsample.csv --auto-review 1 --error-rate 0 --min-confidence 0");
  ASSERT_EQ(run.status, 0) << run.errors;
  const auto expected = expected_counts("samples/smallsample.csv", 0);
  EXPECT_EQ(printed_counts(run.output), expected) << run.output;
  EXPECT_GT(expected.size(), 5u);
}

TEST_F(MainJobTest, ErringReviewersChangeTheReportAndEveryImageIsStillReviewed) {
  const Run run = this->run(
      "serve --corpus samples/shellfish.csv --auto-review 3 --workers-per-task 2 --error-rate 0.3");
  ASSERT_EQ(run.status, 0) << run.errors;
  const auto perfect = expected_counts("samples/shellfish.csv", 80);
  const auto printed = printed_counts(run.output);
  ASSERT_EQ(printed.size(), perfect.size()) << run.output;
  int differing = 0;
  for (const auto& [label, counts] : printed) {
    EXPECT_EQ(counts.images, perfect.at(label).images) << label;
    EXPECT_EQ(counts.confirmed + counts.disconfirmed + counts.split, counts.images) << label;
    if (counts != perfect.at(label)) ++differing;
  }
  EXPECT_GT(differing, 0) << "an error rate of 0.3 changed no label's votes";
}

TEST_F(MainJobTest, BadOptionsAreRefusedBeforeAnythingStarts) {
  const Run more_workers = run("serve --auto-review 2 --workers-per-task 3");
  EXPECT_EQ(WEXITSTATUS(more_workers.status), 1);
  EXPECT_NE(more_workers.errors.find("--workers-per-task 3"), std::string::npos)
      << more_workers.errors;
  const Run no_corpus = run("serve --corpus samples/none.csv");
  EXPECT_EQ(WEXITSTATUS(no_corpus.status), 1);
  EXPECT_NE(no_corpus.errors.find("samples/none.csv"), std::string::npos) << no_corpus.errors;
  EXPECT_FALSE(std::filesystem::exists(work_dir_ / "moto.log"));
}

// The processes whose parent is `parent`.
std::set<pid_t> children_of(pid_t parent) {
  std::set<pid_t> children;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // pid (command) state ppid ...: the command may hold spaces, so read after its ')'.
    const auto close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(text.substr(close + 1));
    std::string state;
    pid_t ppid = 0;
    if (fields >> state >> ppid && ppid == parent) children.insert(std::stoi(name));
  }
  return children;
}

bool process_exists(pid_t pid) {
  return ::kill(pid, 0) == 0 || errno != ESRCH;
}

class StopSignalTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(work_dir_); }

  // Starts `bulkqa serve` with these arguments, its stderr in a file.
  local::FunctionProcess start(std::vector<std::string> arguments) {
    std::filesystem::create_directories(work_dir_);
    arguments.insert(arguments.begin(), "serve");
    arguments.insert(arguments.end(), {"--work-dir", work_dir_.string(), "--truth-map",
                                       testing::source_path("samples/caltech101_labels.csv")});
    auto process =
        local::FunctionProcess::start(testing::binary_path("bulkqa"), {}, stderr_file(), arguments);
    if (!process) throw std::runtime_error(process.error().describe());
    return std::move(*process);
  }

  std::filesystem::path stderr_file() const { return work_dir_ / "serve.stderr"; }

  bool wait_for_output(local::FunctionProcess& process, const std::string& text) {
    return testing::wait_for_output(process, stderr_file(), text);
  }

  // Sends `signal` to the command alone (not to its children), and checks that it exits with
  // 128 + signal having stopped every process it had started.
  void expect_stops_everything(local::FunctionProcess& process, int signal) {
    const std::set<pid_t> children = children_of(process.pid());
    EXPECT_GE(children.size(), 1u);
    ASSERT_EQ(::kill(process.pid(), signal), 0);
    EXPECT_EQ(process.wait(), 128 + signal);
    for (const pid_t child : children) EXPECT_FALSE(process_exists(child)) << "pid " << child;
    EXPECT_NE(testing::read_file(stderr_file()).find("stopped by signal"), std::string::npos);
  }

  std::filesystem::path work_dir_ =
      std::filesystem::temp_directory_path() / ("bulkqa-stop-" + std::to_string(::getpid()));
};

TEST_F(StopSignalTest, CtrlCDuringTheBrowserReviewStopsMotoAndTheFunctions) {
  auto serve = start({"--corpus", testing::source_path("samples/smallsample.csv")});
  ASSERT_TRUE(wait_for_output(serve, "open http://127.0.0.1:"))
      << testing::read_file(stderr_file());
  // moto and the three functions.
  EXPECT_EQ(children_of(serve.pid()).size(), 4u);
  expect_stops_everything(serve, SIGINT);
}

TEST_F(StopSignalTest, SigtermDuringTheLaunchStopsEverything) {
  auto serve =
      start({"--corpus", testing::source_path("samples/sample.csv"), "--auto-review", "2"});
  ASSERT_TRUE(wait_for_output(serve, "[3/6] launch")) << testing::read_file(stderr_file());
  expect_stops_everything(serve, SIGTERM);
}

}  // namespace
}  // namespace bulkqa
