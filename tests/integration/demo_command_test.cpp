// `bulkqa demo`, the README's main job, run as a user runs it: its printed per-label counts must
// match what the truth map says of the sample, worked out here independently.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

#include "support/function_harness.hpp"

namespace bulkqa {
namespace {

struct LabelCounts {
  int images = 0;
  int confirms = 0;
  int disconfirms = 0;
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

// With one reviewer who never errs, an image gets a confirm exactly when its folder's label is
// the model's label.
std::map<std::string, LabelCounts> expected_counts(const std::string& corpus,
                                                   const std::string& map) {
  std::map<std::string, std::string> label_of_folder;
  std::istringstream map_lines(testing::read_file(testing::source_path(map)));
  std::string line;
  std::getline(map_lines, line);
  while (std::getline(map_lines, line)) {
    const auto fields = split(trimmed(line), ',');
    if (fields.size() == 2) label_of_folder[fields[0]] = fields[1];
  }
  std::map<std::string, LabelCounts> counts;
  std::istringstream rows(testing::read_file(testing::source_path(corpus)));
  std::getline(rows, line);  // header: image_local_path,label,confidence
  while (std::getline(rows, line)) {
    const auto fields = split(trimmed(line), ',');
    if (fields.size() != 3) continue;
    auto& row = counts[fields[1]];
    ++row.images;
    const std::string folder = fields[0].substr(0, fields[0].find('/'));
    const auto truth = label_of_folder.find(folder);
    (truth != label_of_folder.end() && truth->second == fields[1] ? row.confirms
                                                                  : row.disconfirms) += 1;
  }
  return counts;
}

std::map<std::string, LabelCounts> printed_counts(const std::string& output) {
  std::map<std::string, LabelCounts> counts;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    auto cells = split(line, '|');
    if (cells.size() < 5 || trimmed(cells[1]) == "Label" || trimmed(cells[1]).starts_with("---"))
      continue;
    const std::string label = trimmed(cells[1]);
    if (label == "TOTAL") continue;
    counts[label] = {std::stoi(cells[2]), std::stoi(cells[3]), std::stoi(cells[4])};
  }
  return counts;
}

TEST(DemoCommandTest, PrintsTheVotesTheTruthMapImplies) {
  const auto work_dir =
      std::filesystem::temp_directory_path() / ("bulkqa-demo-" + std::to_string(::getpid()));
  const std::string command = "cd " + testing::source_path("") + " && " +
                              testing::binary_path("bulkqa") +
                              " demo --corpus samples/smallsample.csv --reviewers 1 --error-rate 0"
                              " --min-confidence 0 --work-dir " +
                              work_dir.string() + " 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (std::size_t read = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, read);
  const int status = ::pclose(pipe);
  ASSERT_EQ(status, 0) << output;

  const auto expected = expected_counts("samples/smallsample.csv", "samples/caltech101_labels.csv");
  EXPECT_EQ(printed_counts(output), expected) << output;
  EXPECT_GT(expected.size(), 5u);
  std::filesystem::remove_all(work_dir);
}

}  // namespace
}  // namespace bulkqa
