// A client-side limit on the request rate to one service, in the manner of the AWS SDKs'
// "adaptive" retry mode: a token bucket that does nothing until the service first throttles, then
// fills at a rate that CUBIC steers (cut by a factor on a throttle, grown back along a cubic curve
// while the answers come back clean), never above twice the rate actually sent. Time is passed
// in, so that the logic runs the same against the clock and in a simulation.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace bulkqa::aws {

// A token reserved for one attempt.
struct AdmissionTicket {
  std::chrono::steady_clock::time_point due;  // when the attempt may go
  std::uint64_t epoch = 0;                    // the limiter's rate period it was reserved in
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // How long the attempt must still wait; zero: it goes now, and is counted as sent. The first
  // ask of an attempt reserves its token in `ticket` (empty until then), so that attempts waiting
  // together are served one after the other, each woken once; later asks keep the reservation,
  // unless the rate was cut since: one made at a rate the service refused is made again at the
  // new rate. Once zero was returned, the ticket (its epoch) belongs to the attempt's answer, and
  // the next attempt starts again with an empty ticket.
  Clock::duration admission_delay(Clock::time_point now, std::optional<AdmissionTicket>& ticket);

  // The service's answer to an attempt sent in `epoch`: whether it throttled. The first throttle
  // turns the limit on. Only a throttle of an attempt sent at the current rate cuts it: those sent
  // before the last cut went out at a rate already cut for.
  void on_response(Clock::time_point now, std::uint64_t epoch, bool throttled);

  bool enabled() const { return enabled_; }
  double fill_rate() const { return fill_rate_; }  // tokens per second, once enabled
  // Enabled, and above the lowest rate it goes down to: the rate is still being found. At that
  // floor, throttles no longer tell the service's rate: the service refuses whatever is sent.
  bool finding_rate() const;

 private:
  AdmissionTicket reserve(Clock::time_point now);
  void count_send(Clock::time_point now);
  double send_rate(Clock::time_point now) const;
  void cut(Clock::time_point now);
  double cubic_rate(Clock::time_point now) const;
  void set_rate(Clock::time_point now, double rate);
  void refill(Clock::time_point now);

  bool enabled_ = false;
  std::uint64_t epoch_ = 0;  // counts the cuts

  // The bucket. Tokens go below zero for the reservations of waiting attempts.
  double fill_rate_ = 0;
  double capacity_ = 0;
  double tokens_ = 0;
  Clock::time_point last_refill_;

  // CUBIC: the rate at the last cut, when it was, and how long the curve takes to climb back.
  double rate_at_cut_ = 0;
  Clock::time_point cut_time_;
  double seconds_to_rate_at_cut_ = 0;

  // The send rate, measured over windows and smoothed across them.
  std::optional<Clock::time_point> window_start_;
  double window_sends_ = 0;
  std::optional<double> measured_rate_;
};

}  // namespace bulkqa::aws
