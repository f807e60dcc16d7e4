// Hostile reviewers' answers: shapes the worker template never produces, other spellings of a
// checkbox name, answers that leave images out, bytes that are not UTF-8, 100,000-character keys,
// deep nesting. Each is refused with an error naming the key; only the template's own answer (or
// crowd-form's documented one-element array around it) gives votes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bulkqa/qa/ground_truth.hpp"
#include "support/result_assertions.hpp"

namespace bulkqa {
namespace {

using nlohmann::json;
using testing::fails_with;

std::vector<BatchItem> beaver_batch(std::size_t images) {
  std::vector<BatchItem> batch;
  for (std::size_t i = 0; i < images; ++i) {
    batch.push_back({"s3://stack/beaver/" + std::to_string(i) + ".jpg", "Beaver", 90});
  }
  return batch;
}

// The template's answer for two Beaver images with `first` and `second` as the names.
std::string two_answers(const std::string& first, const std::string& second) {
  return json{{first, {{"Confirmed", true}}}, {second, {{"Confirmed", false}}}}.dump();
}

TEST(HostileAnswers, TheAnswerAsTheOneElementOfAnArrayCounts) {
  const std::string answer = "[" + two_answers("Beaver-0", "Beaver-1") + "]";
  const auto votes = parse_votes(answer, beaver_batch(2));
  ASSERT_TRUE(votes.ok()) << votes.error().message;
  EXPECT_EQ(*votes, (std::vector<Vote>{{0, true}, {1, false}}));
}

TEST(HostileAnswers, OtherArraysAreRefused) {
  const std::string answer = two_answers("Beaver-0", "Beaver-1");
  for (const std::string& content :
       {std::string("[]"), "[" + answer + "," + answer + "]", "[[" + answer + "]]",
        std::string("[true]"), std::string("\"Beaver-0\""), std::string("null")}) {
    EXPECT_TRUE(fails_with(parse_votes(content, beaver_batch(2)), "InvalidAnnotation",
                           {"annotation content", "expected an object"}))
        << content;
  }
}

TEST(HostileAnswers, OnlyTheTemplatesSpellingOfANameCounts) {
  // Each was once counted as the image its digits name; the template writes "<label>-<index>".
  for (const std::string name : {"Beaver--1", "Beaver-0001", "Beaver-01", "beaver-1", "Beaver -1",
                                 " Beaver-1", "Beaver-1-1", "Lobster-1", "-1"}) {
    EXPECT_TRUE(fails_with(parse_votes(two_answers("Beaver-0", name), beaver_batch(2)),
                           "InvalidAnnotation",
                           {"'" + name + "'", "not a checkbox of this batch", "'Beaver-1'"}))
        << name;
  }
  EXPECT_TRUE(fails_with(parse_votes(two_answers("Lobster-0", "Beaver-1"), beaver_batch(2)),
                         "InvalidAnnotation", {"'Lobster-0'", "'Beaver-0'"}));
}

TEST(HostileAnswers, NoImageIsGivenTwice) {
  EXPECT_TRUE(fails_with(parse_votes(two_answers("Beaver-1", "Lobster-1"), beaver_batch(2)),
                         "InvalidAnnotation", {"'Lobster-1'"}));
  EXPECT_TRUE(fails_with(parse_votes(two_answers("Beaver-01", "Beaver-1"), beaver_batch(2)),
                         "InvalidAnnotation", {"'Beaver-01'"}));
}

TEST(HostileAnswers, IndexesOutsideTheBatchAreRefused) {
  for (const std::string name : {"Beaver-2", "Beaver-18446744073709551615",
                                 "Beaver-18446744073709551616", "Beaver-4294967296"}) {
    EXPECT_TRUE(fails_with(parse_votes(two_answers("Beaver-0", name), beaver_batch(2)),
                           "InvalidAnnotation", {"'" + name.substr(0, 20)}))
        << name;
  }
}

TEST(HostileAnswers, AnAnswerMustCoverEveryImage) {
  EXPECT_TRUE(fails_with(parse_votes(R"({"Beaver-0":{"Confirmed":true}})", beaver_batch(3)),
                         "IncompleteAnswer", {"'Beaver-1'", "image 1", "1 of the batch's 3"}));
  EXPECT_TRUE(fails_with(parse_votes("{}", beaver_batch(1)), "IncompleteAnswer", {"'Beaver-0'"}));
  EXPECT_TRUE(fails_with(parse_votes("[{}]", beaver_batch(1)), "IncompleteAnswer", {"'Beaver-0'"}));
}

TEST(HostileAnswers, ContentThatIsNotJsonIsRefused) {
  for (const std::string& content :
       {std::string("not json"), std::string("{\"Beaver-0\":{\"Confirmed\":true}"),
        std::string("{\"Beaver-\xff\":{\"Confirmed\":true}}"),
        std::string("{\"Beaver-0\":{\"Confirmed\":true,\"x\":\"\xc0\xaf\"}}"),
        std::string("{\"Beaver-0\":{\"Confirmed\":tru}}")}) {
    EXPECT_TRUE(fails_with(parse_votes(content, beaver_batch(1)), "InvalidAnnotation",
                           {"annotation content is not JSON"}));
  }
}

TEST(HostileAnswers, ContentNestedFarTooDeepIsRefused) {
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  EXPECT_TRUE(fails_with(parse_votes(deep, beaver_batch(1)), "InvalidAnnotation",
                         {"annotation content", "deeper than 64"}));
  const std::string deep_value = R"({"Beaver-0":{"Confirmed":true,"x":)" +
                                 std::string(100'000, '[') + std::string(100'000, ']') + "}}";
  EXPECT_TRUE(fails_with(parse_votes(deep_value, beaver_batch(1)), "InvalidAnnotation",
                         {"deeper than 64"}));
}

TEST(HostileAnswers, AHundredThousandCharacterKeyIsQuotedShort) {
  const std::string name = std::string(100'000, 'B') + "-0";
  const auto votes = parse_votes(two_answers("Beaver-1", name), beaver_batch(2));
  EXPECT_TRUE(fails_with(votes, "InvalidAnnotation", {"BBBB", "..."}));
  if (!votes.ok()) {
    EXPECT_LT(votes.error().message.size(), 500u);
  }
}

TEST(HostileAnswers, ConfirmedMustBeABoolean) {
  for (const std::string value : {"1", "\"true\"", "null", "[true]", "{\"Confirmed\":true}"}) {
    const std::string content = R"({"Beaver-0":{"Confirmed":)" + value + "}}";
    EXPECT_TRUE(fails_with(parse_votes(content, beaver_batch(1)), "InvalidAnnotation",
                           {"'Beaver-0'", "'Confirmed'"}))
        << value;
  }
}

}  // namespace
}  // namespace bulkqa
