// Throughput of HttpClient::run for 1000 small GETs against a cpp-httplib server on 127.0.0.1,
// at several max_concurrency values: shows what running requests at once over reused
// connections buys. The second argument adds a per-request service time to the server, standing
// in for the round trip to S3 or DynamoDB, which is where concurrency pays most.
#include <benchmark/benchmark.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bulkqa/aws/http.hpp"
#include "bulkqa/local/http_server_thread.hpp"

namespace {

constexpr std::size_t kRequests = 1000;
// More than the largest max_concurrency: keep-alive holds a server thread per connection.
constexpr std::size_t kServerThreads = 80;

class BenchServer {
 public:
  BenchServer() {
    server_.new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
    server_.set_keep_alive_max_count(1'000'000);
    // Without it, Nagle's algorithm and delayed ACKs add 40 ms to every answer.
    server_.set_tcp_nodelay(true);
    server_.Get(
        R"(/small/(\d+))", [](const httplib::Request& request, httplib::Response& response) {
          const auto service_time = std::chrono::milliseconds(std::stoi(request.matches[1].str()));
          if (service_time.count() > 0) std::this_thread::sleep_for(service_time);
          response.set_content(R"({"ok":true})", "application/json");
        });
    auto serving = bulkqa::local::HttpServerThread::start(server_, "127.0.0.1", 0);
    if (!serving) throw std::runtime_error(serving.error().describe());
    serving_ = std::move(*serving);
  }
  BenchServer(const BenchServer&) = delete;
  BenchServer& operator=(const BenchServer&) = delete;

  std::string url(int service_time_ms) const {
    return "http://127.0.0.1:" + std::to_string(serving_->port()) + "/small/" +
           std::to_string(service_time_ms);
  }

 private:
  httplib::Server server_;
  // Last, so that it stops first: its handler runs on the server.
  std::unique_ptr<bulkqa::local::HttpServerThread> serving_;
};

BenchServer& bench_server() {
  static BenchServer server;
  return server;
}

std::vector<bulkqa::aws::HttpTask> small_gets(const std::string& url, std::size_t count) {
  std::vector<bulkqa::aws::HttpTask> tasks(count);
  for (auto& task : tasks) {
    task.make_request = [&url] { return bulkqa::aws::HttpRequest{"GET", url, {}, {}}; };
  }
  return tasks;
}

bool all_succeeded(const std::vector<bulkqa::aws::HttpOutcome>& outcomes) {
  return std::all_of(outcomes.begin(), outcomes.end(),
                     [](const auto& outcome) { return outcome.ok() && outcome->status == 200; });
}

void BM_SmallRequests(benchmark::State& state) {
  bulkqa::aws::HttpClientOptions options;
  options.max_concurrency = static_cast<std::size_t>(state.range(0));
  bulkqa::aws::HttpClient client(options);
  const std::string url = bench_server().url(static_cast<int>(state.range(1)));
  // Open the connections before timing, as a warm Lambda holds them: the test server's short
  // listen backlog would otherwise charge a burst of connects with SYN retransmission delays.
  if (!all_succeeded(client.run(small_gets(url, options.max_concurrency)))) {
    state.SkipWithError("the warm-up requests failed");
    return;
  }

  for (auto _ : state) {
    if (!all_succeeded(client.run(small_gets(url, kRequests)))) {
      state.SkipWithError("a request failed");
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * kRequests);
}

BENCHMARK(BM_SmallRequests)
    ->ArgNames({"max_concurrency", "service_ms"})
    ->ArgsProduct({{1, 8, 64}, {0, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
