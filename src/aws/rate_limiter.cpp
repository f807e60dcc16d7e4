#include "bulkqa/aws/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace bulkqa::aws {

namespace {

using Seconds = std::chrono::duration<double>;

// The AWS SDKs' constants, kept so that the client yields to a throttling service as theirs do.
// A throttle cuts the rate to 70% of what was sent (TCP CUBIC's own factor): a smaller cut
// probes again sooner, a larger one wastes more of the allowed rate.
constexpr double kBeta = 0.7;
// How fast the cubic curve climbs, in tokens/s per s³: back to a rate of 1,000/s 9.1 s after a cut
// there, 14.4 s after a cut at 4,000/s; it then stays near that rate for seconds before probing
// above it, so the rate spends most of its time just below where the service throttled.
constexpr double kScale = 0.4;
// The send rate is counted over half-second windows, each weighing 80% against the earlier ones:
// it follows a change within a second or two, and a single uneven window does not swing it.
constexpr Seconds kMeasureWindow{0.5};
constexpr double kSmoothing = 0.8;
// The rate never goes below one attempt every two seconds, nor the bucket below one token.
constexpr double kMinFillRate = 0.5;
constexpr double kMinCapacity = 1;
// The curve may not run ahead of what is sent: a client with little to send would otherwise let
// its rate climb far above anything the service has seen, and burst there later.
constexpr double kMaxRateOverSent = 2;
// A first throttle that comes before a window closed measures the rate over at least one AWS
// round trip: the requests sent together at the start are a burst, not a rate, and against a
// service that throttles within a millisecond (a loopback test) a shorter span would take them for
// tens of thousands a second, to be cut down one round trip after another, each throttled again.
constexpr Seconds kShortestMeasure{0.02};

double seconds_between(RateLimiter::Clock::time_point from, RateLimiter::Clock::time_point to) {
  return std::chrono::duration_cast<Seconds>(to - from).count();
}

}  // namespace

RateLimiter::Clock::duration RateLimiter::admission_delay(Clock::time_point now,
                                                          std::optional<AdmissionTicket>& ticket) {
  if (!ticket || ticket->epoch != epoch_) ticket = reserve(now);
  if (ticket->due > now) return ticket->due - now;
  count_send(now);
  return Clock::duration::zero();
}

void RateLimiter::on_response(Clock::time_point now, std::uint64_t epoch, bool throttled) {
  if (throttled) {
    if (epoch == epoch_) cut(now);
    return;
  }
  if (enabled_) set_rate(now, std::min(cubic_rate(now), kMaxRateOverSent * send_rate(now)));
}

bool RateLimiter::finding_rate() const {
  return enabled_ && fill_rate_ > kMinFillRate;
}

AdmissionTicket RateLimiter::reserve(Clock::time_point now) {
  if (!enabled_) return {now, epoch_};
  refill(now);
  tokens_ -= 1;
  if (tokens_ >= 0) return {now, epoch_};
  const auto wait = std::chrono::ceil<Clock::duration>(Seconds(-tokens_ / fill_rate_));
  return {now + wait, epoch_};
}

void RateLimiter::count_send(Clock::time_point now) {
  if (!window_start_) {
    window_start_ = now;
  } else if (const double elapsed = seconds_between(*window_start_, now);
             elapsed >= kMeasureWindow.count()) {
    const double window_rate = window_sends_ / elapsed;
    measured_rate_ = measured_rate_ ? kSmoothing * window_rate + (1 - kSmoothing) * *measured_rate_
                                    : window_rate;
    window_start_ = now;
    window_sends_ = 0;
  }
  ++window_sends_;
}

double RateLimiter::send_rate(Clock::time_point now) const {
  if (measured_rate_) return *measured_rate_;
  if (!window_start_) return 0;
  // No window is complete yet: what was sent since the first send.
  return window_sends_ / std::max(seconds_between(*window_start_, now), kShortestMeasure.count());
}

void RateLimiter::cut(Clock::time_point now) {
  // Before the first throttle nothing limited the rate but what was sent.
  const double rate = enabled_ ? std::min(send_rate(now), fill_rate_) : send_rate(now);
  if (!enabled_) {
    enabled_ = true;
    tokens_ = 0;
    last_refill_ = now;
  }
  ++epoch_;
  rate_at_cut_ = rate;
  cut_time_ = now;
  // Where the cubic curve, starting at kBeta × rate, is back at `rate`.
  seconds_to_rate_at_cut_ = std::cbrt(rate * (1 - kBeta) / kScale);
  set_rate(now, rate * kBeta);
  // The reservations of waiting attempts were made at the refused rate: they are void (each is
  // made again when its attempt asks next), and so is the debt they ran up.
  tokens_ = std::max(tokens_, 0.0);
}

double RateLimiter::cubic_rate(Clock::time_point now) const {
  const double since_peak = seconds_between(cut_time_, now) - seconds_to_rate_at_cut_;
  return kScale * since_peak * since_peak * since_peak + rate_at_cut_;
}

void RateLimiter::set_rate(Clock::time_point now, double rate) {
  refill(now);
  fill_rate_ = std::max(rate, kMinFillRate);
  capacity_ = std::max(rate, kMinCapacity);
  tokens_ = std::min(tokens_, capacity_);
}

void RateLimiter::refill(Clock::time_point now) {
  if (now > last_refill_) {
    tokens_ = std::min(capacity_, tokens_ + seconds_between(last_refill_, now) * fill_rate_);
    last_refill_ = now;
  }
}

}  // namespace bulkqa::aws
