// A test double of the review portal's state, in memory: reviewers, invites, sessions, tasks with
// one image each held by one reviewer at a time, answers taken once. For the portal server's
// tests; it keeps secrets in clear, unlike the real Portal. Thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "support/portal_test_backend.hpp"

namespace bulkqa::testing {

class InMemoryPortalBackend final : public portal::PortalBackend, public PortalTestBackend {
 public:
  // `tasks` tasks, task i with the one image s3://<bucket>/images/<i>.png labeled "Crab" (a
  // placeholder PNG), one reviewer each.
  InMemoryPortalBackend(std::size_t tasks, std::string bucket);

  // PortalTestBackend
  portal::PortalBackend& backend() override { return *this; }
  std::string invite(const std::string& reviewer, bool admin) override;
  void revoke(const std::string& reviewer) override;
  void expire_sessions() override;
  portal::SystemClock::duration session_lifetime() const override { return kSessionLifetime; }
  std::string valid_answer(std::size_t index) override;

  // PortalBackend
  Result<portal::NewSession> redeem_invite(std::string_view token) override;
  Result<portal::SessionOwner> check_session(std::string_view session_id) override;
  Status end_session(std::string_view session_id) override;
  Result<portal::NextTask> next_task(const std::string& reviewer) override;
  Result<portal::SubmitOutcome> submit(std::size_t task, const std::string& reviewer,
                                       std::string content) override;
  Result<std::string> image(const std::string& reviewer, const S3Uri& uri) override;
  Result<nlohmann::json> progress() override;
  Result<std::string> report_html() override;

  // How many times image() was asked, whatever it answered.
  std::size_t image_requests() const;

  static constexpr std::string_view kPngSignature = "\x89PNG\r\n\x1a\n";
  static constexpr auto kSessionLifetime = std::chrono::hours(12);

 private:
  struct Task {
    S3Uri image;
    std::string holder;  // empty: open
    std::optional<std::string> answer;
  };
  struct Session {
    std::string reviewer;
    portal::SystemClock::time_point expires;
  };
  portal::TaskCounts counts() const;
  portal::AssignedTask assigned(std::size_t index) const;

  mutable std::mutex mutex_;
  std::vector<Task> tasks_;
  std::map<std::string, portal::Reviewer, std::less<>> reviewers_;
  std::map<std::string, std::string, std::less<>> invites_;  // token -> reviewer
  std::map<std::string, Session, std::less<>> sessions_;
  std::size_t image_requests_ = 0;
};

}  // namespace bulkqa::testing
