#include "bulkqa/aws/retry.hpp"

#include <algorithm>

namespace bulkqa::aws {

namespace {

constexpr int kRetryCost = 5;
constexpr int kTimeoutRetryCost = 10;
// The SDKs' standard mode earns back 1 token per first-try success, which drains the quota once
// more than a sixth of the requests fail: under a burst of throttling, every later failure is
// then final. Earning back a retry's cost keeps retrying while fewer than half the requests fail,
// and still spends the quota quickly against a dead endpoint, where nothing succeeds.
constexpr int kFirstTrySuccessRefund = kRetryCost;

int retry_cost(const Error& error) {
  return error.code == errc::kTimeout ? kTimeoutRetryCost : kRetryCost;
}

std::uint64_t seed_from_device() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) | device();
}

// base * 2^(retry_number - 1), capped at max_backoff; doubling stops at the cap so large retry
// numbers cannot overflow.
std::chrono::milliseconds backoff_ceiling(const RetryOptions& options, int retry_number) {
  auto ceiling = std::max(options.base_delay, std::chrono::milliseconds{0});
  for (int doubling = 1; doubling < retry_number && ceiling < options.max_backoff; ++doubling) {
    ceiling *= 2;
  }
  return std::min(ceiling, options.max_backoff);
}

}  // namespace

RetryPolicy::RetryPolicy(RetryOptions options)
    : options_(options),
      quota_(options.quota),
      random_(options.seed != 0 ? options.seed : seed_from_device()) {}

std::optional<std::chrono::milliseconds> RetryPolicy::next_delay(const Error& error, int attempts) {
  if (!error.retryable || attempts >= options_.max_attempts) return std::nullopt;
  const int cost = retry_cost(error);
  if (quota_ < cost) return std::nullopt;
  quota_ -= cost;
  return backoff(attempts);
}

std::chrono::milliseconds RetryPolicy::backoff(int attempts) {
  const int retry_number = std::max(attempts, 1);
  const auto ceiling = backoff_ceiling(options_, retry_number);
  std::uniform_int_distribution<std::chrono::milliseconds::rep> full_jitter(0, ceiling.count());
  return std::chrono::milliseconds{full_jitter(random_)};
}

void RetryPolicy::on_success(bool was_retried) {
  quota_ = std::min(options_.quota, quota_ + (was_retried ? kRetryCost : kFirstTrySuccessRefund));
}

void RetryPolicy::on_success_after(const Error& retried_error) {
  quota_ = std::min(options_.quota, quota_ + retry_cost(retried_error));
}

}  // namespace bulkqa::aws
