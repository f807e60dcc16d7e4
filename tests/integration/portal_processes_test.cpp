// The review portal run as its operators run it: every `bulkqa` a real process on the shared moto
// with IAM authentication on, as a user holding only the template's PortalPolicy (its key in the
// environment, as the AWS credential chain finds it), and reviewers speaking HTTP to it. Two
// portals on one table with eight reviewers; a portal killed between storing an answer and
// counting it; `bulkqa reviewers` and `bulkqa progress`, and the options the commands refuse.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "bulkqa/local/function_process.hpp"
#include "support/fault_proxy.hpp"
#include "support/moto.hpp"
#include "support/portal_stack.hpp"
#include "support/process_output.hpp"
#include "support/test_paths.hpp"

namespace bulkqa {
namespace {

using nlohmann::json;
using testing::CommandRun;
using testing::MotoServer;
using testing::PortalStack;

constexpr const char* kJson = "application/json";
// Under the load of eight reviewers on two portals a request may wait long for moto.
constexpr auto kHttpTimeout = std::chrono::seconds(120);

// The environment of a `bulkqa` process running as the portal's user, reaching DynamoDB through
// `dynamodb_endpoint` when given. Nothing else may give it credentials or endpoints: no shared
// files, no instance metadata, and the outer environment's AWS variables blanked (empty counts as
// unset).
std::map<std::string, std::string> portal_environment(const PortalStack& stack,
                                                      const std::string& dynamodb_endpoint = "") {
  auto environment = MotoServer::shared().environment(stack.portal_user());
  environment["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/bulkqa-test/credentials";
  environment["AWS_CONFIG_FILE"] = "/nonexistent/bulkqa-test/config";
  environment["AWS_EC2_METADATA_DISABLED"] = "true";
  for (const char* name : {"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3",
                           "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_CLOUDFORMATION"}) {
    environment[name] = "";
  }
  environment["AWS_ENDPOINT_URL_DYNAMODB"] = dynamodb_endpoint;
  return environment;
}

// A running `bulkqa serve` of a deployed stack and, once it serves, where.
struct ServeProcess {
  local::FunctionProcess process;
  std::filesystem::path log;  // its stderr
  std::string origin;         // "http://127.0.0.1:<port>"
  int port = 0;
};

// A reviewer's browser speaking to one portal: its own cookie and the CSRF token of its session.
class ReviewerBrowser {
 public:
  explicit ReviewerBrowser(int port) : http_("127.0.0.1", port) {
    http_.set_read_timeout(kHttpTimeout);
  }

  // Redeems the invite (as the invite page posts it) and reads the session's CSRF token.
  void sign_in(const std::string& token) {
    auto redeemed = http_.Post("/api/invite", json{{"token", token}}.dump(), kJson);
    ASSERT_TRUE(redeemed) << httplib::to_string(redeemed.error());
    ASSERT_EQ(redeemed->status, 200) << redeemed->body;
    const std::string set_cookie = redeemed->get_header_value("Set-Cookie");
    cookie_ = set_cookie.substr(0, set_cookie.find(';'));
    auto me = get("/api/me");
    ASSERT_TRUE(me);
    ASSERT_EQ(me->status, 200) << me->body;
    csrf_ = json::parse(me->body).at("csrf");
  }

  httplib::Result get(const std::string& path) { return http_.Get(path, {{"Cookie", cookie_}}); }

  httplib::Result post(const std::string& path, const std::string& body) {
    return http_.Post(path, {{"Cookie", cookie_}, {"X-CSRF-Token", csrf_}}, body, kJson);
  }

  // The task the portal hands this reviewer now; null when none is left for it.
  json next_task() {
    auto task = get("/api/task");
    EXPECT_TRUE(task && task->status == 200) << (task ? task->body : "no answer");
    return task && task->status == 200 ? json::parse(task->body).at("task") : json();
  }

  httplib::Result answer(std::size_t task, const std::string& content) {
    return post("/api/tasks/" + std::to_string(task) + "/answer", content);
  }

 private:
  httplib::Client http_;
  std::string cookie_;
  std::string csrf_;
};

class PortalProcessesTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(work_dir_); }

  void launch(std::size_t tasks, std::size_t images_per_task) {
    stack_ = std::make_unique<PortalStack>(tasks, images_per_task);
  }

  // The arguments, then --bucket, --table and --portal-table of the stack.
  std::vector<std::string> on_stack(std::vector<std::string> arguments) const {
    const auto& deployment = stack_->deployment();
    arguments.insert(arguments.end(),
                     {"--bucket", deployment.stack_bucket, "--table", deployment.table,
                      "--portal-table", deployment.portal_table});
    return arguments;
  }

  // `bulkqa <arguments>` to its end, as the portal's user.
  CommandRun bulkqa(std::vector<std::string> arguments) {
    return testing::run_command(testing::binary_path("bulkqa"), portal_environment(*stack_),
                                arguments, work_dir_ / "command");
  }

  CommandRun bulkqa_on_stack(std::vector<std::string> arguments) {
    return bulkqa(on_stack(std::move(arguments)));
  }

  // Starts `bulkqa serve` on the stack, DynamoDB through `dynamodb_endpoint` when given.
  ServeProcess start_serve(std::size_t workers_per_task,
                           const std::string& dynamodb_endpoint = "") {
    std::filesystem::create_directories(work_dir_);
    const auto log = work_dir_ / ("serve-" + std::to_string(serves_++) + ".stderr");
    auto process = local::FunctionProcess::start(
        testing::binary_path("bulkqa"), portal_environment(*stack_, dynamodb_endpoint), log,
        on_stack({"serve", "--port", "0", "--workers-per-task", std::to_string(workers_per_task)}));
    if (!process) throw std::runtime_error(process.error().describe());
    return {std::move(*process), log, "", 0};
  }

  // Waits until the portal serves (which is after it repaired the table), and reads its URL.
  static void wait_until_serving(ServeProcess& portal) {
    if (!testing::wait_for_output(portal.process, portal.log, "; invite reviewers")) {
      throw std::runtime_error("bulkqa serve did not start: " +
                               testing::read_file(portal.log.string()));
    }
    // "serving N tasks at http://127.0.0.1:<port>/; invite reviewers ..." (std::regex is left
    // out of the tests: GCC 12 warns in its headers under the sanitizers' optimisation).
    const std::string output = testing::read_file(portal.log.string());
    constexpr std::string_view kAt = " at http://127.0.0.1:";
    const std::size_t at = output.find(kAt);
    if (at == std::string::npos) throw std::runtime_error("bulkqa serve printed no URL: " + output);
    portal.port = std::stoi(output.substr(at + kAt.size()));
    portal.origin = "http://127.0.0.1:" + std::to_string(portal.port);
  }

  ServeProcess serve(std::size_t workers_per_task, const std::string& dynamodb_endpoint = "") {
    ServeProcess portal = start_serve(workers_per_task, dynamodb_endpoint);
    wait_until_serving(portal);
    return portal;
  }

  // `bulkqa reviewers add NAME` for a portal at `origin`: the invite's token.
  std::string invite(const std::string& name, const std::string& origin, bool admin = false) {
    std::vector<std::string> arguments{"reviewers", "add", name, "--public-origin", origin};
    if (admin) arguments.push_back("--admin");
    const CommandRun added = bulkqa_on_stack(arguments);
    EXPECT_EQ(added.exit_code, 0) << added.errors;
    const std::string prefix = origin + "/invite#";
    EXPECT_TRUE(added.output.starts_with(prefix)) << added.output;
    return added.output.substr(prefix.size(), added.output.find('\n') - prefix.size());
  }

  // A browser signed in to `portal` as the new reviewer `name`.
  std::unique_ptr<ReviewerBrowser> sign_in(const std::string& name, const ServeProcess& portal,
                                           bool admin = false) {
    auto browser = std::make_unique<ReviewerBrowser>(portal.port);
    browser->sign_in(invite(name, portal.origin, admin));
    return browser;
  }

  std::unique_ptr<PortalStack> stack_;
  std::filesystem::path work_dir_ =
      std::filesystem::temp_directory_path() / MotoServer::unique_name("bulkqa-portal-processes");
  int serves_ = 0;
};

// A stored answer's task, reviewer and content.
using SubmittedAnswers = std::map<std::pair<std::size_t, std::string>, std::string>;

// The reviewer answers every task the portal hands it, as simulated_annotation answers, until
// none is left; each answer the portal took goes into `submitted`.
void review_until_done(ReviewerBrowser& browser, const SimulatedReviewer& reviewer,
                       const PortalStack& stack, std::mutex& mutex, SubmittedAnswers& submitted) {
  const TruthSource truth = PortalStack::truth();
  for (json task = browser.next_task(); !task.is_null(); task = browser.next_task()) {
    const std::size_t index = task.at("id");
    const std::string content = simulated_annotation(stack.batches().at(index), truth, reviewer);
    auto answered = browser.answer(index, content);
    ASSERT_TRUE(answered) << reviewer.worker_id << ": " << httplib::to_string(answered.error());
    ASSERT_EQ(answered->status, 200) << reviewer.worker_id << ": " << answered->body;
    std::lock_guard lock(mutex);
    submitted[{index, reviewer.worker_id}] = content;
  }
}

TEST_F(PortalProcessesTest, TwoPortalsEightReviewersOverHttpHundredTasksEachVoteOnce) {
  constexpr std::size_t kTasks = 100;
  constexpr std::size_t kWorkers = 2;
  constexpr int kReviewers = 8;
  launch(kTasks, 1);
  // Both start on the empty table at once: each writes the tasks the other has not.
  std::vector<ServeProcess> portals;
  portals.push_back(start_serve(kWorkers));
  portals.push_back(start_serve(kWorkers));
  for (auto& portal : portals) wait_until_serving(portal);

  std::vector<std::unique_ptr<ReviewerBrowser>> browsers;
  for (int r = 0; r < kReviewers; ++r) {
    browsers.push_back(sign_in("reviewer-" + std::to_string(r), portals[r % 2]));
  }
  ASSERT_FALSE(HasFatalFailure());
  std::mutex mutex;
  SubmittedAnswers submitted;
  std::vector<std::thread> threads;
  for (int r = 0; r < kReviewers; ++r) {
    threads.emplace_back([&, r] {
      const SimulatedReviewer reviewer{"reviewer-" + std::to_string(r), 0.2,
                                       static_cast<std::uint64_t>(r)};
      review_until_done(*browsers[r], reviewer, *stack_, mutex, submitted);
    });
  }
  for (auto& thread : threads) thread.join();

  // Every task holds exactly its two answers, of two reviewers, each as submitted and counted.
  const auto stored = stack_->stored_answers();
  std::map<std::size_t, std::set<std::string>> reviewers_of;
  for (const auto& answer : stored) {
    const std::size_t task = answer.record.task;
    const std::string& reviewer = answer.record.reviewer;
    EXPECT_TRUE(reviewers_of[task].insert(reviewer).second) << task << " " << reviewer;
    EXPECT_EQ(answer.content, submitted[std::pair(task, reviewer)]) << task << " " << reviewer;
    EXPECT_TRUE(answer.applied) << task << " " << reviewer;
  }
  EXPECT_EQ(stored.size(), kTasks * kWorkers);
  EXPECT_EQ(submitted.size(), kTasks * kWorkers);
  ASSERT_EQ(reviewers_of.size(), kTasks);
  for (const auto& [task, names] : reviewers_of) EXPECT_EQ(names.size(), kWorkers) << task;
  // The image table holds each vote of those answers exactly once.
  EXPECT_EQ(stack_->image_counts(), stack_->votes_of(stored));

  const CommandRun progress = bulkqa_on_stack({"progress", "--format", "json"});
  ASSERT_EQ(progress.exit_code, 0) << progress.errors;
  const json figures = json::parse(progress.output);
  const json all_tasks = {{"done", kTasks}, {"total", kTasks}};
  EXPECT_EQ(figures["tasks"], all_tasks);
  EXPECT_EQ(figures["answers"], json({{"done", kTasks * kWorkers}, {"needed", kTasks * kWorkers}}));
  EXPECT_EQ(figures["reviewers"].size(), static_cast<std::size_t>(kReviewers));
}

// The image table's DynamoDB UpdateItem calls: those that count votes, which the portal makes
// only after the answer is stored (TransactWriteItems on the portal table).
bool counts_votes(const std::string& image_table, const testing::MessageHead& head,
                  const std::string& body) {
  if (head.header("x-amz-target") != "DynamoDB_20120810.UpdateItem") return false;
  const json request = json::parse(body, nullptr, false);
  return request.is_object() && request.value("TableName", "") == image_table;
}

TEST_F(PortalProcessesTest, APortalKilledBeforeCountingAnAnswerCountsItOnceWhenStartedAgain) {
  launch(1, 2);
  const auto before = stack_->image_counts();
  // The portal reaches DynamoDB through a proxy that holds its vote counts unanswered, never
  // forwarded: the first held is the moment between storing the answer and counting it. (The
  // task's two images are counted by concurrent updates: both are held.)
  testing::FaultProxy proxy(MotoServer::shared().endpoint(), {}, 1);
  const std::string image_table = stack_->deployment().table;
  proxy.hold_when([image_table](const testing::MessageHead& head, const std::string& body) {
    return counts_votes(image_table, head, body);
  });
  ServeProcess portal = serve(1, proxy.endpoint());
  auto ann = sign_in("ann", portal);
  ASSERT_FALSE(HasFatalFailure());
  const json task = ann->next_task();
  ASSERT_FALSE(task.is_null());
  const std::string content =
      simulated_annotation(stack_->batches().at(0), PortalStack::truth(), {"ann", 0, 1});
  auto answering = std::async(std::launch::async, [&] { return ann->answer(0, content); });
  const bool held = proxy.wait_for_held(std::chrono::minutes(2));
  if (held) ::kill(portal.process.pid(), SIGKILL);
  const httplib::Result answered = answering.get();
  ASSERT_TRUE(held) << "the portal never counted the answer's votes";
  EXPECT_EQ(portal.process.wait(), 128 + SIGKILL);
  EXPECT_FALSE(answered) << "the killed portal answered " << answered->status;

  // Stored, not counted.
  auto stored = stack_->stored_answers();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].content, content);
  EXPECT_FALSE(stored[0].applied);
  EXPECT_EQ(stack_->image_counts(), before);

  // Started again, the portal counts it before it serves, and marks it counted.
  serve(1);
  const auto counted = stack_->image_counts();
  EXPECT_EQ(counted, stack_->votes_of(stored));
  stored = stack_->stored_answers();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_TRUE(stored[0].applied);
  // A third start changes nothing.
  serve(1);
  EXPECT_EQ(stack_->image_counts(), counted);
}

TEST_F(PortalProcessesTest, ReviewersAddListRevokeAndProgressOnARunningPortal) {
  launch(2, 1);
  ServeProcess portal = serve(1);
  auto alice = sign_in("alice", portal);
  auto bob = sign_in("bob", portal, true);
  ASSERT_FALSE(HasFatalFailure());
  const json task = bob->next_task();
  ASSERT_FALSE(task.is_null());
  const std::size_t index = task.at("id");
  auto answered = bob->answer(index, simulated_annotation(stack_->batches().at(index),
                                                          PortalStack::truth(), {"bob", 0, 1}));
  ASSERT_TRUE(answered && answered->status == 200) << (answered ? answered->body : "no answer");
  EXPECT_EQ(alice->get("/api/task")->status, 200);

  const CommandRun revoked = bulkqa_on_stack({"reviewers", "revoke", "alice"});
  EXPECT_EQ(revoked.exit_code, 0) << revoked.errors;
  EXPECT_NE(revoked.errors.find("alice is revoked"), std::string::npos) << revoked.errors;
  // The running portal refuses her session at her next request; bob's still works.
  EXPECT_EQ(alice->get("/api/task")->status, 401);
  EXPECT_EQ(alice->get("/api/me")->status, 401);
  EXPECT_EQ(bob->get("/api/progress")->status, 200);

  const CommandRun listed = bulkqa_on_stack({"reviewers", "list"});
  EXPECT_EQ(listed.exit_code, 0) << listed.errors;
  const std::string lines = "\n" + listed.output;
  EXPECT_NE(lines.find("\nalice  revoked  since "), std::string::npos) << listed.output;
  EXPECT_NE(lines.find("\nbob  admin  since "), std::string::npos) << listed.output;

  const CommandRun unknown = bulkqa_on_stack({"reviewers", "revoke", "nobody"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.errors.find("nobody"), std::string::npos) << unknown.errors;
  const CommandRun again =
      bulkqa_on_stack({"reviewers", "add", "bob", "--public-origin", portal.origin});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.errors.find("bob"), std::string::npos) << again.errors;
  EXPECT_EQ(again.output, "") << "no invite for a reviewer who exists";

  const CommandRun progress = bulkqa_on_stack({"progress", "--format", "json"});
  ASSERT_EQ(progress.exit_code, 0) << progress.errors;
  const json figures = json::parse(progress.output);
  EXPECT_EQ(figures["tasks"], json({{"done", 1}, {"total", 2}}));
  ASSERT_EQ(figures["reviewers"].size(), 1u);
  EXPECT_EQ(figures["reviewers"][0]["reviewer"], "bob");
  EXPECT_EQ(figures["reviewers"][0]["reviews"], 1);
  const CommandRun text = bulkqa_on_stack({"progress"});
  EXPECT_EQ(text.exit_code, 0) << text.errors;
  EXPECT_NE(text.output.find("bob"), std::string::npos) << text.output;
}

TEST_F(PortalProcessesTest, BadReviewerNamesAreRefusedNamingTheName) {
  launch(1, 1);
  const std::string names[] = {"al ice", "../admin", "bob;rm", std::string(65, 'a')};
  for (const auto& name : names) {
    const CommandRun added =
        bulkqa_on_stack({"reviewers", "add", name, "--public-origin", "http://127.0.0.1:8080"});
    EXPECT_EQ(added.exit_code, 1) << name;
    EXPECT_NE(added.errors.find(name), std::string::npos) << added.errors;
    EXPECT_EQ(added.output, "") << name;
  }
  const CommandRun listed = bulkqa_on_stack({"reviewers", "list"});
  EXPECT_EQ(listed.exit_code, 0) << listed.errors;
  EXPECT_EQ(listed.output, "") << "no reviewer was added";
}

TEST_F(PortalProcessesTest, MissingOrConflictingOptionsAreRefusedNamingTheOption) {
  launch(1, 1);
  const auto& deployment = stack_->deployment();
  struct Refusal {
    std::vector<std::string> arguments;
    std::string named;
  };
  const Refusal refusals[] = {
      {{"reviewers", "list", "--table", deployment.table, "--portal-table",
        deployment.portal_table},
       "--bucket is missing"},
      {{"reviewers", "add", "carol", "--public-origin", "http://127.0.0.1:8080", "--bucket",
        deployment.stack_bucket, "--portal-table", deployment.portal_table},
       "--table is missing"},
      {{"progress", "--stack", "bulkqa", "--bucket", deployment.stack_bucket},
       "--bucket and --stack"},
      {{"serve", "--auto-review", "2", "--bucket", deployment.stack_bucket, "--table",
        deployment.table, "--portal-table", deployment.portal_table},
       "--auto-review"},
      {{"serve", "--bind", "0.0.0.0", "--bucket", deployment.stack_bucket, "--table",
        deployment.table, "--portal-table", deployment.portal_table},
       "--bind 0.0.0.0"},
  };
  for (const auto& refusal : refusals) {
    const CommandRun run = bulkqa(refusal.arguments);
    EXPECT_EQ(run.exit_code, 1) << refusal.named << ": " << run.errors;
    EXPECT_NE(run.errors.find(refusal.named), std::string::npos) << run.errors;
  }
  // Refused before anything was written: the portal table is as launch left it, empty.
  auto portal_items = stack_->admin_dynamodb().scan_all(deployment.portal_table);
  ASSERT_TRUE(portal_items.ok()) << portal_items.error().describe();
  EXPECT_EQ(portal_items->size(), 0u);
}

}  // namespace
}  // namespace bulkqa
