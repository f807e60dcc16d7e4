#include "bulkqa/qa/ground_truth.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "support/result_assertions.hpp"

namespace bulkqa {
namespace {

using nlohmann::json;
using testing::fails_with;

constexpr const char* kJobArn = "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/qa";

json pre_event(json data_object) {
  return {{"version", "2018-10-16"}, {"labelingJobArn", kJobArn}, {"dataObject", data_object}};
}

TEST(PreLabelingEvent, SourceRef) {
  const auto event =
      parse_pre_labeling_event(pre_event({{"source-ref", "s3://out/batches/000003-Crab.json"}}));
  ASSERT_TRUE(event.ok()) << event.error().message;
  EXPECT_EQ(event->labeling_job_arn, kJobArn);
  ASSERT_TRUE(event->source_ref.has_value());
  EXPECT_EQ(*event->source_ref, (S3Uri{"out", "batches/000003-Crab.json"}));
  EXPECT_FALSE(event->inline_source.has_value());
}

TEST(PreLabelingEvent, InlineSource) {
  const std::string batch = R"([{"s3_image_url":"s3://b/k","label":"L","confidence":1}])";
  const auto event = parse_pre_labeling_event(pre_event({{"source", batch}}));
  ASSERT_TRUE(event.ok()) << event.error().message;
  EXPECT_FALSE(event->source_ref.has_value());
  ASSERT_TRUE(event->inline_source.has_value());
  EXPECT_EQ(*event->inline_source, batch);
}

TEST(PreLabelingEvent, OtherManifestAttributesAreIgnored) {
  const auto event =
      parse_pre_labeling_event(pre_event({{"source-ref", "s3://b/k"}, {"batch-label", "Crab"}}));
  EXPECT_TRUE(event.ok());
}

TEST(PreLabelingEvent, Errors) {
  EXPECT_TRUE(fails_with(parse_pre_labeling_event(json::array()), "InvalidEvent",
                         {"expected an object", "array"}));
  EXPECT_TRUE(fails_with(parse_pre_labeling_event({{"dataObject", {{"source-ref", "s3://b/k"}}}}),
                         "InvalidEvent", {"labelingJobArn", "missing"}));
  EXPECT_TRUE(fails_with(parse_pre_labeling_event({{"labelingJobArn", kJobArn}}), "InvalidEvent",
                         {"dataObject", "missing"}));
  EXPECT_TRUE(fails_with(parse_pre_labeling_event(pre_event("s3://b/k")), "InvalidEvent",
                         {"dataObject", "expected an object"}));
  EXPECT_TRUE(fails_with(parse_pre_labeling_event(pre_event(json::object())), "InvalidEvent",
                         {"dataObject", "'source-ref'", "'source'"}));
  EXPECT_TRUE(fails_with(
      parse_pre_labeling_event(pre_event({{"source-ref", "s3://b/k"}, {"source", "[]"}})),
      "InvalidEvent", {"dataObject", "exactly one"}));
  EXPECT_TRUE(fails_with(parse_pre_labeling_event(pre_event({{"source-ref", "https://b/k"}})),
                         "InvalidEvent", {"dataObject.source-ref", "s3://"}));
  EXPECT_TRUE(fails_with(parse_pre_labeling_event(pre_event({{"source", 12}})), "InvalidEvent",
                         {"dataObject.source", "expected a string"}));
}

TEST(PreLabelingResponse, TaskInputHoldsTheBatch) {
  const std::vector<BatchItem> items{{"s3://b/1.jpg", "Crab", 99.5}, {"s3://b/2.jpg", "Crab", 80}};
  const json response = pre_labeling_response(items);
  EXPECT_EQ(response["isHumanAnnotationRequired"], "true");
  EXPECT_EQ(response["taskInput"]["sourceRef"], batch_to_json(items));
  EXPECT_EQ(response["taskInput"]["sourceRef"][1]["s3_image_url"], "s3://b/2.jpg");
}

json post_event() {
  return {{"version", "2018-10-16"},
          {"labelingJobArn", kJobArn},
          {"labelCategories", nullptr},
          {"labelAttributeName", "qa-results"},
          {"roleArn", "arn:aws:iam::123456789012:role/gt"},
          {"payload", {{"s3Uri", "s3://out/qa/annotations/consolidated-annotation/payload.json"}}},
          {"outputConfig", "s3://out/qa/annotations"}};
}

TEST(PostLabelingEvent, Parses) {
  const auto event = parse_post_labeling_event(post_event());
  ASSERT_TRUE(event.ok()) << event.error().message;
  EXPECT_EQ(event->labeling_job_arn, kJobArn);
  EXPECT_EQ(event->label_attribute_name, "qa-results");
  EXPECT_EQ(event->role_arn, "arn:aws:iam::123456789012:role/gt");
  EXPECT_EQ(event->payload, (S3Uri{"out", "qa/annotations/consolidated-annotation/payload.json"}));
}

TEST(PostLabelingEvent, ErrorsNameTheField) {
  for (const char* field : {"labelingJobArn", "labelAttributeName", "roleArn", "payload"}) {
    json event = post_event();
    event.erase(field);
    EXPECT_TRUE(fails_with(parse_post_labeling_event(event), "InvalidEvent", {field, "missing"}));
  }
  json event = post_event();
  event["payload"] = json::object();
  EXPECT_TRUE(
      fails_with(parse_post_labeling_event(event), "InvalidEvent", {"payload.s3Uri", "missing"}));
  event["payload"]["s3Uri"] = "s3://bucket-only";
  EXPECT_TRUE(
      fails_with(parse_post_labeling_event(event), "InvalidEvent", {"payload.s3Uri", "key"}));
  event = post_event();
  event["roleArn"] = 5;
  EXPECT_TRUE(fails_with(parse_post_labeling_event(event), "InvalidEvent",
                         {"roleArn", "expected a string"}));
}

TEST(ConsolidationPayload, ParsesObjectsAndAnnotations) {
  const json payload =
      json::array({{{"datasetObjectId", "0"},
                    {"dataObject", {{"s3Uri", "s3://out/batches/000000-Crab.json"}}},
                    {"annotations",
                     {{{"workerId", "private.us-east-1.aaa"},
                       {"annotationData", {{"content", R"({"Crab-0":{"Confirmed":true}})"}}}},
                      {{"workerId", "private.us-east-1.bbb"},
                       {"annotationData", {{"s3Uri", "s3://out/answers/bbb.json"}}}}}}},
                   {{"datasetObjectId", 17},
                    {"dataObject", {{"content", "[]"}}},
                    {"annotations", json::array()}}});
  const auto objects = parse_consolidation_payload(payload.dump());
  ASSERT_TRUE(objects.ok()) << objects.error().message;
  ASSERT_EQ(objects->size(), 2u);
  const DatasetObject& first = (*objects)[0];
  EXPECT_EQ(first.dataset_object_id, "0");
  EXPECT_EQ(first.data_object_uri, (S3Uri{"out", "batches/000000-Crab.json"}));
  EXPECT_FALSE(first.data_object_content.has_value());
  ASSERT_EQ(first.annotations.size(), 2u);
  EXPECT_EQ(first.annotations[0].worker_id, "private.us-east-1.aaa");
  EXPECT_EQ(first.annotations[0].content, R"({"Crab-0":{"Confirmed":true}})");
  EXPECT_FALSE(first.annotations[0].content_uri.has_value());
  EXPECT_EQ(first.annotations[1].content_uri, (S3Uri{"out", "answers/bbb.json"}));
  EXPECT_FALSE(first.annotations[1].content.has_value());
  const DatasetObject& second = (*objects)[1];
  EXPECT_EQ(second.dataset_object_id, "17");
  EXPECT_EQ(second.data_object_content, "[]");
  EXPECT_TRUE(second.annotations.empty());
}

TEST(ConsolidationPayload, ErrorsNameThePath) {
  const auto payload = [](json object) { return json::array({object}).dump(); };
  const json good = {
      {"datasetObjectId", "0"},
      {"dataObject", {{"s3Uri", "s3://b/k"}}},
      {"annotations", {{{"workerId", "w"}, {"annotationData", {{"content", "{}"}}}}}}};
  EXPECT_TRUE(fails_with(parse_consolidation_payload("[1,"), "InvalidPayload", {"not JSON"}));
  EXPECT_TRUE(
      fails_with(parse_consolidation_payload("{}"), "InvalidPayload", {"expected an array"}));
  EXPECT_TRUE(fails_with(parse_consolidation_payload("[\"x\"]"), "InvalidPayload",
                         {"[0]", "expected an object"}));

  json bad = good;
  bad.erase("datasetObjectId");
  EXPECT_TRUE(fails_with(parse_consolidation_payload(payload(bad)), "InvalidPayload",
                         {"[0].datasetObjectId", "missing"}));
  bad = good;
  bad["datasetObjectId"] = json::array();
  EXPECT_TRUE(fails_with(parse_consolidation_payload(payload(bad)), "InvalidPayload",
                         {"[0].datasetObjectId", "expected a string"}));
  bad = good;
  bad["dataObject"] = json::object();
  EXPECT_TRUE(fails_with(parse_consolidation_payload(payload(bad)), "InvalidPayload",
                         {"[0].dataObject", "neither"}));
  bad = good;
  bad["dataObject"]["s3Uri"] = "s3://b";
  EXPECT_TRUE(fails_with(parse_consolidation_payload(payload(bad)), "InvalidPayload",
                         {"[0].dataObject.s3Uri"}));
  bad = good;
  bad.erase("annotations");
  EXPECT_TRUE(fails_with(parse_consolidation_payload(payload(bad)), "InvalidPayload",
                         {"[0].annotations", "missing"}));
  bad = good;
  bad["annotations"] = "none";
  EXPECT_TRUE(fails_with(parse_consolidation_payload(payload(bad)), "InvalidPayload",
                         {"[0].annotations", "expected an array"}));
  bad = good;
  bad["annotations"][0].erase("workerId");
  EXPECT_TRUE(fails_with(parse_consolidation_payload(payload(bad)), "InvalidPayload",
                         {"[0].annotations[0].workerId", "missing"}));
  bad = good;
  bad["annotations"][0].erase("annotationData");
  EXPECT_TRUE(fails_with(parse_consolidation_payload(payload(bad)), "InvalidPayload",
                         {"[0].annotations[0].annotationData", "missing"}));
  bad = good;
  bad["annotations"][0]["annotationData"] = json::object();
  EXPECT_TRUE(fails_with(parse_consolidation_payload(payload(bad)), "InvalidPayload",
                         {"[0].annotations[0].annotationData", "neither"}));
  bad = good;
  bad["annotations"][0]["annotationData"]["content"] = json::object();
  EXPECT_TRUE(fails_with(parse_consolidation_payload(payload(bad)), "InvalidPayload",
                         {"[0].annotations[0].annotationData.content", "expected a string"}));
}

// The answer for `images` checkboxes named "<label>-<index>", every one confirmed except those
// in `unchecked`, as Ground Truth delivers it: a JSON text with the keys in sorted order.
std::string answer(const std::string& label, std::size_t images,
                   const std::set<std::size_t>& unchecked) {
  json content = json::object();
  for (std::size_t i = 0; i < images; ++i) {
    content[label + "-" + std::to_string(i)] = {{"Confirmed", !unchecked.contains(i)}};
  }
  return content.dump();
}

TEST(ConsolidationPayload, WrittenAsGroundTruthWritesItAndReadBack) {
  const std::vector<DatasetObject> objects{
      {"0",
       S3Uri{"stack", "batches/000000-Crab.json"},
       std::nullopt,
       {{"private.w1", R"({"Crab-0":{"Confirmed":true}})", std::nullopt},
        {"private.w2", std::nullopt, S3Uri{"out", "answers/w2.json"}}}},
      {"1", std::nullopt, R"([{"s3_image_url":"s3://b/k","label":"x","confidence":1}])", {}}};
  const nlohmann::json payload = consolidation_payload_json(objects);
  EXPECT_EQ(payload[0]["dataObject"],
            nlohmann::json({{"s3Uri", "s3://stack/batches/000000-Crab.json"}}));
  EXPECT_EQ(payload[0]["annotations"][0], nlohmann::json::parse(R"({"workerId":"private.w1",
              "annotationData":{"content":"{\"Crab-0\":{\"Confirmed\":true}}"}})"));
  EXPECT_EQ(payload[0]["annotations"][1]["annotationData"],
            nlohmann::json({{"s3Uri", "s3://out/answers/w2.json"}}));
  EXPECT_EQ(payload[1]["annotations"], nlohmann::json::array());
  const auto parsed = parse_consolidation_payload(payload.dump());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, objects);
}

// A batch of `images` images labeled `label`.
std::vector<BatchItem> batch_of(const std::string& label, std::size_t images) {
  std::vector<BatchItem> batch;
  for (std::size_t i = 0; i < images; ++i) {
    batch.push_back({"s3://b/" + std::to_string(i) + ".jpg", label, 90});
  }
  return batch;
}

TEST(Votes, MappedByTheIndexInTheNameNotByKeyOrder) {
  const std::string content = answer("Crab", 13, {2, 10});
  // Sorted keys put "Crab-10" right after "Crab-1" and before "Crab-2".
  ASSERT_LT(content.find("\"Crab-10\""), content.find("\"Crab-2\""));
  const auto votes = parse_votes(content, batch_of("Crab", 13));
  ASSERT_TRUE(votes.ok()) << votes.error().message;
  ASSERT_EQ(votes->size(), 13u);
  for (std::size_t i = 0; i < 13; ++i) {
    EXPECT_EQ((*votes)[i].image_index, i);
    EXPECT_EQ((*votes)[i].confirmed, i != 2 && i != 10) << "image " << i;
  }
}

TEST(Votes, TwentyFiveImagesWithLabelsHoldingDashes) {
  const auto votes = parse_votes(answer("Sea-Turtle", 25, {0, 24, 19}), batch_of("Sea-Turtle", 25));
  ASSERT_TRUE(votes.ok()) << votes.error().message;
  ASSERT_EQ(votes->size(), 25u);
  EXPECT_EQ((*votes)[0], (Vote{0, false}));
  EXPECT_EQ((*votes)[19], (Vote{19, false}));
  EXPECT_EQ((*votes)[20], (Vote{20, true}));
  EXPECT_EQ((*votes)[24], (Vote{24, false}));
}

TEST(Votes, EachImageIsNamedByItsOwnLabel) {
  // The template names each image's checkbox by that image's label.
  std::vector<BatchItem> batch = batch_of("Dog", 2);
  batch[1].label = "Wolf";
  const auto votes =
      parse_votes(R"({"Dog-0":{"Confirmed":true},"Wolf-1":{"Confirmed":false}})", batch);
  ASSERT_TRUE(votes.ok()) << votes.error().message;
  EXPECT_EQ(*votes, (std::vector<Vote>{{0, true}, {1, false}}));
}

TEST(VoteErrors, AnImageWithoutItsCheckbox) {
  EXPECT_TRUE(fails_with(parse_votes(R"({"Dog-7":{"Confirmed":false},"Dog-3":{"Confirmed":true}})",
                                     batch_of("Dog", 10)),
                         "IncompleteAnswer", {"'Dog-0'", "image 0", "2 of the batch's 10 images"}));
  EXPECT_TRUE(fails_with(parse_votes("{}", batch_of("Dog", 10)), "IncompleteAnswer", {"'Dog-0'"}));
}

TEST(VoteErrors, ContentNotAJsonObject) {
  const auto batch = batch_of("Crab", 5);
  EXPECT_TRUE(fails_with(parse_votes("{\"Crab-0\":", batch), "InvalidAnnotation", {"not JSON"}));
  EXPECT_TRUE(fails_with(parse_votes("", batch), "InvalidAnnotation", {"not JSON"}));
  EXPECT_TRUE(fails_with(parse_votes("[true]", batch), "InvalidAnnotation",
                         {"expected an object", "array"}));
}

TEST(VoteErrors, NameWithoutANumericIndex) {
  const auto batch = batch_of("Crab", 5);
  for (const char* key : {"Crab", "Crab-", "Crab-x", "Crab-1a", "Crab-1.5", "Crab- 1", "Crab-+1"}) {
    const std::string content = json{{key, {{"Confirmed", true}}}}.dump();
    EXPECT_TRUE(fails_with(parse_votes(content, batch), "InvalidAnnotation",
                           {std::string("'") + key + "'", "-<image index>"}))
        << key;
  }
  EXPECT_TRUE(
      fails_with(parse_votes(R"({"Crab-99999999999999999999999":{"Confirmed":true}})", batch),
                 "InvalidAnnotation", {"-<image index>"}));
}

TEST(VoteErrors, IndexOutsideTheBatch) {
  EXPECT_TRUE(fails_with(parse_votes(R"({"Crab-5":{"Confirmed":true}})", batch_of("Crab", 5)),
                         "InvalidAnnotation", {"'Crab-5'", "5", "outside the batch of 5"}));
  EXPECT_TRUE(fails_with(parse_votes(R"({"Crab-0":{"Confirmed":true}})", {}), "InvalidAnnotation",
                         {"'Crab-0'", "outside"}));
}

TEST(VoteErrors, ValueWithoutABooleanConfirmed) {
  const auto batch = batch_of("Crab", 5);
  EXPECT_TRUE(fails_with(parse_votes(R"({"Crab-1":true})", batch), "InvalidAnnotation",
                         {"'Crab-1'", "expected an object", "boolean"}));
  EXPECT_TRUE(fails_with(parse_votes(R"({"Crab-1":{"on":true}})", batch), "InvalidAnnotation",
                         {"'Crab-1'", "'Confirmed'", "missing"}));
  EXPECT_TRUE(fails_with(parse_votes(R"({"Crab-1":{"Confirmed":"true"}})", batch),
                         "InvalidAnnotation",
                         {"'Crab-1'", "'Confirmed'", "expected a boolean", "string"}));
}

TEST(ConsolidationReads, EachBatchAndStoredAnswerOnceInPayloadOrderInlineOnesNot) {
  const S3Uri batch_a{"stack", "batches/a.json"};
  const S3Uri batch_b{"stack", "batches/b.json"};
  const S3Uri answer_1{"gt", "answers/1.json"};
  const S3Uri answer_2{"gt", "answers/2.json"};
  const std::vector<DatasetObject> objects = {
      {"0", batch_b, std::nullopt, {{"w1", std::nullopt, answer_2}, {"w2", "{}", answer_1}}},
      {"1", std::nullopt, "[]", {{"w1", std::nullopt, answer_1}}},
      {"2", batch_a, std::nullopt, {{"w1", std::nullopt, answer_2}}},
      {"3", batch_b, "[]", {}},  // inline content wins over the URI, as post-labeling reads it
      {"4", batch_b, std::nullopt, {}},
  };
  const ConsolidationReads reads = consolidation_reads(objects);
  EXPECT_EQ(reads.batches, (std::vector<S3Uri>{batch_b, batch_a}));
  EXPECT_EQ(reads.answers, (std::vector<S3Uri>{answer_2, answer_1}));
  EXPECT_TRUE(consolidation_reads({}).batches.empty());
}

TEST(ConsolidationReads, AnObjectBothBatchAndAnswerIsReadAsEach) {
  const S3Uri shared{"stack", "same.json"};
  const ConsolidationReads reads =
      consolidation_reads({{"0", shared, std::nullopt, {{"w1", std::nullopt, shared}}}});
  EXPECT_EQ(reads.batches, (std::vector<S3Uri>{shared}));
  EXPECT_EQ(reads.answers, (std::vector<S3Uri>{shared}));
}

}  // namespace
}  // namespace bulkqa
