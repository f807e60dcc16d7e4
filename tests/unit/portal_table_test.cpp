#include "bulkqa/portal/portal_table.hpp"

#include <gtest/gtest.h>

#include <set>

namespace bulkqa::portal {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const SystemClock::time_point kNow = from_millis(1'800'000'000'123);

TEST(PortalSecrets, AreFreshHexOf256BitsAndStoredAsTheirHash) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string secret = new_secret();
    EXPECT_EQ(secret.size(), 64u);
    EXPECT_EQ(secret.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_TRUE(seen.insert(secret).second);
  }
  const std::string secret = *seen.begin();
  EXPECT_EQ(secret_hash(secret).size(), 64u);
  EXPECT_NE(secret_hash(secret), secret);
  EXPECT_EQ(invite_key(secret)["pk"]["S"], "invite#" + secret_hash(secret));
  EXPECT_EQ(session_key(secret).dump().find(secret), std::string::npos);
}

TEST(PortalItems, ReadBackAsWritten) {
  const ReviewerItem reviewer{{"ann", true, false, kNow}, 3};
  auto read = parse_reviewer_item(reviewer_item(reviewer));
  ASSERT_TRUE(read.ok()) << read.error().describe();
  EXPECT_EQ(read->reviewer.name, "ann");
  EXPECT_TRUE(read->reviewer.admin);
  EXPECT_EQ(read->reviewer.created, kNow);
  EXPECT_EQ(read->generation, 3u);

  const AnswerItem answer{{7, "Crab", "ann", kNow - 1min, kNow, 25, 3}, "{\"Crab-0\":{}}", false};
  auto back = parse_answer_item(answer_item(answer));
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->record, answer.record);
  EXPECT_EQ(back->content, answer.content);
  EXPECT_EQ(answer_item(answer)["sk"]["S"], "0000000007#ann");

  const PortalTask task{
      12,
      "s3://b/batches/12.json",
      json{{"sourceRef",
            {{{"s3_image_url", "s3://b/x.jpg"}, {"label", "Crab"}, {"confidence", 90}}}}},
      {}};
  json item = task_item(task, 2);
  auto parsed = parse_task_item(item);
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  EXPECT_EQ(parsed->source_ref, task.source_ref);
  ASSERT_EQ(parsed->items.size(), 1u);
  auto places = parse_task_places(item);
  ASSERT_TRUE(places.ok());
  EXPECT_EQ(places->places, (std::vector<std::optional<Lease>>{std::nullopt, std::nullopt}));
}

TEST(PortalItems, ErrorsNameTheAttribute) {
  json item = reviewer_item({{"ann", false, false, kNow}, 0});
  item["generation"] = {{"S", "x"}};
  auto read = parse_reviewer_item(item);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, errc::kInvalidItem);
  EXPECT_NE(read.error().message.find("'generation'"), std::string::npos);
}

TEST(PortalRequests, AClaimChecksEveryPlaceOfTheTask) {
  const Lease lease{"ann", kNow, kNow + 30min, false};
  const json request = claim_request("t", {4, 1, false}, 3, lease, kNow);
  const std::string condition = request["ConditionExpression"];
  EXPECT_NE(condition.find("attribute_not_exists(#p1) OR"), std::string::npos);
  EXPECT_NE(condition.find("#p0.#reviewer <> :reviewer"), std::string::npos);
  EXPECT_NE(condition.find("#p2.#reviewer <> :reviewer"), std::string::npos);
  EXPECT_EQ(request["ExpressionAttributeNames"]["#p1"], "place1");
  EXPECT_EQ(request["Key"]["sk"]["S"], "0000000004");
  const json renew = claim_request("t", {4, 1, true}, 3, lease, kNow);
  EXPECT_EQ(renew["ConditionExpression"].get<std::string>().find("#p1.#reviewer = :reviewer"), 0u);
}

}  // namespace
}  // namespace bulkqa::portal
