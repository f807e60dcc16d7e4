// The local stand-in for Ground Truth over HTTP, as a browser uses it, on a real local stack
// (moto, the three function executables): workers get tasks by their cookie, answers go through
// post-labeling into the table, images come from the bucket, and what a browser on another site
// could send is refused.
#include "bulkqa/local/review_server.hpp"

#include <filesystem>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "bulkqa/review/http_fields.hpp"
#include "bulkqa/review/placeholder_image.hpp"
#include "support/function_harness.hpp"

namespace bulkqa {
namespace {

using nlohmann::json;

// Three images labeled Crab and two Lobster, in batches of two: three tasks, Crab (rows 1 and 2),
// Crab (row 3) and Lobster (rows 4 and 5).
constexpr const char* kCorpus =
    "image_local_path,label,confidence\n"
    "crab/image_0001.jpg,Crab,99\n"
    "crab/image_0002.jpg,Crab,98\n"
    "lobster/image_0003.jpg,Crab,97\n"
    "lobster/image_0004.jpg,Lobster,96\n"
    "crab/image 0005 b.jpg,Lobster,95\n";
constexpr const char* kTemplate = "<crowd-form>{{ task.input.sourceRef | size }}</crowd-form>";
constexpr const char* kJson = "application/json";

class ReviewServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_dir_ = std::filesystem::temp_directory_path() /
               ("bulkqa-review-server-" + std::to_string(::getpid()));
    local::LocalStackOptions options;
    options.bin_dir = std::filesystem::path(testing::binary_path("")).parent_path();
    options.log_dir = log_dir_;
    auto stack = local::LocalStack::start(options);
    ASSERT_TRUE(stack.ok()) << stack.error().describe();
    stack_ = std::move(*stack);
    auto uploaded = stack_->upload_corpus({"corpus/review.csv", kCorpus, "caltech101/", {}, {}});
    ASSERT_TRUE(uploaded.ok()) << uploaded.error().describe();
    auto launched = stack_->launch({"corpus/review.csv", "caltech101/", 2, 0});
    ASSERT_TRUE(launched.ok()) << launched.error().describe();
    local::ReviewSessionOptions session_options;
    session_options.workers_per_task = 2;
    auto session = local::ReviewSession::start(*stack_, session_options);
    ASSERT_TRUE(session.ok()) << session.error().describe();
    session_ = std::move(*session);
    auto server = local::ReviewServer::start(*session_, {"127.0.0.1", 0, kTemplate, &assets_});
    ASSERT_TRUE(server.ok()) << server.error().describe();
    server_ = std::move(*server);
  }

  void TearDown() override {
    server_.reset();
    session_.reset();
    stack_.reset();
    std::filesystem::remove_all(log_dir_);
  }

  httplib::Client client() const { return httplib::Client("127.0.0.1", server_->port()); }

  // A browser: keeps the worker cookie the server sets.
  struct Browser {
    httplib::Client http;
    std::string cookie;

    json next_task() {
      auto response = http.Get("/api/task", headers());
      EXPECT_TRUE(response) << httplib::to_string(response.error());
      EXPECT_EQ(response->status, 200);
      if (auto set = cookie_value(response->get_header_value("Set-Cookie"), "bulkqa-worker")) {
        cookie = "bulkqa-worker=" + *set;
      }
      return json::parse(response->body);
    }

    httplib::Result answer(std::size_t task, const json& content) {
      return http.Post("/api/tasks/" + std::to_string(task) + "/answer", headers(), content.dump(),
                       kJson);
    }

    httplib::Headers headers() const {
      if (cookie.empty()) return {};
      return {{"Cookie", cookie}};
    }
  };

  Browser browser() const { return Browser{client(), ""}; }

  // The worker template's answer for a task: every image confirmed but those in `unchecked`.
  static json answer_for(const json& task, std::vector<std::size_t> unchecked = {}) {
    json content = json::object();
    const json& items = task["input"]["sourceRef"];
    for (std::size_t i = 0; i < items.size(); ++i) {
      const bool confirmed = std::find(unchecked.begin(), unchecked.end(), i) == unchecked.end();
      content[items[i]["label"].get<std::string>() + "-" + std::to_string(i)] = {
          {"Confirmed", confirmed}};
    }
    return content;
  }

  // Confirm and disconfirm counts of every image in the table, by image URL.
  std::map<std::string, std::pair<std::size_t, std::size_t>> votes() {
    auto images = session_->reviewed_images();
    EXPECT_TRUE(images.ok()) << images.error().describe();
    std::map<std::string, std::pair<std::size_t, std::size_t>> counts;
    for (const auto& image : *images) {
      counts[image.s3_image_url] = {image.confirm_count, image.disconfirm_count};
    }
    return counts;
  }

  std::filesystem::path log_dir_;
  local::WebAssets assets_{{"/", {"text/html; charset=utf-8", "<p>review page</p>"}}};
  std::unique_ptr<local::LocalStack> stack_;
  std::unique_ptr<local::ReviewSession> session_;
  std::unique_ptr<local::ReviewServer> server_;
};

TEST_F(ReviewServerTest, EachBrowserIsAWorkerAndEveryTaskGetsTwoAnswers) {
  Browser first = browser();
  Browser second = browser();
  const json task = first.next_task();
  EXPECT_EQ(task["task"]["id"], 0);
  EXPECT_EQ(task["progress"], json({{"complete", 0}, {"total", 3}}));
  EXPECT_EQ(second.next_task()["task"]["id"], 0);
  EXPECT_NE(first.cookie, second.cookie);
  EXPECT_TRUE(first.cookie.starts_with("bulkqa-worker=private.local.")) << first.cookie;

  const json& items = task["task"]["input"]["sourceRef"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["s3_image_url"], "s3://bulkqa-stack/crab/image_0001.jpg");
  EXPECT_EQ(items[1]["label"], "Crab");

  auto taken = first.answer(0, answer_for(task["task"]));
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->status, 200) << taken->body;
  EXPECT_EQ(json::parse(taken->body)["completed_task"], false);
  auto again = first.answer(0, answer_for(task["task"]));
  EXPECT_EQ(again->status, 409);
  EXPECT_EQ(json::parse(again->body)["error"], "AlreadyAnswered");

  auto completing = second.answer(0, answer_for(task["task"], {1}));
  ASSERT_TRUE(completing);
  EXPECT_EQ(completing->status, 200) << completing->body;
  EXPECT_EQ(json::parse(completing->body)["completed_task"], true);
  EXPECT_EQ(json::parse(completing->body)["progress"]["complete"], 1);

  const auto counts = votes();
  EXPECT_EQ(counts.at("s3://bulkqa-stack/crab/image_0001.jpg"), std::make_pair(2ul, 0ul));
  EXPECT_EQ(counts.at("s3://bulkqa-stack/crab/image_0002.jpg"), std::make_pair(1ul, 1ul));
  EXPECT_EQ(counts.at("s3://bulkqa-stack/lobster/image_0004.jpg"), std::make_pair(0ul, 0ul));
}

TEST_F(ReviewServerTest, TheSessionEndsWhenEveryTaskIsConsolidated) {
  Browser first = browser();
  Browser second = browser();
  for (std::size_t round = 0; round < 3; ++round) {
    for (Browser* worker : {&first, &second}) {
      const json task = worker->next_task();
      ASSERT_FALSE(task["task"].is_null()) << task.dump();
      auto taken = worker->answer(task["task"]["id"], answer_for(task["task"]));
      ASSERT_EQ(taken->status, 200) << taken->body;
    }
  }
  EXPECT_TRUE(session_->wait().ok());
  const json done = first.next_task();
  EXPECT_TRUE(done["task"].is_null());
  EXPECT_EQ(done["progress"], json({{"complete", 3}, {"total", 3}}));
  for (const auto& [url, count] : votes()) EXPECT_EQ(count, std::make_pair(2ul, 0ul)) << url;
}

TEST_F(ReviewServerTest, AnswersPostLabelingCouldNotReadAreRefused) {
  Browser worker = browser();
  const json task = worker.next_task();
  auto unreadable = worker.answer(0, {{"Crab-9", {{"Confirmed", true}}}});
  EXPECT_EQ(unreadable->status, 400);
  EXPECT_EQ(json::parse(unreadable->body)["error"], "InvalidAnnotation");
  EXPECT_NE(json::parse(unreadable->body)["message"].get<std::string>().find("'Crab-9'"),
            std::string::npos);
  auto partial = worker.answer(0, {{"Crab-0", {{"Confirmed", true}}}});
  EXPECT_EQ(partial->status, 400);
  EXPECT_EQ(json::parse(partial->body)["error"], "IncompleteAnswer");
  auto unknown = worker.answer(7, answer_for(task["task"]));
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(session_->progress().complete, 0u);
}

TEST_F(ReviewServerTest, WhatAnotherSiteCouldSendIsRefused) {
  Browser worker = browser();
  const json task = worker.next_task();
  httplib::Client anonymous = client();
  auto no_cookie = anonymous.Post("/api/tasks/0/answer", answer_for(task["task"]).dump(), kJson);
  EXPECT_EQ(no_cookie->status, 403);
  auto as_form = worker.http.Post("/api/tasks/0/answer", worker.headers(),
                                  answer_for(task["task"]).dump(), "text/plain");
  EXPECT_EQ(as_form->status, 415);
  auto rebound =
      anonymous.Get("/api/task", {{"Host", "evil.example:" + std::to_string(server_->port())}});
  EXPECT_EQ(rebound->status, 403);
  EXPECT_EQ(session_->progress().complete, 0u);
}

TEST_F(ReviewServerTest, ServesThePageTheTemplateAndOnlyTheTasksImages) {
  httplib::Client http = client();
  auto page = http.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->body, "<p>review page</p>");
  EXPECT_TRUE(page->has_header("Set-Cookie"));
  EXPECT_EQ(http.Get("/template")->body, kTemplate);
  EXPECT_EQ(http.Get("/assets/none.js")->status, 404);

  auto image = http.Get("/s3/bulkqa-stack/lobster/image_0003.jpg");
  ASSERT_TRUE(image);
  EXPECT_EQ(image->status, 200);
  EXPECT_EQ(image->get_header_value("Content-Type"), "image/png");
  EXPECT_EQ(image->body, placeholder_png("lobster/image_0003.jpg"));
  // grant_read_access on the page percent-encodes each part of the key.
  auto encoded = http.Get("/s3/bulkqa-stack/crab/image%200005%20b.jpg");
  ASSERT_TRUE(encoded);
  EXPECT_EQ(encoded->status, 200) << encoded->body;
  EXPECT_EQ(encoded->body, placeholder_png("crab/image 0005 b.jpg"));
  EXPECT_EQ(http.Get("/s3/bulkqa-stack/manifest.json")->status, 404);
  EXPECT_EQ(http.Get("/s3/bulkqa-launch/corpus/review.csv")->status, 404);
}

// A server that did not wait for its thread to listen would hang here, stopped too early: ctest's
// timeout is the failure (tests/CMakeLists.txt).
TEST_F(ReviewServerTest, DestroyedRightAfterStartReturns) {
  for (int round = 0; round < 50; ++round) {
    auto server = local::ReviewServer::start(*session_, {"127.0.0.1", 0, kTemplate, &assets_});
    ASSERT_TRUE(server.ok()) << server.error().describe();
  }
}

}  // namespace
}  // namespace bulkqa
