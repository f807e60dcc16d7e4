// Retry decisions in the manner of the AWS SDKs' "standard" retry mode: capped exponential
// backoff with full jitter, a maximum number of attempts, and a retry quota shared by all
// requests of a client, so a dead endpoint fails fast instead of eating the Lambda's time.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

#include "bulkqa/util/error.hpp"

namespace bulkqa::aws {

struct RetryOptions {
  int max_attempts = 5;  // first try included
  // Backoff before retry n: uniform in [0, min(max_backoff, base_delay * 2^(n-1))].
  std::chrono::milliseconds base_delay{50};
  std::chrono::milliseconds max_backoff{20000};
  int quota = 500;         // tokens; a retry costs 5 (10 after a timeout)
  std::uint64_t seed = 0;  // 0: seeded from std::random_device
};

class RetryPolicy {
 public:
  explicit RetryPolicy(RetryOptions options = {});

  // The wait before the next attempt, or nullopt when `error` is not retryable, `attempts` (made
  // so far) reached max_attempts, or the quota is spent.
  std::optional<std::chrono::milliseconds> next_delay(const Error& error, int attempts);

  // The backoff alone, drawn as next_delay draws it after `attempts` attempts, with no limit on
  // attempts and no cost to the quota: for the retries of throttled attempts that a RateLimiter
  // paces.
  std::chrono::milliseconds backoff(int attempts);

  // A success refunds the cost of the retry that led to it; a first-try success earns 5 tokens.
  // A retried success is taken to follow an ordinary retry (5 tokens).
  void on_success(bool was_retried);
  // A success after the retry that `retried_error` prompted: refunds exactly what that retry
  // cost (10 tokens when it followed a timeout).
  void on_success_after(const Error& retried_error);

  int quota_left() const { return quota_; }

 private:
  RetryOptions options_;
  int quota_;
  std::mt19937_64 random_;
};

}  // namespace bulkqa::aws
