// An HTTP/1.1 proxy on loopback, between the function processes and moto, that injects the faults
// a real network and real AWS produce: throttling and server errors answered in the service's
// own format, connections dropped before the request reaches the server, and connections dropped
// after the server applied the request but before its answer reaches the client. It can also
// hold requests unanswered, as a server that outlasts any deadline: every request, or those a
// test picks (the moment a client is about to make one particular call). And it can answer in
// rounds, to count a client's round trips.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bulkqa::testing {

// Shares of requests, each drawn independently per request; the rest is forwarded untouched.
struct FaultShares {
  double error = 0;        // answered with a server error (500, 503), never forwarded
  double drop_before = 0;  // connection closed before the request is forwarded
  double drop_after = 0;   // forwarded and applied, then the connection closed without the answer
};

// The head of a request or response: the first line and the headers, names lowercased.
struct MessageHead {
  std::string first_line;
  std::vector<std::pair<std::string, std::string>> headers;

  std::optional<std::string> header(const std::string& name) const;
};

struct FaultCounts {
  std::size_t requests = 0;
  std::size_t errors = 0;
  std::size_t drops_before = 0;
  std::size_t drops_after = 0;
  std::size_t forwarded = 0;  // reached the server, drops_after included
  std::size_t held = 0;       // held unanswered, never forwarded
  std::size_t throttled = 0;  // refused above the rate set by throttle_above, never forwarded
};

class FaultProxy {
 public:
  // Listens on 127.0.0.1 (a free port) and forwards to `upstream_endpoint`
  // ("http://127.0.0.1:<port>"). Throws when it cannot listen.
  FaultProxy(const std::string& upstream_endpoint, FaultShares shares, std::uint64_t seed);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  std::string endpoint() const;  // "http://127.0.0.1:<port>"
  void set_shares(FaultShares shares);
  // From now on, requests beyond `per_second` (over all connections; a tenth of a second's worth
  // may come at once) are answered as the service throttles, never forwarded: DynamoDB's
  // ProvisionedThroughputExceededException (400, JSON), S3's SlowDown (503, XML). Those let
  // through meet the shares as before.
  void throttle_above(double per_second);
  // From now on every request is held without an answer until the proxy is destroyed.
  void stall();
  // From now on the requests `hold` picks (given the request's head and body) are held without
  // an answer, never forwarded, until the proxy is destroyed; the others pass as before.
  void hold_when(std::function<bool(const MessageHead&, const std::string& body)> hold);
  // Waits until a request is held, for at most `limit`: whether one is.
  bool wait_for_held(std::chrono::milliseconds limit);
  // Called (on a proxy thread) after each request the server answered, with the number of
  // requests forwarded so far: lets a test crash a client midway through its work.
  void on_forwarded(std::function<void(std::size_t)> callback);
  FaultCounts counts() const;

  // From now on answers go out in rounds, to count the round trips a client makes: each answer is
  // held until every request that has arrived has its answer and none has arrived for `quiet`;
  // then they all go out at once. A request that needs an earlier answer cannot arrive before that
  // answer went out, so a client's round trips are never counted as fewer rounds than they are; a
  // client that sends a round's requests together is counted exactly, and `quiet` only needs to
  // exceed the gaps between those requests (a client stalled longer in the middle of a round
  // would be counted one round more). Not a measure of time: nothing is timed but that silence.
  void answer_in_rounds(std::chrono::milliseconds quiet);
  // The number of requests in each round that went out since the last call, in order.
  std::vector<std::size_t> take_rounds();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bulkqa::testing
