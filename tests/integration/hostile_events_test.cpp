// Hostile events to the three real executables behind a local Runtime API: events nested far
// deeper than any real one, request types CloudFormation never sends, 100,000-character fields.
// Every function must answer every invocation, and still be there for the next one.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/function_harness.hpp"
#include "support/moto.hpp"
#include "support/test_stack.hpp"

namespace bulkqa {
namespace {

using nlohmann::json;
using testing::kJobArn;

// 200 KB of text: enough to overflow the stack of anything that recurses once per level.
constexpr std::size_t kHostileDepth = 100'000;
constexpr const char* kPlaceholder = "\"@@raw@@\"";

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + "0" + std::string(depth, ']');
}

// `event` as text with the value at `pointer` (set to a placeholder first) replaced by `raw`.
std::string with_raw_value(json event, const std::string& pointer, const std::string& raw) {
  event[json::json_pointer(pointer)] = "@@raw@@";
  std::string text = event.dump();
  text.replace(text.find(kPlaceholder), std::string(kPlaceholder).size(), raw);
  return text;
}

class HostileEventsTest : public ::testing::Test {
 protected:
  json launch_event(const std::string& type, const std::string& id) {
    return stack_.custom_resource_event(type, receiver_->url(id), id, "corpus/none.csv");
  }

  json pre_labeling_event() {
    const json batch = json::array({{{"s3_image_url", "s3://" + stack_.stack_bucket + "/a.jpg"},
                                     {"label", "Crab"},
                                     {"confidence", 91.5}}});
    return {{"version", "2018-10-06"},
            {"labelingJobArn", kJobArn},
            {"dataObject", {{"source", batch.dump()}}}};
  }

  // Launch answers CloudFormation FAILED for `id`, naming `reason_part`.
  void expect_failed_answer(const local::InvokeResult& result, const std::string& id,
                            const std::string& reason_part) {
    EXPECT_FALSE(result.timed_out);
    const json response = receiver_->response(id);
    ASSERT_TRUE(response.is_object()) << "nothing PUT to the ResponseURL for " << id;
    EXPECT_EQ(response["Status"], "FAILED") << response.dump();
    EXPECT_EQ(response["RequestId"], id);
    EXPECT_NE(response["Reason"].get<std::string>().find(reason_part), std::string::npos)
        << response.dump();
  }

  testing::TestStack stack_;
  testing::ResponseReceiver receiver_;
};

TEST_F(HostileEventsTest, LaunchAnswersFailedForAPropertyNested100000Deep) {
  testing::FunctionUnderTest launch("bulkqa-launch", stack_.environment());
  const auto result =
      launch.invoke_text(with_raw_value(launch_event("Create", "deep-property"),
                                        "/ResourceProperties/Extra", nested_arrays(kHostileDepth)));
  expect_failed_answer(result, "deep-property", "deeper than 64");
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error_type, "InvalidEvent");

  // Still there: the next request gets its answer too.
  const auto next = launch.invoke(launch_event("Frobnicate", "after-deep"));
  expect_failed_answer(next, "after-deep", "RequestType");
}

TEST_F(HostileEventsTest, LaunchAnswersFailedWhenTheDeepValueComesBeforeTheResponseUrl) {
  // Keys are written sorted, so "Deep" comes before every field launch needs to answer.
  testing::FunctionUnderTest launch("bulkqa-launch", stack_.environment());
  const auto result = launch.invoke_text(
      with_raw_value(launch_event("Delete", "deep-first"), "/Deep", nested_arrays(kHostileDepth)));
  expect_failed_answer(result, "deep-first", "deeper than 64");
  EXPECT_EQ(receiver_->response("deep-first")["PhysicalResourceId"],
            "bulkqa-launch-" + stack_.stack_bucket);
}

TEST_F(HostileEventsTest, LaunchRefusesADeepEventThatNamesNoResponseUrl) {
  testing::FunctionUnderTest launch("bulkqa-launch", stack_.environment());
  const auto result = launch.invoke_text(nested_arrays(kHostileDepth));
  EXPECT_FALSE(result.ok);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.error_type, "InvalidEvent");
  EXPECT_NE(result.error_message.find("deeper than 64"), std::string::npos) << result.error_message;
  const auto next = launch.invoke(launch_event("Frobnicate", "after-array"));
  expect_failed_answer(next, "after-array", "RequestType");
}

TEST_F(HostileEventsTest, LaunchAnswersFailedForRequestTypesCloudFormationNeverSends) {
  testing::FunctionUnderTest launch("bulkqa-launch", stack_.environment());
  const std::string huge(100'000, 'C');
  int n = 0;
  for (const std::string& type :
       std::vector<std::string>{"", "create", "Frobnicate", "Create ", huge}) {
    SCOPED_TRACE(type.substr(0, 20));
    const std::string id = "type-" + std::to_string(n++);
    const auto result = launch.invoke(launch_event(type, id));
    expect_failed_answer(result, id, "RequestType");
    // The reason quotes the type cut short: the whole answer stays within CloudFormation's 4 KB.
    EXPECT_LT(receiver_->response(id).dump().size(), 4096u);
  }
  EXPECT_EQ(stack_.table_items().size(), 0u);
}

TEST_F(HostileEventsTest, LaunchAnswersFailedForACorpusLabelThatIsNotUtf8) {
  ASSERT_TRUE(stack_.s3()
                  .put_object({stack_.launch_bucket, "corpus/none.csv",
                               "image_local_path,label,confidence\ncrab/1.jpg,Crab,99\n"
                               "crab/2.jpg,Cr\xff"
                               "b,98\n"})
                  .ok());
  testing::FunctionUnderTest launch("bulkqa-launch", stack_.environment());
  expect_failed_answer(launch.invoke(launch_event("Create", "latin1")), "latin1", "line 3");
  EXPECT_NE(receiver_->response("latin1")["Reason"].get<std::string>().find("UTF-8"),
            std::string::npos);
  EXPECT_TRUE(stack_.table_items().empty());
}

TEST_F(HostileEventsTest, PreLabelingRefusesAnEventNested100000DeepAndAnswersTheNext) {
  testing::FunctionUnderTest pre_labeling("bulkqa-pre-labeling", stack_.environment());
  const auto result = pre_labeling.invoke_text(
      with_raw_value(pre_labeling_event(), "/dataObject/extra", nested_arrays(kHostileDepth)));
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error_type, "InvalidEvent");
  EXPECT_NE(result.error_message.find("deeper than 64"), std::string::npos) << result.error_message;
  const json answer = pre_labeling.invoke_ok(pre_labeling_event());
  EXPECT_EQ(answer["taskInput"]["sourceRef"].size(), 1u);
}

TEST_F(HostileEventsTest, PostLabelingRefusesAnEventNested100000DeepAndAnswersTheNext) {
  testing::FunctionUnderTest post_labeling("bulkqa-post-labeling", stack_.environment());
  const json event = stack_.post_labeling_event("gt/none.json");
  const auto result = post_labeling.invoke_text(
      with_raw_value(event, "/labelCategories", nested_arrays(kHostileDepth)));
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error_type, "InvalidEvent");
  EXPECT_NE(result.error_message.find("deeper than 64"), std::string::npos) << result.error_message;
  // The next invocation is answered: an empty consolidation request gives an empty answer.
  ASSERT_TRUE(stack_.s3().put_object({stack_.stack_bucket, "gt/empty.json", "[]"}).ok());
  EXPECT_EQ(post_labeling.invoke_ok(stack_.post_labeling_event("gt/empty.json")), json::array());
}

TEST_F(HostileEventsTest, EventsNestedWithinTheLimitAreServed) {
  // A real event nests 4 levels; values nested up to the limit in ignored fields are let be.
  testing::FunctionUnderTest pre_labeling("bulkqa-pre-labeling", stack_.environment());
  const json answer = pre_labeling.invoke_ok(
      json::parse(with_raw_value(pre_labeling_event(), "/dataObject/extra", nested_arrays(62))));
  EXPECT_EQ(answer["taskInput"]["sourceRef"].size(), 1u);
}

TEST_F(HostileEventsTest, HundredThousandCharacterFieldsAreServedOrRefusedBriefly) {
  const std::string huge(100'000, 'x');
  testing::FunctionUnderTest pre_labeling("bulkqa-pre-labeling", stack_.environment());
  json event = pre_labeling_event();
  event["labelingJobArn"] = huge;
  EXPECT_EQ(pre_labeling.invoke_ok(event)["taskInput"]["sourceRef"].size(), 1u);

  // A source-ref 100,000 characters long is refused, and the error quotes it cut short.
  event["dataObject"] = {{"source-ref", "s3://" + huge + "/batch.json"}};
  const auto refused = pre_labeling.invoke(event);
  EXPECT_FALSE(refused.ok);
  EXPECT_LT(refused.error_message.size(), 2000u) << refused.error_message.substr(0, 300);
}

}  // namespace
}  // namespace bulkqa
