// HttpServerThread, and every server that starts with it (local/'s and the portal's), stopping when
// destroyed right after it started. cpp-httplib's stop() does nothing to a server whose thread has
// not begun listening, so a server that did not wait for that would hang here: ctest's timeout is
// the failure (tests/CMakeLists.txt).
#include "bulkqa/local/http_server_thread.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include "bulkqa/local/response_url_server.hpp"
#include "bulkqa/local/runtime_api.hpp"
#include "bulkqa/local/web_assets.hpp"
#include "bulkqa/portal/portal_server.hpp"
#include "support/in_memory_portal_backend.hpp"
#include "support/result_assertions.hpp"

namespace bulkqa {
namespace {

using local::HttpServerThread;

// Enough rounds that a server that does not wait for its thread is caught stopping too early.
constexpr int kRounds = 50;

TEST(HttpServerThread, DestroyedRightAfterStartReturns) {
  for (int round = 0; round < kRounds; ++round) {
    httplib::Server server;
    auto serving = HttpServerThread::start(server, "127.0.0.1", 0);
    ASSERT_TRUE(serving.ok()) << serving.error().describe();
  }
}

TEST(HttpServerThread, ServesOnTheBoundPortUntilDestroyed) {
  httplib::Server server;
  server.Get("/hello", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("hello", "text/plain");
  });
  auto serving = HttpServerThread::start(server, "127.0.0.1", 0);
  ASSERT_TRUE(serving.ok()) << serving.error().describe();
  const int port = (*serving)->port();
  ASSERT_GT(port, 0);
  httplib::Client client("127.0.0.1", port);
  const auto answer = client.Get("/hello");
  ASSERT_TRUE(answer) << httplib::to_string(answer.error());
  EXPECT_EQ(answer->body, "hello");

  serving->reset();
  const auto after_stop = client.Get("/hello");
  EXPECT_FALSE(after_stop) << "answered after the server was destroyed";
}

TEST(HttpServerThread, APortAnotherProgramHoldsIsABindErrorNamingTheAddress) {
  // A plain socket, as another program's: cpp-httplib's own sockets share ports (SO_REUSEPORT).
  const int holder = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(holder, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&address), size), 0);
  ASSERT_EQ(::listen(holder, 1), 0);
  ASSERT_EQ(::getsockname(holder, reinterpret_cast<sockaddr*>(&address), &size), 0);
  const int port = ntohs(address.sin_port);

  httplib::Server server;
  EXPECT_TRUE(testing::fails_with(HttpServerThread::start(server, "127.0.0.1", port), "BindFailed",
                                  {"127.0.0.1:" + std::to_string(port)}));
  ::close(holder);
}

TEST(HttpServerThread, ResponseUrlServerDestroyedRightAfterStartReturns) {
  for (int round = 0; round < kRounds; ++round) {
    auto server = local::ResponseUrlServer::start();
    ASSERT_TRUE(server.ok()) << server.error().describe();
  }
}

TEST(HttpServerThread, RuntimeApiDestroyedRightAfterStartReturns) {
  for (int round = 0; round < kRounds; ++round) {
    auto api = local::LocalRuntimeApi::start();
    ASSERT_TRUE(api.ok()) << api.error().describe();
  }
}

TEST(HttpServerThread, PortalServerDestroyedRightAfterStartReturns) {
  testing::InMemoryPortalBackend backend(1, "bucket");
  const local::WebAssets no_pages;
  for (int round = 0; round < kRounds; ++round) {
    portal::PortalServerOptions options;
    options.assets = &no_pages;
    auto server = portal::PortalServer::start(backend.backend(), std::move(options));
    ASSERT_TRUE(server.ok()) << server.error().describe();
  }
}

}  // namespace
}  // namespace bulkqa
