// Corpora built to break a launch: control characters in labels, keys over S3's and DynamoDB's
// limits, and image paths on the stack bucket's own objects. Each is refused with its line and
// field before launch writes anything.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bulkqa/qa/corpus.hpp"
#include "bulkqa/qa/stack_layout.hpp"
#include "support/result_assertions.hpp"

namespace bulkqa {
namespace {

using testing::fails_with;

constexpr const char* kHeader = "image_local_path,label,confidence\n";

TEST(HostileCorpus, LabelsWithControlCharactersAreRefusedWithTheirLine) {
  // NUL, a C0 control, DEL, and the C1 controls U+0085 (NEXT LINE) and U+009F in UTF-8.
  for (const std::string& label : {std::string("Cr\0ab", 5),
                                   std::string("Cr\x01"
                                               "ab"),
                                   std::string("Crab\x7F"),
                                   std::string("Cr\xC2\x85"
                                               "ab"),
                                   std::string("\xC2\x9F"
                                               "Crab")}) {
    const std::string csv =
        std::string(kHeader) + "crab/1.jpg,Crab,90\ncrab/2.jpg," + label + ",90\n";
    EXPECT_TRUE(fails_with(parse_corpus(csv), "InvalidCorpus",
                           {"line 3", "field 'label'", "control character"}))
        << label;
  }
}

TEST(HostileCorpus, PathsWithC1ControlCharactersAreRefused) {
  const std::string csv = std::string(kHeader) + "crab/\xC2\x80.jpg,Crab,90\n";
  EXPECT_TRUE(fails_with(parse_corpus(csv), "InvalidCorpus",
                         {"line 2", "field 'image_local_path'", "control character"}));
}

TEST(HostileCorpus, PrintableCharactersNextToTheC1RangeAreKept) {
  // U+00A0 (no-break space) and U+00E9 are text, not controls.
  const std::string csv = std::string(kHeader) + "caf\xC3\xA9/1.jpg,Caf\xC3\xA9\xC2\xA0Noir,90\n";
  const auto corpus = parse_corpus(csv);
  ASSERT_TRUE(corpus.ok()) << corpus.error().describe();
  EXPECT_EQ(corpus->front().label, "Caf\xC3\xA9\xC2\xA0Noir");
}

TEST(HostileCorpus, NulInAPathAndInvalidUtf8StayRefused) {
  EXPECT_TRUE(
      fails_with(parse_corpus(std::string(kHeader) + std::string("crab/\0.jpg,Crab,90\n", 19)),
                 "InvalidCorpus", {"line 2", "field 'image_local_path'", "control"}));
  EXPECT_TRUE(fails_with(parse_corpus(std::string(kHeader) + "crab/1.jpg,Cr\xFF"
                                                             "ab,90\n"),
                         "InvalidCorpus", {"line 2", "field 'label'", "UTF-8"}));
}

CorpusRow row(std::string path, std::string label, std::size_t line) {
  return {std::move(path), std::move(label), 90, line};
}

// check_launch_keys for rows copied from `prefix` in the image source to `stack_bucket`.
Status check_copied_keys(const std::vector<CorpusRow>& rows, const std::string& stack_bucket,
                         const std::string& prefix, bool copy_images = true) {
  CompactCorpus corpus;
  for (const CorpusRow& row : rows) {
    corpus.add(row.image_local_path, row.label, row.confidence, row.line);
  }
  return check_launch_keys(corpus, {stack_bucket, "source-bucket", prefix, copy_images});
}

TEST(HostileCorpus, KeysAtTheLimitsPass) {
  const std::string prefix = "images/";
  const std::vector<CorpusRow> rows = {
      row(std::string(kMaxS3KeyBytes - prefix.size(), 'a'), "Crab", 2),
      row("crab/1.jpg", std::string(kMaxSortKeyBytes, 'L'), 3),
      // Bytes count, not characters: 512 two-byte characters are 1,024 bytes.
      row(
          "crab/2.jpg",
          [] {
            std::string label;
            for (int i = 0; i < 512; ++i) label += "\xC3\xA9";
            return label;
          }(),
          4)};
  const Status status = check_copied_keys(rows, "stack-bucket", prefix);
  EXPECT_TRUE(status.ok()) << status.error().describe();
}

TEST(HostileCorpus, ALabelOverTheSortKeyLimitNamesItsLine) {
  std::string label;
  for (int i = 0; i < 513; ++i) label += "\xC3\xA9";  // 513 characters, 1,026 bytes
  const std::vector<CorpusRow> rows = {row("crab/1.jpg", "Crab", 2), row("crab/2.jpg", label, 7)};
  EXPECT_TRUE(fails_with(check_copied_keys(rows, "stack", ""), "InvalidCorpus",
                         {"line 7", "field 'label'", "sort key", "1026 bytes", "1024"}));
}

TEST(HostileCorpus, APathOverTheS3KeyLimitNamesItsLine) {
  const std::vector<CorpusRow> rows = {row(std::string(kMaxS3KeyBytes + 1, 'p'), "Crab", 4)};
  EXPECT_TRUE(fails_with(
      check_copied_keys(rows, "stack", ""), "InvalidCorpus",
      {"line 4", "field 'image_local_path'", "stack bucket", "1025 bytes", "S3's limit of 1024"}));
}

TEST(HostileCorpus, ThePrefixCountsTowardsTheSourceKey) {
  // 1,020 bytes fit as the stack bucket's key, but not after a 5-byte prefix.
  const std::vector<CorpusRow> rows = {row(std::string(1020, 'p'), "Crab", 9)};
  EXPECT_TRUE(check_copied_keys(rows, "stack", "").ok());
  EXPECT_TRUE(
      fails_with(check_copied_keys(rows, "stack", "imgs/"), "InvalidCorpus",
                 {"line 9", "field 'image_local_path'", "source key", "'imgs/'", "1025 bytes"}));
}

TEST(HostileCorpus, TheStackBucketsNameCountsTowardsThePartitionKey) {
  // s3://<bucket>/<path> is the partition key; only an absurd bucket name can push it over.
  const std::vector<CorpusRow> rows = {row("crab/1.jpg", "Crab", 2)};
  const std::string bucket(kMaxPartitionKeyBytes, 'b');
  EXPECT_TRUE(fails_with(check_copied_keys(rows, bucket, ""), "InvalidCorpus",
                         {"line 2", "partition key s3_image_url", "DynamoDB's limit of 2048"}));
}

TEST(HostileCorpus, PathsOnTheStacksOwnObjectsAreRefused) {
  struct Case {
    std::string path;
    std::string what;
  };
  for (const auto& [path, what] : std::vector<Case>{
           {"batches/x.jpg", "batch objects under 'batches/'"},
           {"batches/000000-Crab.json", "batch objects"},
           {"manifest.json", "the manifest"},
           {"templates/bulkqa.liquid.html", "the worker template"},
           {"ground-truth-output/job/annotations/x.json", "the labeling job's output"}}) {
    const std::vector<CorpusRow> rows = {row("crab/1.jpg", "Crab", 2), row(path, "Crab", 3)};
    EXPECT_TRUE(fails_with(check_copied_keys(rows, "stack", "images/"), "InvalidCorpus",
                           {"line 3", "field 'image_local_path'", "'" + path + "'", what}))
        << path;
  }
}

TEST(HostileCorpus, ImagesLeftInPlaceMayHaveAnyPathTheStackKeeps) {
  // Nothing is copied into the stack bucket, so no path there can collide with its objects.
  const std::vector<CorpusRow> rows = {row("manifest.json", "Crab", 2),
                                       row("batches/x.jpg", "Crab", 3)};
  const Status status = check_copied_keys(rows, "stack", "images/", false);
  EXPECT_TRUE(status.ok()) << status.error().describe();
}

TEST(HostileCorpus, KeysThatOnlyResembleTheStacksObjectsPass) {
  const std::vector<CorpusRow> rows = {
      row("batches.jpg", "Crab", 2),       row("crab/batches/1.jpg", "Crab", 3),
      row("manifest.json.jpg", "Crab", 4), row("templates/other.html", "Crab", 5),
      row("Batches/1.jpg", "Crab", 6),     row("ground-truth-output.jpg", "Crab", 7)};
  const Status status = check_copied_keys(rows, "stack", "");
  EXPECT_TRUE(status.ok()) << status.error().describe();
}

}  // namespace
}  // namespace bulkqa
