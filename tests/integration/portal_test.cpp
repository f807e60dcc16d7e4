// The review portal's state on moto with IAM authentication on, every portal running as a user
// holding only the template's PortalPolicy: invites, sessions, leases, distinct reviewers, votes
// counted exactly once (also by two portals on one table, and after a crash), images.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "bulkqa/portal/portal.hpp"
#include "bulkqa/qa/ground_truth.hpp"
#include "bulkqa/review/review_simulation.hpp"
#include "support/portal_stack.hpp"

namespace bulkqa {
namespace {

using nlohmann::json;
using portal::Portal;
using portal::PortalOptions;

constexpr const char* kLabel = testing::PortalStack::kLabel;
constexpr std::size_t kImagesPerTask = 2;

class PortalTest : public ::testing::Test {
 protected:
  // A launched stack of `tasks` tasks and an empty portal table (support/portal_stack.hpp).
  void launch(std::size_t tasks, testing::ImagePlace place = testing::ImagePlace::kCopied) {
    stack_ = std::make_unique<testing::PortalStack>(tasks, kImagesPerTask,
                                                    testing::StackImageMaker{}, place);
  }

  std::unique_ptr<Portal> open(std::size_t workers_per_task) {
    PortalOptions options = stack_->portal_options(workers_per_task, clock_);
    auto opened = Portal::open(std::move(options));
    if (!opened) ADD_FAILURE() << opened.error().describe();
    return opened ? std::move(*opened) : nullptr;
  }

  testing::ImageCounts image_counts() { return stack_->image_counts(); }

  // The answer the worker template would submit: every image confirmed or not.
  static std::string answer(const Portal& portal, std::size_t task, bool confirmed) {
    return testing::answer_every_image(portal.tasks().at(task).items, confirmed);
  }

  // `reviewer` takes the task it is handed and answers it; the task's index.
  static std::size_t answer_next(Portal& portal, const std::string& reviewer) {
    auto next = portal.next_task(reviewer);
    EXPECT_TRUE(next.ok()) << next.error().describe();
    EXPECT_TRUE(next->task.has_value()) << reviewer;
    const std::size_t task = next->task->index;
    auto submitted = portal.submit(task, reviewer, answer(portal, task, true));
    EXPECT_TRUE(submitted.ok()) << submitted.error().describe();
    return task;
  }

  std::unique_ptr<testing::PortalStack> stack_;
  testing::TestClock clock_;
};

TEST_F(PortalTest, AnInviteIsRedeemedOnceAndItsSessionIdentifiesTheReviewer) {
  launch(1);
  auto portal = open(1);
  ASSERT_TRUE(portal);
  auto invite = portal->add_reviewer("alice", true);
  ASSERT_TRUE(invite.ok()) << invite.error().describe();
  EXPECT_GE(invite->token.size(), 32u);  // 128 bits as hex at least
  auto session = portal->redeem_invite(invite->token);
  ASSERT_TRUE(session.ok()) << session.error().describe();
  auto owner = portal->check_session(session->session_id);
  ASSERT_TRUE(owner.ok()) << owner.error().describe();
  EXPECT_EQ(owner->reviewer, "alice");
  EXPECT_TRUE(owner->admin);

  auto again = portal->redeem_invite(invite->token);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, errc::kInvalidInvite);
  // Neither secret is stored in clear.
  auto items = stack_->admin_dynamodb().scan_all(stack_->deployment().portal_table);
  ASSERT_TRUE(items.ok());
  for (const auto& item : *items) {
    EXPECT_EQ(item.dump().find(invite->token), std::string::npos);
    EXPECT_EQ(item.dump().find(session->session_id), std::string::npos);
  }
  ASSERT_TRUE(portal->end_session(session->session_id).ok());
  EXPECT_EQ(portal->check_session(session->session_id).error().code, errc::kNoSession);
  EXPECT_EQ(portal->add_reviewer("alice", false).error().code, errc::kReviewerExists);
  EXPECT_EQ(portal->add_reviewer("al ice", false).error().code, errc::kInvalidReviewerName);
}

TEST_F(PortalTest, AnExpiredInviteAndAnExpiredSessionAreRefused) {
  launch(1);
  auto portal = open(1);
  ASSERT_TRUE(portal);
  auto late = portal->add_reviewer("late", false);
  auto early = portal->add_reviewer("early", false);
  ASSERT_TRUE(late.ok() && early.ok());
  auto session = portal->redeem_invite(early->token);
  ASSERT_TRUE(session.ok());
  clock_.advance(std::chrono::hours(24 * 7) + std::chrono::seconds(1));
  EXPECT_EQ(portal->redeem_invite(late->token).error().code, errc::kInvalidInvite);
  EXPECT_EQ(portal->check_session(session->session_id).error().code, errc::kNoSession);
}

TEST_F(PortalTest, RevokingAReviewerEndsItsSessionsAtOnce) {
  launch(1);
  auto portal = open(1);
  ASSERT_TRUE(portal);
  auto invite = portal->add_reviewer("mallory", false);
  ASSERT_TRUE(invite.ok());
  auto session = portal->redeem_invite(invite->token);
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE(portal->check_session(session->session_id).ok());
  ASSERT_TRUE(portal->revoke_reviewer("mallory").ok());
  EXPECT_EQ(portal->check_session(session->session_id).error().code, errc::kNoSession);
  EXPECT_EQ(portal->revoke_reviewer("nobody").error().code, errc::kUnknownReviewer);
  auto reviewers = portal->list_reviewers();
  ASSERT_TRUE(reviewers.ok());
  ASSERT_EQ(reviewers->size(), 1u);
  EXPECT_TRUE(reviewers->front().revoked);
}

TEST_F(PortalTest, AnExpiredLeaseReturnsThePlaceToTheQueue) {
  launch(1);
  auto portal = open(1);
  ASSERT_TRUE(portal);
  auto first = portal->next_task("ann");
  ASSERT_TRUE(first.ok() && first->task);
  EXPECT_FALSE(portal->next_task("bob")->task) << "the only place is held";
  clock_.advance(std::chrono::minutes(30));
  auto second = portal->next_task("bob");
  ASSERT_TRUE(second.ok() && second->task);
  EXPECT_EQ(second->task->index, 0u);
  EXPECT_EQ(portal->submit(0, "ann", answer(*portal, 0, true)).error().code, errc::kLeaseLost);
  auto submitted = portal->submit(0, "bob", answer(*portal, 0, true));
  ASSERT_TRUE(submitted.ok()) << submitted.error().describe();
  EXPECT_TRUE(submitted->task_complete);
}

TEST_F(PortalTest, ATaskNeverGoesToTheSameReviewerTwice) {
  launch(1);
  auto portal = open(2);
  ASSERT_TRUE(portal);
  EXPECT_EQ(answer_next(*portal, "ann"), 0u);
  EXPECT_FALSE(portal->next_task("ann")->task);
  EXPECT_EQ(portal->submit(0, "ann", answer(*portal, 0, true)).error().code,
            errc::kAlreadyAnswered);
  EXPECT_EQ(answer_next(*portal, "bob"), 0u);
}

TEST_F(PortalTest, ThreeTasksTwoWorkersTwoReviewersAndAThirdFindsNothingLeft) {
  launch(3);
  auto portal = open(2);
  ASSERT_TRUE(portal);
  for (int round = 0; round < 3; ++round) {
    answer_next(*portal, "ann");
    answer_next(*portal, "bob");
  }
  auto third = portal->next_task("cat");
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->task);
  EXPECT_EQ(third->counts.complete, 3u);
  for (const auto& [url, counts] : image_counts()) {
    EXPECT_EQ(counts, std::make_pair(std::size_t{2}, std::size_t{0})) << url;
  }
  auto progress = portal->progress();
  ASSERT_TRUE(progress.ok());
  EXPECT_EQ((*progress)["tasks"], json({{"done", 3}, {"total", 3}}));
  EXPECT_EQ((*progress)["answers"], json({{"done", 6}, {"needed", 6}}));
  ASSERT_EQ((*progress)["labels"].size(), 1u);
  EXPECT_EQ((*progress)["labels"][0]["label"], kLabel);
  ASSERT_EQ((*progress)["reviewers"].size(), 2u);
  EXPECT_EQ((*progress)["reviewers"][0]["reviewer"], "ann");
  EXPECT_EQ((*progress)["reviewers"][0]["reviews"], 3);
  EXPECT_EQ((*progress)["reviewers"][1]["reviewer"], "bob");
  EXPECT_EQ((*progress)["reviewers"][1]["reviews"], 3);
  // The admins' report, read under the portal's policy: every image confirmed, 100% correct.
  auto report = portal->report_html();
  ASSERT_TRUE(report.ok()) << report.error().describe();
  EXPECT_NE(report->find(kLabel), std::string::npos);
  EXPECT_NE(report->find("100.0"), std::string::npos);
}

// Found by attacking the portal: an answer carried any extra data into the table, and one for a
// task the reviewer did not hold was checked first, telling the batch's label and size.
TEST_F(PortalTest, AnAnswerIsStoredAsItsVotesAndATaskNotHeldTellsNothing) {
  launch(2);
  auto portal = open(1);
  ASSERT_TRUE(portal);
  auto next = portal->next_task("ann");
  ASSERT_TRUE(next.ok() && next->task);
  const std::size_t held = next->task->index;
  auto not_held = portal->submit(1 - held, "ann", R"({"x-0": {"Confirmed": true}})");
  ASSERT_FALSE(not_held.ok());
  EXPECT_EQ(not_held.error().code, errc::kLeaseLost);
  EXPECT_EQ(not_held.error().message.find(kLabel), std::string::npos) << not_held.error().message;

  json padded = json::parse(answer(*portal, held, true));
  padded[std::string(kLabel) + "-0"]["pad"] = std::string(1000, 'A');
  ASSERT_TRUE(portal->submit(held, "ann", padded.dump()).ok());
  const auto stored = stack_->stored_answers();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].content, answer(*portal, held, true));
}

TEST_F(PortalTest, ImagesOnlyOfATaskTheReviewerHoldsNow) {
  launch(2);
  auto portal = open(1);
  ASSERT_TRUE(portal);
  auto next = portal->next_task("ann");
  ASSERT_TRUE(next.ok() && next->task);
  const auto& held = portal->tasks()[next->task->index].items.front();
  const auto& other = portal->tasks()[1 - next->task->index].items.front();
  auto uri = parse_s3_uri(held.s3_image_url);
  EXPECT_EQ(next->task->image_urls.at(held.s3_image_url), "/s3/" + uri->bucket + "/" + uri->key);
  auto bytes = portal->image("ann", *uri);
  ASSERT_TRUE(bytes.ok()) << bytes.error().describe();
  EXPECT_EQ(*bytes, "image " + uri->key);
  EXPECT_EQ(portal->image("bob", *uri).error().code, errc::kNotATaskImage);
  EXPECT_EQ(portal->image("ann", *parse_s3_uri(other.s3_image_url)).error().code,
            errc::kNotATaskImage);
  clock_.advance(std::chrono::minutes(31));
  EXPECT_EQ(portal->image("ann", *uri).error().code, errc::kNotATaskImage);
}

// A launch with CopyImages=false: the tasks name the source objects, the portal (under the
// template's policy for it) answers their bytes to the reviewer holding the task, and nothing else
// of the image source, though its policy may read the whole prefix.
TEST_F(PortalTest, ImagesInPlaceAreServedFromTheSourceObjectsOfTheTasksHeld) {
  launch(2, testing::ImagePlace::kInPlace);
  auto portal = open(1);
  ASSERT_TRUE(portal);
  const std::string source = stack_->deployment().image_bucket;
  const std::string prefix = stack_->deployment().image_prefix;
  EXPECT_EQ(portal->image_buckets(), std::set<std::string>{source});

  auto next = portal->next_task("ann");
  ASSERT_TRUE(next.ok() && next->task);
  const auto& items = portal->tasks()[next->task->index].items;
  ASSERT_EQ(next->task->image_urls.size(), items.size());
  for (const auto& item : items) {
    auto uri = parse_s3_uri(item.s3_image_url);
    ASSERT_TRUE(uri.ok()) << item.s3_image_url;
    EXPECT_EQ(uri->bucket, source);
    EXPECT_TRUE(uri->key.starts_with(prefix)) << uri->key;
    EXPECT_EQ(next->task->image_urls.at(item.s3_image_url), "/s3/" + source + "/" + uri->key);
    auto bytes = portal->image("ann", *uri);
    ASSERT_TRUE(bytes.ok()) << bytes.error().describe();
    EXPECT_EQ(*bytes, "image " + uri->key.substr(prefix.size()));
    EXPECT_EQ(portal->image("bob", *uri).error().code, errc::kNotATaskImage);
  }

  const S3Uri unreviewed{source, prefix + "crab/not-in-a-batch.jpg"};
  ASSERT_TRUE(stack_->admin_s3().put_object({unreviewed.bucket, unreviewed.key, "secret"}).ok());
  EXPECT_EQ(portal->image("ann", unreviewed).error().code, errc::kNotATaskImage);
  const auto& other = portal->tasks()[1 - next->task->index].items.front();
  EXPECT_EQ(portal->image("ann", *parse_s3_uri(other.s3_image_url)).error().code,
            errc::kNotATaskImage);
}

TEST_F(PortalTest, CopiedImagesAreAllInTheStackBucket) {
  launch(2);
  auto portal = open(1);
  ASSERT_TRUE(portal);
  EXPECT_EQ(portal->image_buckets(), std::set<std::string>{stack_->deployment().stack_bucket});
}

TEST_F(PortalTest, AnAnswerStoredButNotCountedIsCountedAtStartOnce) {
  launch(1);
  auto portal = open(1);
  ASSERT_TRUE(portal);
  // The portal stopped after storing the answer, before counting it.
  const portal::AnswerItem stored{{0, kLabel, "ann", clock_.now(), clock_.now(), kImagesPerTask, 0},
                                  answer(*portal, 0, true),
                                  false};
  ASSERT_TRUE(stack_->admin_dynamodb()
                  .put_item(stack_->deployment().portal_table, portal::answer_item(stored))
                  .ok());
  for (const auto& [url, counts] : image_counts()) EXPECT_EQ(counts.first, 0u) << url;

  ASSERT_TRUE(open(1));
  const auto repaired = image_counts();
  for (const auto& [url, counts] : repaired) EXPECT_EQ(counts.first, 1u) << url;
  auto records = portal->answer_records();
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 1u);
  // Counting again, also from an answer not marked applied, changes nothing.
  ASSERT_TRUE(stack_->admin_dynamodb()
                  .put_item(stack_->deployment().portal_table, portal::answer_item(stored))
                  .ok());
  ASSERT_TRUE(portal->repair().ok());
  ASSERT_TRUE(portal->repair().ok());
  EXPECT_EQ(image_counts(), repaired);
}

// Two Portal objects in one process, their calls racing on threads; portal_processes_test runs the
// same over HTTP with two processes and 100 tasks.
TEST_F(PortalTest, TwoPortalsEightReviewersTwentyTasksEachVoteOnce) {
  constexpr std::size_t kTasks = 20;
  constexpr std::size_t kWorkers = 2;
  launch(kTasks);
  auto first = open(kWorkers);
  auto second = open(kWorkers);
  ASSERT_TRUE(first && second);
  const auto truth = testing::PortalStack::truth();
  std::vector<std::thread> reviewers;
  std::atomic<int> failures{0};
  for (int r = 0; r < 8; ++r) {
    reviewers.emplace_back([&, r] {
      Portal& portal = r % 2 == 0 ? *first : *second;
      const SimulatedReviewer reviewer{"reviewer-" + std::to_string(r), 0.2, 7};
      while (true) {
        auto next = portal.next_task(reviewer.worker_id);
        if (!next || !next->task) {
          if (!next) ++failures;
          return;
        }
        const std::size_t task = next->task->index;
        const auto content = simulated_annotation(portal.tasks()[task].items, truth, reviewer);
        if (!portal.submit(task, reviewer.worker_id, content)) ++failures;
      }
    });
  }
  for (auto& thread : reviewers) thread.join();
  EXPECT_EQ(failures.load(), 0);

  auto records = first->answer_records();
  ASSERT_TRUE(records.ok());
  std::map<std::size_t, std::set<std::string>> reviewers_of;
  std::map<std::string, std::pair<std::size_t, std::size_t>> expected;
  for (const auto& record : *records) {
    EXPECT_TRUE(reviewers_of[record.task].insert(record.reviewer).second);
    const auto& items = first->tasks()[record.task].items;
    const SimulatedReviewer reviewer{record.reviewer, 0.2, 7};
    auto votes = parse_votes(simulated_annotation(items, truth, reviewer), items);
    ASSERT_TRUE(votes.ok());
    for (const Vote& vote : *votes) {
      auto& counts = expected[items[vote.image_index].s3_image_url];
      (vote.confirmed ? counts.first : counts.second) += 1;
    }
  }
  ASSERT_EQ(reviewers_of.size(), kTasks);
  for (const auto& [task, names] : reviewers_of) EXPECT_EQ(names.size(), kWorkers) << task;
  EXPECT_EQ(image_counts(), expected);
}

}  // namespace
}  // namespace bulkqa
