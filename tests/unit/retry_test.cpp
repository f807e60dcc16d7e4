#include "bulkqa/aws/retry.hpp"

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace bulkqa::aws {
namespace {

using std::chrono::milliseconds;

Error retryable_error(std::string code = "ServiceUnavailable") {
  Error error = make_error(std::move(code), "the service is busy");
  error.retryable = true;
  return error;
}

// Quota and attempts large enough that only the backoff is under test.
RetryOptions backoff_only_options(milliseconds base, milliseconds max_backoff) {
  RetryOptions options;
  options.base_delay = base;
  options.max_backoff = max_backoff;
  options.max_attempts = 100;
  options.quota = 1'000'000;
  options.seed = 42;
  return options;
}

std::vector<milliseconds> draw_delays(RetryPolicy& policy, int attempts, int draws) {
  std::vector<milliseconds> delays;
  for (int draw = 0; draw < draws; ++draw) {
    const auto delay = policy.next_delay(retryable_error(), attempts);
    if (!delay) {
      ADD_FAILURE() << "no delay for attempt " << attempts << ", draw " << draw;
      break;
    }
    delays.push_back(*delay);
  }
  return delays;
}

TEST(RetryPolicy, DelayForRetryNIsWithinZeroAndBaseTimesTwoToTheNMinusOne) {
  RetryPolicy policy(backoff_only_options(milliseconds{100}, milliseconds{20000}));
  for (int attempts = 1; attempts <= 6; ++attempts) {
    const milliseconds ceiling{100 * (1 << (attempts - 1))};
    const auto delays = draw_delays(policy, attempts, 2000);
    ASSERT_EQ(delays.size(), 2000u);
    for (const auto delay : delays) {
      EXPECT_GE(delay, milliseconds{0}) << "attempts " << attempts;
      EXPECT_LE(delay, ceiling) << "attempts " << attempts;
    }
  }
}

TEST(RetryPolicy, DelaysAreJitteredAcrossTheWholeRange) {
  RetryPolicy policy(backoff_only_options(milliseconds{100}, milliseconds{20000}));
  const milliseconds ceiling{400};  // third retry: 100 * 2^2
  const auto delays = draw_delays(policy, 3, 2000);
  ASSERT_FALSE(delays.empty());

  const std::set<milliseconds> distinct(delays.begin(), delays.end());
  EXPECT_GT(distinct.size(), 200u);
  EXPECT_LT(*std::min_element(delays.begin(), delays.end()), ceiling / 10);
  EXPECT_GT(*std::max_element(delays.begin(), delays.end()), ceiling * 9 / 10);
}

TEST(RetryPolicy, BackoffIsCappedAtMaxBackoff) {
  const milliseconds max_backoff{3000};
  RetryPolicy policy(backoff_only_options(milliseconds{1000}, max_backoff));
  // Uncapped, retry 40 would wait up to 1000 ms * 2^39.
  const auto delays = draw_delays(policy, 40, 2000);
  ASSERT_FALSE(delays.empty());
  for (const auto delay : delays) EXPECT_LE(delay, max_backoff);
  EXPECT_GT(*std::max_element(delays.begin(), delays.end()), max_backoff * 9 / 10);
}

TEST(RetryPolicy, NonRetryableErrorsAreNotRetriedAndCostNothing) {
  RetryOptions options;
  options.seed = 1;
  RetryPolicy policy(options);
  const auto before = policy.quota_left();

  EXPECT_FALSE(policy.next_delay(make_error("AccessDenied", "not allowed"), 1));
  EXPECT_EQ(policy.quota_left(), before);
}

TEST(RetryPolicy, StopsOnceMaxAttemptsWereMade) {
  RetryOptions options;
  options.max_attempts = 3;
  options.seed = 1;
  RetryPolicy policy(options);

  EXPECT_TRUE(policy.next_delay(retryable_error(), 1));
  EXPECT_TRUE(policy.next_delay(retryable_error(), 2));
  EXPECT_FALSE(policy.next_delay(retryable_error(), 3));
  EXPECT_FALSE(policy.next_delay(retryable_error(), 4));
}

TEST(RetryPolicy, ExhaustedQuotaStopsRetriesUntilASuccessRefundsIt) {
  RetryOptions options;
  options.quota = 12;
  options.seed = 1;
  RetryPolicy policy(options);

  EXPECT_TRUE(policy.next_delay(retryable_error(), 1));
  EXPECT_TRUE(policy.next_delay(retryable_error(), 1));
  EXPECT_EQ(policy.quota_left(), 2);
  EXPECT_FALSE(policy.next_delay(retryable_error(), 1));
  EXPECT_EQ(policy.quota_left(), 2);

  policy.on_success(true);
  EXPECT_EQ(policy.quota_left(), 7);
  EXPECT_TRUE(policy.next_delay(retryable_error(), 1));
  EXPECT_EQ(policy.quota_left(), 2);

  policy.on_success(false);
  EXPECT_EQ(policy.quota_left(), 7);
}

// Each request's attempts fail with probability `failure_rate` until it succeeds or the policy
// gives up; how many requests failed for good.
int requests_given_up(RetryPolicy& policy, double failure_rate, int requests) {
  std::mt19937_64 random(42);
  std::bernoulli_distribution fails(failure_rate);
  int given_up = 0;
  for (int request = 0; request < requests; ++request) {
    bool retried = false;
    for (int attempts = 1;; ++attempts) {
      if (!fails(random)) {
        policy.on_success(retried);
        break;
      }
      if (!policy.next_delay(retryable_error(), attempts)) {
        ++given_up;
        break;
      }
      retried = true;
    }
  }
  return given_up;
}

TEST(RetryPolicy, KeepsRetryingWhileFewerThanHalfTheRequestsFail) {
  RetryOptions options;
  options.seed = 3;
  RetryPolicy policy(options);
  // At 30% failures, only requests that fail all 5 attempts (0.3^5 = 0.24%) are given up.
  EXPECT_LT(requests_given_up(policy, 0.3, 10'000), 60);
  EXPECT_GT(policy.quota_left(), options.quota / 2);
}

TEST(RetryPolicy, ADeadEndpointSpendsTheQuotaAndThenFailsAtOnce) {
  RetryOptions options;
  options.seed = 4;
  RetryPolicy policy(options);
  requests_given_up(policy, 1.0, 100);
  EXPECT_LT(policy.quota_left(), 5);
  EXPECT_FALSE(policy.next_delay(retryable_error(), 1)) << "no retry once the quota is spent";
}

TEST(RetryPolicy, RefundsNeverRaiseTheQuotaAboveItsStart) {
  RetryOptions options;
  options.quota = 20;
  options.seed = 1;
  RetryPolicy policy(options);

  policy.on_success(false);
  policy.on_success(true);
  policy.on_success_after(retryable_error("Timeout"));
  EXPECT_EQ(policy.quota_left(), 20);
}

TEST(RetryPolicy, RetryAfterATimeoutCostsTenTokensAndIsRefundedInFull) {
  RetryOptions options;
  options.quota = 100;
  options.seed = 1;
  RetryPolicy policy(options);

  EXPECT_TRUE(policy.next_delay(retryable_error("Timeout"), 1));
  EXPECT_EQ(policy.quota_left(), 90);
  EXPECT_TRUE(policy.next_delay(retryable_error("NetworkError"), 1));
  EXPECT_EQ(policy.quota_left(), 85);

  policy.on_success_after(retryable_error("Timeout"));
  EXPECT_EQ(policy.quota_left(), 95);
}

TEST(RetryPolicy, TimeoutRetryIsRefusedWhenTheQuotaCoversOnlyAnOrdinaryRetry) {
  RetryOptions options;
  options.quota = 9;
  options.seed = 1;
  RetryPolicy policy(options);

  EXPECT_FALSE(policy.next_delay(retryable_error("Timeout"), 1));
  EXPECT_EQ(policy.quota_left(), 9);
  EXPECT_TRUE(policy.next_delay(retryable_error("NetworkError"), 1));
  EXPECT_EQ(policy.quota_left(), 4);
}

TEST(RetryPolicy, SameNonZeroSeedGivesTheSameDelays) {
  RetryPolicy first(backoff_only_options(milliseconds{100}, milliseconds{20000}));
  RetryPolicy second(backoff_only_options(milliseconds{100}, milliseconds{20000}));
  auto other_options = backoff_only_options(milliseconds{100}, milliseconds{20000});
  other_options.seed = 43;
  RetryPolicy other(other_options);

  const auto first_delays = draw_delays(first, 5, 50);
  EXPECT_EQ(first_delays, draw_delays(second, 5, 50));
  EXPECT_NE(first_delays, draw_delays(other, 5, 50));
}

}  // namespace
}  // namespace bulkqa::aws
