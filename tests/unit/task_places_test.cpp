#include "bulkqa/review/task_places.hpp"

#include <gtest/gtest.h>

namespace bulkqa {
namespace {

using namespace std::chrono_literals;

const PortalClock::time_point kNow = PortalClock::time_point(1000h);

Lease held_by(const std::string& reviewer, PortalClock::duration left = 10min) {
  return {reviewer, kNow - 1min, kNow + left, false};
}

Lease answered_by(const std::string& reviewer) {
  return {reviewer, kNow - 5min, kNow - 2min, true};
}

TEST(TaskPlaces, ALeaseExpiresAtItsEndUnlessAnswered) {
  EXPECT_FALSE(lease_expired(held_by("a"), kNow));
  EXPECT_TRUE(lease_expired(held_by("a", 0min), kNow));
  EXPECT_FALSE(lease_expired(answered_by("a"), kNow));
  EXPECT_TRUE(place_open(std::nullopt, kNow));
  EXPECT_TRUE(place_open(held_by("a", -1s), kNow));
  EXPECT_FALSE(place_open(answered_by("a"), kNow));
}

TEST(TaskPlaces, AReviewerHoldingAPlaceIsHandedThatPlaceAgain) {
  const std::vector<TaskPlaces> tasks = {{0, {std::nullopt}}, {1, {held_by("a"), std::nullopt}}};
  EXPECT_EQ(place_choices(tasks, "a", kNow), (std::vector<PlaceChoice>{{1, 0, true}}));
}

TEST(TaskPlaces, OpenPlacesInManifestOrderSkippingTasksTheReviewerAnswered) {
  const std::vector<TaskPlaces> tasks = {{0, {answered_by("a"), std::nullopt}},
                                         {1, {held_by("b"), answered_by("c")}},
                                         {2, {held_by("b"), std::nullopt}},
                                         {3, {std::nullopt, std::nullopt}}};
  EXPECT_EQ(place_choices(tasks, "a", kNow),
            (std::vector<PlaceChoice>{{2, 1, false}, {3, 0, false}}));
  EXPECT_EQ(place_choices(tasks, "c", kNow),
            (std::vector<PlaceChoice>{{0, 1, false}, {2, 1, false}, {3, 0, false}}));
}

TEST(TaskPlaces, AnExpiredPlaceGoesBackToTheQueueAndToItsReviewerFirst) {
  const std::vector<TaskPlaces> tasks = {{0, {std::nullopt, held_by("a", -1s)}}};
  EXPECT_EQ(place_choices(tasks, "a", kNow), (std::vector<PlaceChoice>{{0, 1, false}}));
  EXPECT_EQ(place_choices(tasks, "b", kNow), (std::vector<PlaceChoice>{{0, 0, false}}));
  EXPECT_FALSE(held_place(tasks[0], "a", kNow));
}

TEST(TaskPlaces, ACompleteTaskHasEveryPlaceAnswered) {
  EXPECT_TRUE(task_complete({0, {answered_by("a"), answered_by("b")}}));
  EXPECT_FALSE(task_complete({0, {answered_by("a"), held_by("b")}}));
  EXPECT_FALSE(task_complete({0, {answered_by("a"), std::nullopt}}));
  EXPECT_TRUE(has_answered({0, {answered_by("a"), std::nullopt}}, "a"));
  EXPECT_FALSE(has_answered({0, {held_by("a"), std::nullopt}}, "a"));
  EXPECT_TRUE(place_choices({{0, {answered_by("a")}}}, "b", kNow).empty());
}

TEST(TaskPlaces, ReviewerNames) {
  for (const char* name :
       {"a", "Alice_1.b-c", "0123456789012345678901234567890123456789012345678901234567890123"}) {
    EXPECT_TRUE(valid_reviewer_name(name)) << name;
  }
  for (const char* name : {"", "al ice", "a/b", "a#b", "é",
                           "01234567890123456789012345678901234567890123456789012345678901234"}) {
    EXPECT_FALSE(valid_reviewer_name(name)) << name;
  }
}

}  // namespace
}  // namespace bulkqa
