#include "support/in_memory_portal_backend.hpp"

#include <random>

#include "bulkqa/review/placeholder_image.hpp"

namespace bulkqa::testing {
namespace {

using portal::SystemClock;

// 128 random bits, hex, as the real Portal's tokens and session ids.
std::string random_secret() {
  std::random_device device;
  std::uniform_int_distribution<int> digit(0, 15);
  std::string secret;
  for (int i = 0; i < 32; ++i) secret += "0123456789abcdef"[digit(device)];
  return secret;
}

}  // namespace

InMemoryPortalBackend::InMemoryPortalBackend(std::size_t tasks, std::string bucket) {
  for (std::size_t i = 0; i < tasks; ++i) {
    tasks_.push_back({{bucket, "images/" + std::to_string(i) + ".png"}, {}, {}});
  }
}

std::string InMemoryPortalBackend::invite(const std::string& reviewer, bool admin) {
  const std::lock_guard lock(mutex_);
  reviewers_[reviewer] = {reviewer, admin, false, SystemClock::now()};
  std::string token = random_secret();
  invites_[token] = reviewer;
  return token;
}

void InMemoryPortalBackend::revoke(const std::string& reviewer) {
  const std::lock_guard lock(mutex_);
  reviewers_.at(reviewer).revoked = true;
}

void InMemoryPortalBackend::expire_sessions() {
  const std::lock_guard lock(mutex_);
  for (auto& [id, session] : sessions_) session.expires = SystemClock::now();
}

std::string InMemoryPortalBackend::valid_answer(std::size_t index) {
  return nlohmann::json{{"task", index}}.dump();
}

Result<portal::NewSession> InMemoryPortalBackend::redeem_invite(std::string_view token) {
  const std::lock_guard lock(mutex_);
  const auto found = invites_.find(token);
  if (found == invites_.end() || reviewers_.at(found->second).revoked) {
    return make_error(errc::kInvalidInvite, "this invite is unknown, used or expired");
  }
  const portal::Reviewer& reviewer = reviewers_.at(found->second);
  invites_.erase(found);
  portal::NewSession session{random_secret(), reviewer.name, reviewer.admin,
                             SystemClock::now() + kSessionLifetime};
  sessions_[session.session_id] = {reviewer.name, session.expires};
  return session;
}

Result<portal::SessionOwner> InMemoryPortalBackend::check_session(std::string_view session_id) {
  const std::lock_guard lock(mutex_);
  const auto found = sessions_.find(session_id);
  if (found == sessions_.end() || found->second.expires <= SystemClock::now() ||
      reviewers_.at(found->second.reviewer).revoked) {
    return make_error(errc::kNoSession, "no such session");
  }
  const portal::Reviewer& reviewer = reviewers_.at(found->second.reviewer);
  return portal::SessionOwner{reviewer.name, reviewer.admin, found->second.expires};
}

Status InMemoryPortalBackend::end_session(std::string_view session_id) {
  const std::lock_guard lock(mutex_);
  if (const auto found = sessions_.find(session_id); found != sessions_.end()) {
    sessions_.erase(found);
  }
  return {};
}

Result<portal::NextTask> InMemoryPortalBackend::next_task(const std::string& reviewer) {
  const std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < tasks_.size(); ++i) {
    if (tasks_[i].holder == reviewer && !tasks_[i].answer) return {{assigned(i), counts()}};
  }
  for (std::size_t i = 0; i < tasks_.size(); ++i) {
    if (tasks_[i].holder.empty()) {
      tasks_[i].holder = reviewer;
      return {{assigned(i), counts()}};
    }
  }
  return {{std::nullopt, counts()}};
}

Result<portal::SubmitOutcome> InMemoryPortalBackend::submit(std::size_t task,
                                                            const std::string& reviewer,
                                                            std::string content) {
  const std::lock_guard lock(mutex_);
  if (task >= tasks_.size())
    return make_error(errc::kUnknownTask, "no task " + std::to_string(task));
  Task& held = tasks_[task];
  if (held.holder != reviewer) {
    return make_error(errc::kLeaseLost, "task " + std::to_string(task) + " is not held by you");
  }
  if (held.answer) return make_error(errc::kAlreadyAnswered, "task " + std::to_string(task));
  held.answer = std::move(content);
  return portal::SubmitOutcome{true, counts()};
}

Result<std::string> InMemoryPortalBackend::image(const std::string& reviewer, const S3Uri& uri) {
  const std::lock_guard lock(mutex_);
  ++image_requests_;
  for (const Task& task : tasks_) {
    if (task.image == uri && task.holder == reviewer && !task.answer) {
      return placeholder_png(uri.key);
    }
  }
  return make_error(errc::kNotATaskImage, uri.str() + " is not an image of your task");
}

Result<nlohmann::json> InMemoryPortalBackend::progress() {
  const std::lock_guard lock(mutex_);
  const portal::TaskCounts done = counts();
  // The real progress document's task counts (review/review_progress.hpp), and nothing else.
  return nlohmann::json{{"tasks", {{"done", done.complete}, {"total", done.total}}}};
}

Result<std::string> InMemoryPortalBackend::report_html() {
  return std::string("<!doctype html><title>report</title><p>in-memory report</p>");
}

std::size_t InMemoryPortalBackend::image_requests() const {
  const std::lock_guard lock(mutex_);
  return image_requests_;
}

portal::TaskCounts InMemoryPortalBackend::counts() const {
  portal::TaskCounts counts{0, tasks_.size()};
  for (const Task& task : tasks_) counts.complete += task.answer ? 1 : 0;
  return counts;
}

portal::AssignedTask InMemoryPortalBackend::assigned(std::size_t index) const {
  const S3Uri& image = tasks_[index].image;
  // As pre-labeling makes it for the worker template.
  const nlohmann::json source = {
      {"s3_image_url", image.str()}, {"label", "Crab"}, {"confidence", 90}};
  return {index,
          {{"sourceRef", nlohmann::json::array({source})}},
          {{image.str(), "/s3/" + image.bucket + "/" + image.key}},
          SystemClock::now() + std::chrono::minutes(30)};
}

}  // namespace bulkqa::testing
