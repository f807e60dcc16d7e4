// HttpClient against a cpp-httplib server running in this process on 127.0.0.1.
#include "bulkqa/aws/http.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>

namespace bulkqa::aws {
namespace {

using namespace std::chrono_literals;

// A held handler never waits longer than this, so a failing test cannot hang the server.
constexpr auto kLongestHold = 10s;

// Handlers wait on it; once opened (or once a wait gives up) it stays open.
class Gate {
 public:
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    opened_.notify_all();
  }

  void wait() {
    std::unique_lock lock(mutex_);
    opened_.wait_for(lock, kLongestHold, [this] { return open_; });
    open_ = true;
  }

 private:
  std::mutex mutex_;
  std::condition_variable opened_;
  bool open_ = false;
};

class LocalServer {
 public:
  explicit LocalServer(const std::function<void(httplib::Server&)>& add_routes,
                       std::size_t threads = 32) {
    // Keep-alive holds a server thread per connection, so serve more than the client opens.
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server_.set_keep_alive_max_count(100000);
    // Without it, Nagle's algorithm and delayed ACKs add 40 ms to every answer.
    server_.set_tcp_nodelay(true);
    add_routes(server_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("cannot bind a test server on 127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~LocalServer() {
    server_.stop();
    thread_.join();
  }
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

HttpRequest get(std::string url) {
  return HttpRequest{"GET", std::move(url), {}, {}};
}

HttpTask single_attempt(HttpRequest request) {
  HttpTask task;
  task.make_request = [request = std::move(request)] { return request; };
  return task;
}

// The test server listens with a backlog of 5: a burst of connects can lose SYNs and wait for
// their retransmission (1 s, then 2 s more), longer than the default connect timeout.
HttpClientOptions patient_options(std::size_t max_concurrency = 64) {
  HttpClientOptions options;
  options.max_concurrency = max_concurrency;
  options.connect_timeout = std::chrono::seconds{30};
  return options;
}

std::string binary_bytes(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 7 + i / 256) % 256);
  return bytes;
}

void record_peak(std::atomic<int>& peak, int value) {
  int seen = peak.load();
  while (value > seen && !peak.compare_exchange_weak(seen, value)) {
  }
}

class HttpClientTest : public ::testing::Test {
 protected:
  void start_server(const std::function<void(httplib::Server&)>& add_routes) {
    server_ = std::make_unique<LocalServer>(add_routes);
  }
  const LocalServer& server() const { return *server_; }

  // Held handlers are let go before the server stops, even when an assertion failed.
  void TearDown() override {
    hold_.open();
    server_.reset();
  }

  Gate hold_;

 private:
  std::unique_ptr<LocalServer> server_;
};

// Echoes the request: body back, method and some request headers as response headers.
void add_echo_routes(httplib::Server& server) {
  const auto echo = [](const httplib::Request& request, httplib::Response& response) {
    response.set_header("X-Echo-Method", request.method);
    response.set_header("X-Echo-Token", request.get_header_value("X-Test-Token"));
    response.set_header("X-Saw-Expect", request.has_header("Expect") ? "yes" : "no");
    response.set_header("X-Saw-Content-Type", request.get_header_value("Content-Type"));
    response.set_content(request.body, "application/octet-stream");
  };
  server.Get("/echo", echo);
  server.Put("/echo", echo);
  server.Post("/echo", echo);
  server.Delete("/echo", echo);
}

TEST_F(HttpClientTest, EveryMethodRoundTripsBodyAndHeaders) {
  start_server(add_echo_routes);
  HttpClient client(patient_options());
  const std::string binary = binary_bytes(1024);
  const std::string large = binary_bytes(5 * 1024 * 1024);

  std::vector<HttpTask> tasks;
  tasks.push_back(single_attempt({"GET", server().url("/echo"), {{"X-Test-Token", "g"}}, ""}));
  tasks.push_back(single_attempt({"PUT", server().url("/echo"), {{"X-Test-Token", "p"}}, large}));
  tasks.push_back(single_attempt({"POST",
                                  server().url("/echo"),
                                  {{"X-Test-Token", "o"}, {"Content-Type", "application/json"}},
                                  binary}));
  tasks.push_back(single_attempt({"DELETE", server().url("/echo"), {{"X-Test-Token", "d"}}, ""}));
  tasks.push_back(single_attempt({"HEAD", server().url("/echo"), {{"X-Test-Token", "h"}}, ""}));
  const auto outcomes = client.run(std::move(tasks));

  ASSERT_EQ(outcomes.size(), 5u);
  for (const auto& outcome : outcomes) {
    ASSERT_TRUE(outcome.ok()) << outcome.error().describe();
    EXPECT_EQ(outcome->status, 200);
    EXPECT_EQ(outcome->header("x-saw-expect"), "no");
  }
  EXPECT_EQ(outcomes[0]->header("X-Echo-Method"), "GET");
  EXPECT_EQ(outcomes[0]->header("x-echo-token"), "g");
  EXPECT_EQ(outcomes[0]->body, "");

  EXPECT_EQ(outcomes[1]->header("x-echo-method"), "PUT");
  EXPECT_EQ(outcomes[1]->header("x-echo-token"), "p");
  EXPECT_EQ(outcomes[1]->header("x-saw-content-type"), "");
  EXPECT_EQ(outcomes[1]->body.size(), large.size());
  EXPECT_TRUE(outcomes[1]->body == large);

  EXPECT_EQ(outcomes[2]->header("x-echo-method"), "POST");
  EXPECT_EQ(outcomes[2]->header("x-saw-content-type"), "application/json");
  EXPECT_TRUE(outcomes[2]->body == binary);

  EXPECT_EQ(outcomes[3]->header("x-echo-method"), "DELETE");
  EXPECT_EQ(outcomes[3]->header("x-echo-token"), "d");

  EXPECT_EQ(outcomes[4]->header("x-echo-method"), "HEAD");
  EXPECT_EQ(outcomes[4]->header("x-echo-token"), "h");
  EXPECT_EQ(outcomes[4]->body, "");
}

TEST_F(HttpClientTest, ResponseHeaderNamesAreLowerCased) {
  start_server(add_echo_routes);
  HttpClient client;

  const auto outcome = client.send({"GET", server().url("/echo"), {{"X-Test-Token", "t"}}, ""});

  ASSERT_TRUE(outcome.ok()) << outcome.error().describe();
  bool found = false;
  for (const auto& header : outcome->headers) {
    if (header.name == "x-echo-token") found = header.value == "t";
    EXPECT_TRUE(std::none_of(header.name.begin(), header.name.end(), [](unsigned char c) {
      return std::isupper(c);
    })) << header.name;
  }
  EXPECT_TRUE(found);
}

TEST_F(HttpClientTest, OutcomesComeBackInTaskOrder) {
  start_server(add_echo_routes);
  HttpClient client(patient_options(8));

  std::vector<HttpTask> tasks;
  for (int i = 0; i < 100; ++i) {
    // Bodies of very different sizes so that the answers finish out of order.
    const std::string body = "task-" + std::to_string(i) + std::string((i % 5) * 40000, 'x');
    tasks.push_back(single_attempt({"POST", server().url("/echo"), {}, body}));
  }
  const auto outcomes = client.run(std::move(tasks));

  ASSERT_EQ(outcomes.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(outcomes[i].ok()) << outcomes[i].error().describe();
    const std::string prefix = "task-" + std::to_string(i);
    EXPECT_EQ(outcomes[i]->body.substr(0, prefix.size()), prefix);
    EXPECT_EQ(outcomes[i]->body.size(), prefix.size() + (i % 5) * 40000u);
  }
}

TEST_F(HttpClientTest, RunsUpToMaxConcurrencyAtOnceOverReusedConnections) {
  constexpr int kConcurrency = 16;
  std::atomic<int> in_flight{0};
  std::atomic<int> peak{0};
  std::mutex ports_mutex;
  std::set<int> client_ports;
  start_server([&](httplib::Server& server) {
    server.Get("/work", [&](const httplib::Request& request, httplib::Response& response) {
      const int now = ++in_flight;
      record_peak(peak, now);
      // Hold the first requests until the client has filled every slot.
      if (now >= kConcurrency) hold_.open();
      hold_.wait();
      {
        std::lock_guard lock(ports_mutex);
        client_ports.insert(request.remote_port);
      }
      --in_flight;
      response.set_content("done", "text/plain");
    });
  });
  HttpClient client(patient_options(kConcurrency));
  const auto make_tasks = [&] {
    std::vector<HttpTask> tasks;
    for (int i = 0; i < 300; ++i) tasks.push_back(single_attempt(get(server().url("/work"))));
    return tasks;
  };

  for (int round = 0; round < 2; ++round) {
    const auto outcomes = client.run(make_tasks());
    ASSERT_EQ(outcomes.size(), 300u);
    for (const auto& outcome : outcomes) {
      ASSERT_TRUE(outcome.ok()) << outcome.error().describe();
      EXPECT_EQ(outcome->body, "done");
    }
  }

  EXPECT_GT(peak.load(), 1);
  EXPECT_LE(peak.load(), kConcurrency);
  std::lock_guard lock(ports_mutex);
  EXPECT_LE(client_ports.size(), static_cast<std::size_t>(kConcurrency));
}

TEST_F(HttpClientTest, RetryDelayRetriesServerErrorsUntilSuccess) {
  constexpr int kTasks = 20;
  std::vector<std::atomic<int>> attempts_seen(kTasks);
  start_server([&](httplib::Server& server) {
    server.Get(R"(/flaky/(\d+))",
               [&](const httplib::Request& request, httplib::Response& response) {
                 const int attempt = ++attempts_seen.at(std::stoul(request.matches[1].str()));
                 if (attempt <= 2) {
                   response.status = 503;
                   return;
                 }
                 response.set_content("ok on attempt " + std::to_string(attempt), "text/plain");
               });
  });
  HttpClient client(patient_options(4));
  std::vector<std::vector<int>> attempts_asked(kTasks);

  std::vector<HttpTask> tasks(kTasks);
  for (int i = 0; i < kTasks; ++i) {
    tasks[i].make_request = [&, i] { return get(server().url("/flaky/" + std::to_string(i))); };
    tasks[i].retry_delay = [&, i](const HttpOutcome& outcome,
                                  int attempt) -> std::optional<std::chrono::milliseconds> {
      attempts_asked[i].push_back(attempt);
      if (outcome.ok() && outcome->status == 503 && attempt < 5) return 1ms;
      return std::nullopt;
    };
  }
  const auto outcomes = client.run(std::move(tasks));

  ASSERT_EQ(outcomes.size(), static_cast<std::size_t>(kTasks));
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_TRUE(outcomes[i].ok()) << outcomes[i].error().describe();
    EXPECT_EQ(outcomes[i]->status, 200);
    EXPECT_EQ(outcomes[i]->body, "ok on attempt 3");
    EXPECT_EQ(attempts_seen[i].load(), 3) << "task " << i;
    EXPECT_EQ(attempts_asked[i], (std::vector<int>{1, 2, 3})) << "task " << i;
  }
}

// A socket bound to a port but not listening: connections to it are refused, and no other
// process can take the port while the test runs.
class UnlistenedPort {
 public:
  UnlistenedPort() : socket_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (socket_ < 0 || ::bind(socket_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::getsockname(socket_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("cannot bind a socket on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
  }
  ~UnlistenedPort() { ::close(socket_); }
  UnlistenedPort(const UnlistenedPort&) = delete;
  UnlistenedPort& operator=(const UnlistenedPort&) = delete;

  int port() const { return port_; }

 private:
  int socket_;
  int port_ = 0;
};

TEST(HttpClientErrors, RefusedConnectionIsARetryableNetworkError) {
  const UnlistenedPort nobody;
  const std::string host = "127.0.0.1:" + std::to_string(nobody.port());
  HttpClient client;

  const auto outcome = client.send(get("http://" + host + "/object?X-Amz-Signature=secret"));

  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code, "NetworkError");
  EXPECT_TRUE(outcome.error().retryable);
  EXPECT_NE(outcome.error().message.find(host), std::string::npos) << outcome.error().message;
  EXPECT_EQ(outcome.error().message.find("secret"), std::string::npos) << outcome.error().message;
}

TEST(HttpClientErrors, MalformedUrlIsNotRetryable) {
  HttpClient client;

  const auto outcome = client.send(get("nosuchscheme://127.0.0.1/"));

  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code, "InvalidRequest");
  EXPECT_FALSE(outcome.error().retryable);
}

TEST_F(HttpClientTest, RequestOutlastingRequestTimeoutIsARetryableTimeout) {
  start_server([&](httplib::Server& server) {
    server.Get("/held", [&](const httplib::Request&, httplib::Response& response) {
      hold_.wait();
      response.set_content("too late", "text/plain");
    });
  });
  HttpClientOptions options = patient_options();
  options.request_timeout = 200ms;
  HttpClient client(options);

  const auto outcome = client.send(get(server().url("/held")));

  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code, "Timeout");
  EXPECT_TRUE(outcome.error().retryable);
  EXPECT_NE(outcome.error().message.find("127.0.0.1"), std::string::npos)
      << outcome.error().message;
}

TEST_F(HttpClientTest, DeadlineEndsEveryUnfinishedTaskWithTimeout) {
  start_server([&](httplib::Server& server) {
    server.Get("/quick", [](const httplib::Request&, httplib::Response& response) {
      response.set_content("quick", "text/plain");
    });
    server.Get("/held", [&](const httplib::Request&, httplib::Response& response) {
      hold_.wait();
      response.set_content("too late", "text/plain");
    });
  });
  HttpClient client(patient_options(2));

  std::vector<HttpTask> tasks;
  tasks.push_back(single_attempt(get(server().url("/quick"))));
  tasks.push_back(single_attempt(get(server().url("/held"))));
  // Retried long after the deadline: the run must not wait for it.
  HttpTask waiting_retry = single_attempt(get(server().url("/quick")));
  waiting_retry.retry_delay = [](const HttpOutcome&,
                                 int) -> std::optional<std::chrono::milliseconds> {
    return std::chrono::minutes{10};
  };
  tasks.push_back(std::move(waiting_retry));
  // Takes the slot the retry freed, and is held.
  tasks.push_back(single_attempt(get(server().url("/held"))));
  // Never started: both slots are held by then.
  tasks.push_back(single_attempt(get(server().url("/quick"))));
  const auto outcomes = client.run(std::move(tasks), std::chrono::steady_clock::now() + 1s);

  ASSERT_EQ(outcomes.size(), 5u);
  ASSERT_TRUE(outcomes[0].ok()) << outcomes[0].error().describe();
  EXPECT_EQ(outcomes[0]->body, "quick");
  for (std::size_t i = 1; i < outcomes.size(); ++i) {
    ASSERT_FALSE(outcomes[i].ok()) << "task " << i;
    EXPECT_EQ(outcomes[i].error().code, "Timeout") << "task " << i;
    EXPECT_NE(outcomes[i].error().message.find("deadline"), std::string::npos)
        << outcomes[i].error().message;
  }
}

TEST_F(HttpClientTest, ClientStaysUsableAfterADeadline) {
  start_server(add_echo_routes);
  HttpClient client;

  const auto expired = client.run({single_attempt(get(server().url("/echo")))},
                                  std::chrono::steady_clock::now() - 1s);
  const auto after = client.send({"POST", server().url("/echo"), {}, "still here"});

  ASSERT_EQ(expired.size(), 1u);
  ASSERT_FALSE(expired[0].ok());
  EXPECT_EQ(expired[0].error().code, "Timeout");
  ASSERT_TRUE(after.ok()) << after.error().describe();
  EXPECT_EQ(after->body, "still here");
}

// A stream of `count` POSTs to /echo, each with its own body, that counts what it hands out and
// what comes back.
struct CountingStream {
  CountingStream(const LocalServer& server, std::size_t count) : server(server), count(count) {}

  HttpTaskStream stream() {
    return {[this]() -> std::optional<HttpTask> {
              if (taken == count) return std::nullopt;
              const std::size_t index = taken++;
              peak_unfinished = std::max(peak_unfinished, taken - finished);
              HttpTask task = single_attempt(
                  {"POST", server.url("/echo"), {}, "task-" + std::to_string(index)});
              if (admission_delay) task.admission_delay = admission_delay(index);
              if (retry_delay) task.retry_delay = retry_delay(index);
              return task;
            },
            [this](std::size_t index, HttpOutcome outcome) {
              ++finished;
              outcomes.emplace(index, std::move(outcome));
            }};
  }

  const LocalServer& server;
  std::size_t count;
  std::function<std::function<std::chrono::steady_clock::duration()>(std::size_t)> admission_delay;
  std::function<decltype(HttpTask::retry_delay)(std::size_t)> retry_delay;
  std::size_t taken = 0;
  std::size_t finished = 0;
  std::size_t peak_unfinished = 0;
  std::map<std::size_t, HttpOutcome> outcomes;
};

TEST_F(HttpClientTest, AStreamHoldsAtMostTwiceTheConcurrencyAndDeliversEveryOutcomeByIndex) {
  start_server(add_echo_routes);
  HttpClient client(patient_options(4));
  CountingStream counting(server(), 500);
  // Every third task waits for admission once, so that tasks wait while others run.
  counting.admission_delay =
      [](std::size_t index) -> std::function<std::chrono::steady_clock::duration()> {
    if (index % 3 != 0) return {};
    return [asked = 0]() mutable -> std::chrono::steady_clock::duration {
      return ++asked == 1 ? 2ms : 0ms;
    };
  };

  const Status ended = client.run_stream(counting.stream());

  ASSERT_TRUE(ended.ok()) << ended.error().describe();
  EXPECT_EQ(counting.taken, 500u);
  EXPECT_EQ(counting.finished, 500u);
  EXPECT_LE(counting.peak_unfinished, 8u);
  EXPECT_GT(counting.peak_unfinished, 4u);
  ASSERT_EQ(counting.outcomes.size(), 500u);
  for (const auto& [index, outcome] : counting.outcomes) {
    ASSERT_TRUE(outcome.ok()) << outcome.error().describe();
    EXPECT_EQ(outcome->body, "task-" + std::to_string(index));
  }
}

TEST_F(HttpClientTest, WaitingForAdmissionIsNotAnAttempt) {
  std::atomic<int> requests{0};
  start_server([&](httplib::Server& server) {
    server.Post("/echo", [&](const httplib::Request& request, httplib::Response& response) {
      ++requests;
      response.set_content(request.body, "text/plain");
    });
  });
  HttpClient client(patient_options(4));
  constexpr std::size_t kTasks = 20;
  CountingStream counting(server(), kTasks);
  std::vector<int> admission_asks(kTasks);
  std::vector<std::vector<int>> attempts_seen(kTasks);
  // Told to wait three times before it may go.
  counting.admission_delay = [&](std::size_t index) {
    return [&, index]() -> std::chrono::steady_clock::duration {
      return ++admission_asks[index] <= 3 ? 1ms : 0ms;
    };
  };
  counting.retry_delay = [&](std::size_t index) {
    return [&, index](const HttpOutcome&, int attempt) -> std::optional<std::chrono::milliseconds> {
      attempts_seen[index].push_back(attempt);
      return std::nullopt;
    };
  };

  ASSERT_TRUE(client.run_stream(counting.stream()).ok());

  EXPECT_EQ(requests.load(), static_cast<int>(kTasks));
  for (std::size_t i = 0; i < kTasks; ++i) {
    EXPECT_EQ(admission_asks[i], 4) << "task " << i;
    EXPECT_EQ(attempts_seen[i], std::vector<int>{1}) << "task " << i;
    ASSERT_TRUE(counting.outcomes.at(i).ok());
  }
}

TEST_F(HttpClientTest, AStreamAtItsDeadlineEndsTheTakenTasksWithTimeoutAndReturnsIt) {
  start_server([&](httplib::Server& server) {
    server.Post("/echo", [&](const httplib::Request&, httplib::Response& response) {
      hold_.wait();
      response.set_content("too late", "text/plain");
    });
  });
  HttpClient client(patient_options(2));
  CountingStream counting(server(), 1000);
  // Odd tasks wait for admission past the deadline; even ones are held by the server.
  counting.admission_delay =
      [](std::size_t index) -> std::function<std::chrono::steady_clock::duration()> {
    if (index % 2 == 0) return {};
    return [] { return std::chrono::steady_clock::duration(std::chrono::minutes{10}); };
  };

  const Status ended =
      client.run_stream(counting.stream(), std::chrono::steady_clock::now() + 500ms);

  ASSERT_FALSE(ended.ok());
  EXPECT_EQ(ended.error().code, "Timeout");
  // Only what could run or wait was taken, and all of it finished.
  EXPECT_LE(counting.taken, 4u);
  EXPECT_GT(counting.taken, 0u);
  EXPECT_EQ(counting.finished, counting.taken);
  for (const auto& [index, outcome] : counting.outcomes) {
    ASSERT_FALSE(outcome.ok()) << "task " << index;
    EXPECT_EQ(outcome.error().code, "Timeout") << "task " << index;
  }
}

// Sets an environment variable for one test and puts the old value back.
class ScopedEnvironment {
 public:
  ScopedEnvironment(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_value_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnvironment() {
    if (old_value_) {
      ::setenv(name_, old_value_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_value_;
};

TEST(FindCaBundle, HonoursReadableSslCertFile) {
  const auto bundle = std::filesystem::path(::testing::TempDir()) / "http_client_test_ca.pem";
  std::ofstream(bundle) << "-----BEGIN CERTIFICATE-----\n";
  const ScopedEnvironment environment("SSL_CERT_FILE", bundle.string());

  EXPECT_EQ(find_ca_bundle(), bundle.string());
  std::filesystem::remove(bundle);
}

TEST(FindCaBundle, IgnoresSslCertFileThatIsMissingOrADirectory) {
  const auto missing = std::filesystem::path(::testing::TempDir()) / "no_such_ca_bundle.pem";
  {
    const ScopedEnvironment environment("SSL_CERT_FILE", missing.string());
    EXPECT_NE(find_ca_bundle(), missing.string());
  }
  const ScopedEnvironment environment("SSL_CERT_FILE", ::testing::TempDir());
  EXPECT_NE(find_ca_bundle(), ::testing::TempDir());
}

}  // namespace
}  // namespace bulkqa::aws
