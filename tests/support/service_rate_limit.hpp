// A service's limit on requests a second, as the loopback stand-ins for AWS throttle: the fault
// proxy (throttle_above), the benchmarks' AWS sink and the rate limiter's simulated service. A
// token bucket that holds a tenth of a second's worth (at least one request), full at the start:
// a burst passes as it would at AWS, and the average stays at the limit.
#pragma once

#include <algorithm>
#include <chrono>

namespace bulkqa::testing {

class ServiceRateLimit {
 public:
  using Clock = std::chrono::steady_clock;

  ServiceRateLimit(double per_second, Clock::time_point start)
      : per_second_(per_second),
        capacity_(std::max(1.0, per_second / 10)),
        tokens_(capacity_),
        refilled_(start) {}

  // Whether a request arriving at `now` is within the limit (it then uses up its share).
  bool accepts(Clock::time_point now) {
    const double elapsed = std::chrono::duration<double>(now - refilled_).count();
    tokens_ = std::min(capacity_, tokens_ + elapsed * per_second_);
    refilled_ = now;
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

 private:
  double per_second_;
  double capacity_;
  double tokens_;
  Clock::time_point refilled_;
};

}  // namespace bulkqa::testing
