// Corpora built to half-write a launch, and properties out of range, run through the real launch
// executable against moto: each one, given as an Update of a stack that launched fine, ends FAILED
// with a Reason naming the line, field, key or property at fault, and leaves the stack bucket and
// the image table exactly as they were.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/function_harness.hpp"
#include "support/moto.hpp"
#include "support/test_stack.hpp"

namespace bulkqa {
namespace {

using nlohmann::json;
using testing::kImagePrefix;

constexpr const char* kHeader = "image_local_path,label,confidence\n";

// Rows an Update adds before the bad one: their images exist, so a launch that checks as it goes
// would already have copied them, written their batches and their items.
constexpr const char* kGoodRows =
    "crab/new-1.jpg,Crab,95\n"
    "lobster/new-2.jpg,Lobster,91\n";

struct HostileCorpus {
  std::string name;
  std::string bad_row;  // line 4 of the corpus
  std::vector<std::string> reason_parts;
};

// gtest names the case rather than dumping its bytes.
void PrintTo(const HostileCorpus& corpus, std::ostream* out) {
  *out << corpus.name;
}

// A stack launched fine from three rows, whose images and those of the rows an Update adds exist.
class LaunchedStackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<aws::PutObjectRequest> images;
    for (const char* path :
         {"crab/1.jpg", "crab/2.jpg", "lobster/1.jpg", "crab/new-1.jpg", "lobster/new-2.jpg",
          "crab/new-3.jpg", "batches/x.jpg", "manifest.json", "templates/bulkqa.liquid.html",
          "ground-truth-output/x.jpg"}) {
      images.push_back({stack_.source_bucket, std::string(kImagePrefix) + path,
                        std::string("image:") + path, "image/jpeg"});
    }
    for (const auto& status : stack_.s3().put_objects(std::move(images))) {
      ASSERT_TRUE(status.ok()) << status.error().describe();
    }
    const json created = launch("Create", "create",
                                std::string(kHeader) +
                                    "crab/1.jpg,Crab,99\n"
                                    "crab/2.jpg,Crab,90\n"
                                    "lobster/1.jpg,Lobster,88\n");
    ASSERT_EQ(created["Status"], "SUCCESS") << created.dump();
    objects_before_ = stack_.stack_objects();
    items_before_ = stack_.table_items();
    ASSERT_EQ(objects_before_.size(), 3u + 2u + 2u);  // images, batches, manifest and template
    ASSERT_EQ(items_before_.size(), 3u);
  }

  // The response to a launch of `corpus`, with `properties` set over the stack's own.
  json launch(const std::string& type, const std::string& id, const std::string& corpus,
              const json& properties = json::object()) {
    const std::string key = "corpus/" + id + ".csv";
    EXPECT_TRUE(stack_.s3().put_object({stack_.launch_bucket, key, corpus}).ok());
    json event = stack_.custom_resource_event(type, receiver_->url(id), id, key);
    event["ResourceProperties"].update(properties);
    function_.invoke(event);
    return receiver_->response(id);
  }

  static void expect_reason_names(const json& response, const std::vector<std::string>& parts) {
    ASSERT_EQ(response["Status"], "FAILED") << response.dump();
    const std::string reason = response["Reason"];
    for (const auto& part : parts) {
      EXPECT_NE(reason.find(part), std::string::npos) << "'" << part << "' not in: " << reason;
    }
  }

  void expect_untouched() {
    EXPECT_EQ(stack_.stack_objects(), objects_before_);
    EXPECT_EQ(stack_.table_items(), items_before_);
  }

  testing::TestStack stack_;
  testing::ResponseReceiver receiver_;
  testing::FunctionUnderTest function_{"bulkqa-launch", stack_.environment()};
  std::map<std::string, std::string> objects_before_;
  std::map<testing::ImageKey, json> items_before_;
};

class HostileLaunchTest : public LaunchedStackTest,
                          public ::testing::WithParamInterface<HostileCorpus> {};

TEST_P(HostileLaunchTest, FailsNamingTheFaultAndWritesNothing) {
  const HostileCorpus& corpus = GetParam();
  const json response =
      launch("Update", "update", std::string(kHeader) + kGoodRows + corpus.bad_row + "\n");
  expect_reason_names(response, corpus.reason_parts);
  expect_untouched();
}

INSTANTIATE_TEST_SUITE_P(
    Corpora, HostileLaunchTest,
    ::testing::Values(
        HostileCorpus{"LabelOverTheSortKeyLimit",
                      "crab/new-3.jpg," + std::string(1025, 'L') + ",95",
                      {"line 4", "field 'label'", "sort key", "1025 bytes"}},
        HostileCorpus{
            "MissingSourceImage",
            "crab/absent.jpg,Crab,95",
            {"MissingSourceImages", "1 of 3", "/caltech101/crab/absent.jpg", "corpus line 4"}},
        HostileCorpus{"PathUnderTheBatchPrefix",
                      "batches/x.jpg,Crab,95",
                      {"line 4", "field 'image_local_path'", "'batches/x.jpg'", "batch objects"}},
        HostileCorpus{"PathOfTheManifest",
                      "manifest.json,Crab,95",
                      {"line 4", "'manifest.json'", "the manifest"}},
        HostileCorpus{"PathOfTheWorkerTemplate",
                      "templates/bulkqa.liquid.html,Crab,95",
                      {"line 4", "'templates/bulkqa.liquid.html'", "worker template"}},
        HostileCorpus{"PathUnderTheLabelingJobsOutput",
                      "ground-truth-output/x.jpg,Crab,95",
                      {"line 4", "'ground-truth-output/x.jpg'", "labeling job's output"}},
        HostileCorpus{"PathOverTheS3KeyLimit",
                      "crab/" + std::string(1020, 'p') + ",Crab,95",
                      {"line 4", "field 'image_local_path'", "1025 bytes", "S3"}},
        HostileCorpus{"SourceKeyOverTheS3KeyLimit",
                      "crab/" + std::string(1010, 'p') + ",Crab,95",
                      {"line 4", "field 'image_local_path'", "source key", "1026 bytes"}},
        HostileCorpus{"ControlCharacterInALabel",
                      "crab/new-3.jpg,Cr\x01"
                      "ab,95",
                      {"line 4", "field 'label'", "control character"}},
        HostileCorpus{"C1ControlCharacterInALabel",
                      "crab/new-3.jpg,Cr\xC2\x85"
                      "ab,95",
                      {"line 4", "field 'label'", "control character"}},
        HostileCorpus{"NulInAPath",
                      std::string("crab/\0.jpg,Crab,95", 18),
                      {"line 4", "field 'image_local_path'", "control character"}},
        HostileCorpus{"LabelNotUtf8",
                      "crab/new-3.jpg,Cr\xFF"
                      "ab,95",
                      {"line 4", "field 'label'", "UTF-8"}}),
    [](const auto& info) { return info.param.name; });

struct HostileProperty {
  std::string name;
  std::string property;
  json value;
  std::vector<std::string> reason_parts;
};

void PrintTo(const HostileProperty& property, std::ostream* out) {
  *out << property.name;
}

class HostilePropertyTest : public LaunchedStackTest,
                            public ::testing::WithParamInterface<HostileProperty> {};

// A corpus that launches fine, with one property out of range: CloudFormation's own checks of the
// template's parameters do not cover a resource whose properties are set by hand.
TEST_P(HostilePropertyTest, FailsNamingThePropertyAndWritesNothing) {
  const HostileProperty& property = GetParam();
  const json response = launch("Update", "update", std::string(kHeader) + kGoodRows,
                               {{property.property, property.value}});
  expect_reason_names(response, property.reason_parts);
  expect_untouched();
}

INSTANTIATE_TEST_SUITE_P(
    Properties, HostilePropertyTest,
    ::testing::Values(
        HostileProperty{"ConcurrencyZero", "Concurrency", "0", {"Concurrency", "1 to 1024"}},
        HostileProperty{"ConcurrencyOverTheMaximum",
                        "Concurrency",
                        "1025",
                        {"Concurrency", "1025", "1 to 1024"}},
        HostileProperty{"ConcurrencyNotANumber",
                        "Concurrency",
                        "many",
                        {"Concurrency", "'many'", "not a number"}},
        HostileProperty{"CopyImagesNeitherTrueNorFalse",
                        "CopyImages",
                        "yes",
                        {"CopyImages", "not true or false"}}),
    [](const auto& info) { return info.param.name; });

// Over a thousand images, between as many unrelated keys of the same prefix, take several listing
// pages in several rounds: the missing ones, first and last in key order, are the only ones
// reported, and nothing is written.
TEST(HostileLaunchAtScale, MissingImagesAmongThousandsAreNamedBeforeAnyWrite) {
  testing::TestStack stack;
  testing::ResponseReceiver receiver;
  std::vector<aws::PutObjectRequest> objects;
  std::string corpus = kHeader;
  corpus += "crab/0000-absent.jpg,Crab,95\n";  // line 2, sorts before every other image
  for (int i = 0; i < 1200; ++i) {
    const std::string path = "crab/" + std::to_string(1000000 + i) + "-\xC3\xA9t\xC3\xA9.jpg";
    corpus += path + ",Crab,95\n";
    objects.push_back({stack.source_bucket, kImagePrefix + path, "x"});
    objects.push_back(
        {stack.source_bucket,
         kImagePrefix + std::string("crab/") + std::to_string(1000000 + i) + "-unrelated.jpg",
         "x"});
  }
  corpus += "crab/\xF0\x9F\xA6\x80-absent.jpg,Crab,95\n";  // line 1203: U+1F980 sorts last
  for (const auto& status : stack.s3().put_objects(std::move(objects))) {
    ASSERT_TRUE(status.ok()) << status.error().describe();
  }
  ASSERT_TRUE(stack.s3().put_object({stack.launch_bucket, "corpus/big.csv", corpus}).ok());

  testing::FunctionUnderTest launch("bulkqa-launch", stack.environment());
  launch.invoke(
      stack.custom_resource_event("Create", receiver->url("big"), "big", "corpus/big.csv"));
  const json response = receiver->response("big");
  ASSERT_EQ(response["Status"], "FAILED") << response.dump();
  const std::string reason = response["Reason"];
  for (const std::string_view part :
       {"2 of 1202 source images do not exist", "/caltech101/crab/0000-absent.jpg (corpus line 2)",
        "/caltech101/crab/\xF0\x9F\xA6\x80-absent.jpg (corpus line 1203)"}) {
    EXPECT_NE(reason.find(part), std::string::npos) << "'" << part << "' not in: " << reason;
  }
  EXPECT_TRUE(stack.stack_objects().empty());
  EXPECT_TRUE(stack.table_items().empty());
}

}  // namespace
}  // namespace bulkqa
