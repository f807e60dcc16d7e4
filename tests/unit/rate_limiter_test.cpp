#include "bulkqa/aws/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <iostream>
#include <optional>
#include <queue>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "bulkqa/aws/retry.hpp"
#include "support/service_rate_limit.hpp"

namespace bulkqa::aws {
namespace {

using namespace std::chrono_literals;
using Clock = RateLimiter::Clock;

const Clock::time_point kStart = Clock::time_point{} + 1h;

double seconds(Clock::duration duration) {
  return std::chrono::duration<double>(duration).count();
}

// Admits `count` attempts, one every `spacing`, from `from`; each is answered clean at once.
// Returns when the last went.
Clock::time_point send_clean(RateLimiter& limiter, Clock::time_point from, int count,
                             Clock::duration spacing) {
  Clock::time_point now = from;
  for (int i = 0; i < count; ++i, now += spacing) {
    std::optional<AdmissionTicket> ticket;
    EXPECT_EQ(limiter.admission_delay(now, ticket), Clock::duration::zero()) << "attempt " << i;
    limiter.on_response(now, ticket->epoch, false);
  }
  return now - spacing;
}

// Admits one attempt at `now` and answers it throttled.
void send_throttled(RateLimiter& limiter, Clock::time_point now) {
  std::optional<AdmissionTicket> ticket;
  ASSERT_EQ(limiter.admission_delay(now, ticket), Clock::duration::zero());
  limiter.on_response(now, ticket->epoch, true);
}

TEST(RateLimiter, NeverLimitsBeforeTheFirstThrottle) {
  RateLimiter limiter;
  // 10,000 attempts at the same instant, all answered clean.
  for (int i = 0; i < 10'000; ++i) {
    std::optional<AdmissionTicket> ticket;
    ASSERT_EQ(limiter.admission_delay(kStart, ticket), Clock::duration::zero()) << i;
    limiter.on_response(kStart + 20ms, ticket->epoch, false);
  }
  EXPECT_FALSE(limiter.enabled());
  EXPECT_FALSE(limiter.finding_rate());
}

TEST(RateLimiter, FirstThrottleCutsToSeventyPercentOfTheSentRate) {
  RateLimiter limiter;
  // 1,000/s for two seconds: the measured send rate is 1,000/s.
  const auto last = send_clean(limiter, kStart, 2000, 1ms);
  send_throttled(limiter, last + 1ms);

  EXPECT_TRUE(limiter.enabled());
  EXPECT_TRUE(limiter.finding_rate());
  EXPECT_NEAR(limiter.fill_rate(), 700, 1);
}

TEST(RateLimiter, AThrottleBeforeAnyWindowClosedMeasuresSinceTheFirstSend) {
  RateLimiter limiter;
  // 64 attempts in 20 ms: 3,200/s.
  std::vector<AdmissionTicket> tickets;
  for (int i = 0; i < 64; ++i) {
    std::optional<AdmissionTicket> ticket;
    ASSERT_EQ(limiter.admission_delay(kStart + i * 20ms / 64, ticket), Clock::duration::zero());
    tickets.push_back(*ticket);
  }
  limiter.on_response(kStart + 20ms, tickets.front().epoch, true);
  EXPECT_NEAR(limiter.fill_rate(), 0.7 * 3200, 0.7 * 3200 * 0.02);
}

TEST(RateLimiter, WaitingAttemptsAreServedInTurnAndEachIsWokenOnce) {
  RateLimiter limiter;
  const auto last = send_clean(limiter, kStart, 2000, 1ms);
  send_throttled(limiter, last + 1ms);
  const double rate = limiter.fill_rate();

  // Ten attempts ask at the same instant of an empty bucket: each is told its own turn.
  const auto asked = last + 1ms;
  std::vector<std::optional<AdmissionTicket>> tickets(10);
  std::vector<Clock::duration> waits;
  for (auto& ticket : tickets) waits.push_back(limiter.admission_delay(asked, ticket));
  for (std::size_t i = 0; i < waits.size(); ++i) {
    EXPECT_NEAR(seconds(waits[i]), (i + 1) / rate, 1e-6) << "attempt " << i;
  }
  // Asked again at its turn, each goes.
  for (std::size_t i = 0; i < waits.size(); ++i) {
    EXPECT_EQ(limiter.admission_delay(asked + waits[i], tickets[i]), Clock::duration::zero());
  }
}

TEST(RateLimiter, ACutVoidsTheReservationsOfWaitingAttempts) {
  RateLimiter limiter;
  const auto last = send_clean(limiter, kStart, 2000, 1ms);
  send_throttled(limiter, last + 1ms);
  const auto asked = last + 1ms;
  std::optional<AdmissionTicket> sent;
  ASSERT_GT(limiter.admission_delay(asked, sent), Clock::duration::zero());
  const auto sent_at = sent->due;
  ASSERT_EQ(limiter.admission_delay(sent_at, sent), Clock::duration::zero());
  std::vector<std::optional<AdmissionTicket>> waiting(40);
  for (auto& ticket : waiting) ASSERT_GT(limiter.admission_delay(sent_at, ticket), 0s);
  const auto last_turn = waiting.back()->due;

  // The attempt sent at the cut rate is throttled 20 ms later: the rate is cut again. The
  // attempts whose turn came before went; the others still wait.
  const double before = limiter.fill_rate();
  const auto cut_at = sent_at + 20ms;
  std::erase_if(waiting, [&](std::optional<AdmissionTicket>& ticket) {
    if (ticket->due > cut_at) return false;
    EXPECT_EQ(limiter.admission_delay(ticket->due, ticket), Clock::duration::zero());
    return true;
  });
  ASSERT_FALSE(waiting.empty());
  limiter.on_response(cut_at, sent->epoch, true);
  const double rate = limiter.fill_rate();
  EXPECT_NEAR(rate, 0.7 * before, 1);

  // Each asks at its turn, and again after every further wait it is told, until all went: from
  // the cut on, they go at the new rate, not at the turns reserved at the old one.
  std::vector<Clock::time_point> asks;
  for (const auto& ticket : waiting) asks.push_back(ticket->due);
  std::vector<Clock::time_point> went;
  while (went.size() < waiting.size()) {
    const auto next = std::min_element(asks.begin(), asks.end()) - asks.begin();
    const auto wait = limiter.admission_delay(asks[next], waiting[next]);
    if (wait > Clock::duration::zero()) {
      asks[next] += wait;
      continue;
    }
    went.push_back(asks[next]);
    asks[next] = Clock::time_point::max();
  }
  for (std::size_t i = 0; i < went.size(); ++i) {
    EXPECT_GE(seconds(went[i] - cut_at), (i + 1) / rate - 1e-6) << "attempt " << i;
  }
  EXPECT_GT(went.back(), last_turn);
}

TEST(RateLimiter, ThrottlesOfAttemptsSentBeforeACutDoNotCutAgain) {
  RateLimiter limiter;
  const auto last = send_clean(limiter, kStart, 2000, 1ms);
  // Fifty attempts in flight together, all throttled.
  std::vector<AdmissionTicket> in_flight;
  for (int i = 0; i < 50; ++i) {
    std::optional<AdmissionTicket> ticket;
    ASSERT_EQ(limiter.admission_delay(last + 1ms, ticket), Clock::duration::zero());
    in_flight.push_back(*ticket);
  }
  for (const auto& ticket : in_flight) limiter.on_response(last + 20ms, ticket.epoch, true);
  EXPECT_NEAR(limiter.fill_rate(), 700, 5);
}

// One attempt after the other, each sent as soon as the limiter lets it and answered clean at once,
// from `from` until `until`.
void send_when_allowed(RateLimiter& limiter, Clock::time_point from, Clock::time_point until) {
  std::optional<AdmissionTicket> ticket;
  for (Clock::time_point now = from; now < until;) {
    if (const auto wait = limiter.admission_delay(now, ticket); wait > Clock::duration::zero()) {
      now += wait;
      continue;
    }
    limiter.on_response(now, ticket->epoch, false);
    ticket.reset();
  }
}

Clock::duration after(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

TEST(RateLimiter, CleanAnswersGrowTheRateAlongTheCubicBackToTheRateAtTheCutAndBeyond) {
  RateLimiter limiter;
  const auto last = send_clean(limiter, kStart, 2000, 1ms);
  const auto cut_at = last + 1ms;
  send_throttled(limiter, cut_at);
  const double rate_at_cut = limiter.fill_rate() / 0.7;
  // The curve W + C (t − K)³ with W the rate at the cut, C = 0.4 and K = cbrt(W (1 − β) / C):
  // at W × β at the cut, back at W after K seconds.
  const double k = std::cbrt(rate_at_cut * 0.3 / 0.4);
  const auto curve = [&](double t) { return rate_at_cut + 0.4 * std::pow(t - k, 3); };

  // Sent without a pause from the cut on, as fast as the limiter lets.
  auto sent_until = cut_at;
  for (const double t : {0.25 * k, 0.5 * k, k, 1.5 * k}) {
    send_when_allowed(limiter, sent_until, cut_at + after(t));
    sent_until = cut_at + after(t);
    EXPECT_NEAR(limiter.fill_rate(), curve(t), 0.01 * curve(t)) << t << " s after the cut";
  }
  EXPECT_GT(limiter.fill_rate(), rate_at_cut);
}

TEST(RateLimiter, GrowthStopsAtTwiceTheRateSent) {
  RateLimiter limiter;
  const auto last = send_clean(limiter, kStart, 2000, 1ms);
  const auto cut_at = last + 1ms;
  send_throttled(limiter, cut_at);
  // Only 100 attempts a second from then on, far below what the limiter allows, for 30 s: the
  // curve would be far above 1,000/s by then.
  const auto slow_until = send_clean(limiter, cut_at + 10ms, 3000, 10ms);
  EXPECT_GT(slow_until - cut_at, 29s);
  EXPECT_NEAR(limiter.fill_rate(), 200, 2);
}

TEST(RateLimiter, AServiceThatRefusesEverythingBringsTheRateToItsFloor) {
  RateLimiter limiter;
  Clock::time_point now = send_clean(limiter, kStart, 2000, 1ms);
  std::optional<AdmissionTicket> ticket;
  int throttles = 0;
  while (limiter.finding_rate() || !limiter.enabled()) {
    ASSERT_LT(throttles, 100);
    if (const auto wait = limiter.admission_delay(now, ticket); wait > Clock::duration::zero()) {
      now += wait;
      continue;
    }
    now += 20ms;
    limiter.on_response(now, ticket->epoch, true);
    ticket.reset();
    ++throttles;
  }
  // 1,000/s × 0.7^n reaches 0.5/s after 22 cuts, each by one throttle.
  EXPECT_EQ(throttles, 22);
  EXPECT_DOUBLE_EQ(limiter.fill_rate(), 0.5);
  EXPECT_TRUE(limiter.enabled());
}

// What a simulated client sent to a simulated server, and what the server accepted.
struct Figures {
  std::size_t attempts = 0;
  std::size_t throttled = 0;
  std::vector<std::size_t> accepted_per_second;

  double accepted_rate(std::size_t from_second) const {
    std::size_t accepted = 0;
    for (std::size_t second = from_second; second < accepted_per_second.size(); ++second) {
      accepted += accepted_per_second[second];
    }
    return static_cast<double>(accepted) / (accepted_per_second.size() - from_second);
  }
  double throttled_share() const { return static_cast<double>(throttled) / attempts; }
};

// `in_flight` requests at a time, each answered 15 to 25 ms after it was sent, from an endless
// supply, for `duration`: what HttpClient does with a stream of tasks whose admission the limiter
// decides. A throttled attempt is retried after the standard backoff (as ServiceClient paces
// it); an accepted one makes room for the next request at once. Every draw comes from `seed`.
Figures simulate(double server_limit, int in_flight, std::chrono::seconds duration,
                 std::uint64_t seed) {
  RateLimiter limiter;
  testing::ServiceRateLimit server(server_limit, kStart);
  RetryOptions retry_options;
  retry_options.seed = seed;
  RetryPolicy retry(retry_options);
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<long> latency_us(15'000, 25'000);

  struct Request {
    std::optional<AdmissionTicket> ticket;
    int attempts = 0;
    bool throttled = false;
  };
  struct Event {
    Clock::time_point at;
    int slot;
    bool is_answer;
  };
  const auto later = [](const Event& a, const Event& b) { return a.at > b.at; };
  std::priority_queue<Event, std::vector<Event>, decltype(later)> events(later);
  std::vector<Request> slots(in_flight);
  for (int slot = 0; slot < in_flight; ++slot) events.push({kStart, slot, false});

  Figures figures;
  figures.accepted_per_second.resize(duration.count());
  const auto end = kStart + duration;
  while (!events.empty() && events.top().at < end) {
    const Event event = events.top();
    events.pop();
    Request& request = slots[event.slot];
    if (!event.is_answer) {
      const auto wait = limiter.admission_delay(event.at, request.ticket);
      if (wait > Clock::duration::zero()) {
        events.push({event.at + wait, event.slot, false});
        continue;
      }
      ++request.attempts;
      ++figures.attempts;
      request.throttled = !server.accepts(event.at);
      events.push({event.at + std::chrono::microseconds(latency_us(random)), event.slot, true});
      continue;
    }
    limiter.on_response(event.at, request.ticket->epoch, request.throttled);
    request.ticket.reset();
    if (request.throttled) {
      ++figures.throttled;
      events.push({event.at + retry.backoff(request.attempts), event.slot, false});
      continue;
    }
    ++figures.accepted_per_second[static_cast<std::size_t>(seconds(event.at - kStart))];
    request = Request{};
    events.push({event.at, event.slot, false});
  }
  return figures;
}

void expect_converged(const Figures& figures, double limit) {
  // The second half of the minute: the rate found, and the cycles of cut and regrowth it goes
  // through (about 15 s each at 1,000/s) averaged over two of them.
  const double converged = figures.accepted_rate(figures.accepted_per_second.size() / 2);
  std::cout << "[ simulated ] " << figures.attempts << " attempts, " << figures.throttled
            << " throttled (" << 100 * figures.throttled_share() << "%); accepted "
            << figures.accepted_rate(0) << "/s over the minute, " << converged
            << "/s over its second half, against a limit of " << limit << "/s\n";
  EXPECT_GT(converged, 0.8 * limit);
  // The server's bucket may hand out its tenth of a second's worth once more.
  EXPECT_LE(converged, limit * 1.01);
  EXPECT_LT(figures.throttled_share(), 0.10);
}

TEST(RateLimiterSimulation, AClientWantingMoreThanThreeTimesTheLimitSettlesJustBelowIt) {
  // 64 in flight at 20 ms want 3,200/s; the service allows 1,000/s.
  const Figures figures = simulate(1000, 64, 60s, 20261202);
  expect_converged(figures, 1000);
}

TEST(RateLimiterSimulation, AsManyInFlightAsALaunchMayHaveSettleAsWell) {
  // 1,024 in flight want 51,200/s against DynamoDB's 4,000/s for a new on-demand table.
  const Figures figures = simulate(4000, 1024, 60s, 7);
  expect_converged(figures, 4000);
}

TEST(RateLimiterSimulation, ARateNeverThrottledIsNeverLimited) {
  // 64 in flight want 3,200/s; the service allows 10,000/s.
  const Figures figures = simulate(10'000, 64, 60s, 1);
  EXPECT_EQ(figures.throttled, 0u);
  EXPECT_NEAR(figures.accepted_rate(0), 3200, 32);
}

}  // namespace
}  // namespace bulkqa::aws
