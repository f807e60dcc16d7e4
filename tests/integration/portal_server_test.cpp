// The review portal's HTTP server over loopback HTTP, as browsers and attackers use it: each
// refusal the portal owes (no, forged, expired or revoked session; an invite used twice; a
// missing or wrong CSRF token; another site; another reviewer's task; a foreign Host; path
// traversal; bodies over the limit; a bind beyond the loopback without TLS; too many invite
// attempts) and what a signed-in reviewer gets, with no secret in the log. Parameterised over a
// factory of backends: the in-memory double, and the real Portal on moto running as the
// template's PortalPolicy user.
#include "bulkqa/portal/portal_server.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "bulkqa/review/portal_requests.hpp"
#include "support/in_memory_portal_backend.hpp"
#include "support/loopback_socket.hpp"
#include "support/portal_stack.hpp"
#include "support/result_assertions.hpp"
#include "support/test_certificates.hpp"

namespace bulkqa {
namespace {

using nlohmann::json;
using portal::PortalServer;
using portal::PortalServerOptions;
using testing::PortalTestBackend;
using testing::PortalTestBackendFactory;

constexpr const char* kJson = "application/json";
constexpr const char* kImageOrigin = "https://review-images.s3.eu-west-1.amazonaws.com";
constexpr const char* kPage =
    "<!doctype html><script type=\"module\" nonce=\"__CSP_NONCE__\" "
    "src=\"/assets/review_page.mjs\"></script>";

const local::WebAssets& test_assets() {
  static const local::WebAssets assets{
      {"/", {"text/html", kPage}},
      {"/invite", {"text/html", "<!doctype html>invite page"}},
      {"/admin", {"text/html", "<!doctype html>admin page"}},
      {"/assets/review.css", {"text/css", "body { margin: 0; }"}},
  };
  return assets;
}

// A signed-in browser: its cookie header and CSRF token.
struct Browser {
  std::string cookie;
  std::string csrf;
  std::string session_id;
};

std::string cookie_of(const httplib::Result& result) {
  const std::string set_cookie = result->get_header_value("Set-Cookie");
  return set_cookie.substr(0, set_cookie.find(';'));
}

class PortalServerTest : public ::testing::TestWithParam<PortalTestBackendFactory> {
 protected:
  void SetUp() override {
    state_ = GetParam().make();
    start({});
  }

  void start(PortalServerOptions options) {
    server_.reset();
    options.template_text = "<crowd-form></crowd-form>";
    options.assets = &test_assets();
    options.image_origins = {kImageOrigin};
    auto server = PortalServer::start(state_->backend(), std::move(options));
    ASSERT_TRUE(server.ok()) << server.error().describe();
    server_ = std::move(*server);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }

  httplib::Result redeem(const std::string& token, httplib::Headers headers = {}) {
    return client_->Post("/api/invite", headers, json{{"token", token}}.dump(), kJson);
  }

  Browser sign_in(const std::string& reviewer, bool admin = false) {
    auto redeemed = redeem(state_->invite(reviewer, admin));
    EXPECT_EQ(redeemed->status, 200) << redeemed->body;
    Browser browser{cookie_of(redeemed), "", ""};
    browser.session_id = browser.cookie.substr(browser.cookie.find('=') + 1);
    auto me = client_->Get("/api/me", {{"Cookie", browser.cookie}});
    EXPECT_EQ(me->status, 200) << me->body;
    browser.csrf = json::parse(me->body).at("csrf").get<std::string>();
    return browser;
  }

  httplib::Result get(const std::string& path, const Browser& browser) {
    return client_->Get(path, {{"Cookie", browser.cookie}});
  }

  httplib::Result post(const std::string& path, const Browser& browser, const std::string& body,
                       httplib::Headers extra = {}) {
    extra.emplace("Cookie", browser.cookie);
    extra.emplace("X-CSRF-Token", browser.csrf);
    return client_->Post(path, extra, body, kJson);
  }

  // The task the browser's reviewer holds now.
  json task_of(const Browser& browser) {
    auto task = get("/api/task", browser);
    EXPECT_EQ(task->status, 200) << task->body;
    return json::parse(task->body).at("task");
  }

  std::string answer_path(const json& task) {
    return "/api/tasks/" + std::to_string(task.at("id").get<std::size_t>()) + "/answer";
  }

  std::string answer_of(const json& task) {
    return state_->valid_answer(task.at("id").get<std::size_t>());
  }

  // The answer to a request written byte for byte, read until the server closes.
  std::string raw_response(const std::string& request) {
    const int fd = testing::connect_to_loopback(server_->port());
    EXPECT_GE(fd, 0);
    if (fd < 0) return {};
    EXPECT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
    std::string response;
    char buffer[4096];
    for (ssize_t got; (got = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) {
      response.append(buffer, static_cast<std::size_t>(got));
    }
    ::close(fd);
    return response;
  }

  static std::string error_of(const httplib::Result& result) {
    return json::parse(result->body).value("error", "");
  }

  std::unique_ptr<PortalTestBackend> state_;
  std::unique_ptr<PortalServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

// Every route but the page, the invite page and assets, without a session and with each kind
// of bad one: 401, and nothing of the state.
void expect_every_route_refused(httplib::Client& client, const httplib::Headers& headers,
                                const std::string& csrf) {
  for (const char* path : {"/api/me", "/api/task", "/template", "/s3/review-images/images/0.png",
                           "/admin", "/api/progress", "/report"}) {
    auto result = client.Get(path, headers);
    ASSERT_TRUE(result) << path;
    EXPECT_EQ(result->status, 401) << path << ": " << result->body;
    EXPECT_EQ(json::parse(result->body).at("error"), errc::kNoSession) << path;
  }
  httplib::Headers with_csrf = headers;
  with_csrf.emplace("X-CSRF-Token", csrf);
  for (const char* path : {"/api/logout", "/api/tasks/0/answer"}) {
    auto result = client.Post(path, with_csrf, "{}", kJson);
    ASSERT_TRUE(result) << path;
    EXPECT_EQ(result->status, 401) << path << ": " << result->body;
  }
}

TEST_P(PortalServerTest, WithoutASessionOnlyTheSignInNoticeAndAssetsAnswer) {
  expect_every_route_refused(*client_, {}, "");
  auto page = client_->Get("/");
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("not signed in"), std::string::npos) << page->body;
  EXPECT_EQ(page->body.find("review_page.mjs"), std::string::npos) << "no review page";
  EXPECT_EQ(client_->Get("/invite")->status, 200);
  EXPECT_EQ(client_->Get("/assets/review.css")->status, 200);
}

TEST_P(PortalServerTest, AForgedSessionIsRefused) {
  const Browser real = sign_in("alice");
  const std::string forged = "bulkqa-session=" + std::string(32, 'a');
  expect_every_route_refused(*client_, {{"Cookie", forged}}, csrf_token(std::string(32, 'a')));
  // The real session's id with a character changed, and its CSRF token.
  std::string changed = real.cookie;
  changed.back() = changed.back() == '0' ? '1' : '0';
  expect_every_route_refused(*client_, {{"Cookie", changed}}, real.csrf);
}

TEST_P(PortalServerTest, AnExpiredSessionIsRefused) {
  const Browser alice = sign_in("alice");
  state_->expire_sessions();
  expect_every_route_refused(*client_, {{"Cookie", alice.cookie}}, alice.csrf);
}

TEST_P(PortalServerTest, ARevokedReviewersSessionIsRefusedAtOnce) {
  const Browser alice = sign_in("alice");
  const Browser bob = sign_in("bob");
  state_->revoke("alice");
  expect_every_route_refused(*client_, {{"Cookie", alice.cookie}}, alice.csrf);
  EXPECT_EQ(get("/api/task", bob)->status, 200);
}

TEST_P(PortalServerTest, AnInviteWorksOnceAndSetsAStrictHttpOnlyCookie) {
  const std::string token = state_->invite("alice", false);
  auto first = redeem(token);
  ASSERT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(json::parse(first->body).at("redirect"), "/");
  const std::string cookie = first->get_header_value("Set-Cookie");
  EXPECT_TRUE(cookie.starts_with("bulkqa-session=")) << cookie;
  for (const char* attribute : {"; HttpOnly", "; SameSite=Strict", "; Path=/"}) {
    EXPECT_NE(cookie.find(attribute), std::string::npos) << cookie;
  }
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "plain HTTP on the loopback: " << cookie;
  const std::size_t max_age_at = cookie.find("; Max-Age=");
  ASSERT_NE(max_age_at, std::string::npos) << cookie;
  const long max_age = std::stol(cookie.substr(max_age_at + std::strlen("; Max-Age=")));
  const long lifetime =
      std::chrono::duration_cast<std::chrono::seconds>(state_->session_lifetime()).count();
  EXPECT_LE(max_age, lifetime);
  EXPECT_GT(max_age, lifetime - 60);

  auto second = redeem(token);
  EXPECT_EQ(second->status, 403);
  EXPECT_EQ(error_of(second), errc::kInvalidInvite);
  EXPECT_FALSE(second->has_header("Set-Cookie"));
  EXPECT_EQ(redeem(std::string(32, 'f'))->status, 403) << "an invite never given";
}

TEST_P(PortalServerTest, AnInviteMustBeJsonFromThisSite) {
  const std::string token = state_->invite("alice", false);
  auto form = client_->Post("/api/invite", "token=" + token, "application/x-www-form-urlencoded");
  EXPECT_EQ(form->status, 415);
  auto other_site = redeem(token, {{"Origin", "https://evil.example"}});
  EXPECT_EQ(other_site->status, 403);
  EXPECT_EQ(error_of(other_site), errc::kForbidden);
  EXPECT_EQ(redeem(token)->status, 200) << "the refusals used nothing up";
}

TEST_P(PortalServerTest, StateChangingRequestsNeedTheSessionsCsrfToken) {
  const Browser alice = sign_in("alice");
  const json task = task_of(alice);
  Browser without = alice;
  without.csrf = "";
  Browser wrong = alice;
  wrong.csrf = csrf_token("another session");
  Browser almost = alice;
  almost.csrf.back() = almost.csrf.back() == '0' ? '1' : '0';
  for (const Browser& bad : {without, wrong, almost}) {
    auto answered = post(answer_path(task), bad, answer_of(task));
    EXPECT_EQ(answered->status, 403) << answered->body;
    EXPECT_EQ(error_of(answered), errc::kCsrfMismatch);
    EXPECT_EQ(post("/api/logout", bad, "{}")->status, 403);
  }
  EXPECT_EQ(get("/api/me", alice)->status, 200) << "the session outlived the refused logouts";
  auto answered = post(answer_path(task), alice, answer_of(task));
  EXPECT_EQ(answered->status, 200) << answered->body;
  EXPECT_EQ(json::parse(answered->body).at("completed_task"), true);
}

TEST_P(PortalServerTest, RequestsFromAnotherSiteAreRefused) {
  const Browser alice = sign_in("alice");
  const json task = task_of(alice);
  for (const httplib::Headers& other_site :
       {httplib::Headers{{"Origin", "https://evil.example"}}, httplib::Headers{{"Origin", "null"}},
        httplib::Headers{{"Sec-Fetch-Site", "cross-site"}},
        httplib::Headers{{"Sec-Fetch-Site", "same-site"}}}) {
    auto answered = post(answer_path(task), alice, answer_of(task), other_site);
    EXPECT_EQ(answered->status, 403) << answered->body;
    EXPECT_EQ(error_of(answered), errc::kForbidden);
    httplib::Headers read = other_site;
    read.emplace("Cookie", alice.cookie);
    EXPECT_EQ(client_->Get("/api/task", read)->status, 403);
  }
  auto same_origin = post(answer_path(task), alice, answer_of(task),
                          {{"Origin", server_->url().substr(0, server_->url().size() - 1)},
                           {"Sec-Fetch-Site", "same-origin"}});
  EXPECT_EQ(same_origin->status, 200) << same_origin->body;
}

TEST_P(PortalServerTest, LoggingOutEndsTheSession) {
  const Browser alice = sign_in("alice");
  auto out = post("/api/logout", alice, "{}");
  EXPECT_EQ(out->status, 200);
  EXPECT_NE(out->get_header_value("Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(get("/api/task", alice)->status, 401);
}

TEST_P(PortalServerTest, AReviewerReachesOnlyItsOwnTask) {
  const Browser alice = sign_in("alice");
  const Browser bob = sign_in("bob");
  const json alices = task_of(alice);
  const json bobs = task_of(bob);
  ASSERT_NE(alices.at("id"), bobs.at("id"));
  ASSERT_EQ(alices.at("image_urls").size(), 1u);
  const std::string alices_image = alices.at("image_urls").begin().value();

  auto stolen = post(answer_path(alices), bob, answer_of(alices));
  EXPECT_EQ(stolen->status, 409) << stolen->body;
  EXPECT_EQ(error_of(stolen), errc::kLeaseLost);
  auto peeked = get(alices_image, bob);
  EXPECT_EQ(peeked->status, 404) << peeked->body;
  EXPECT_EQ(error_of(peeked), errc::kNotATaskImage);

  auto image = get(alices_image, alice);
  EXPECT_EQ(image->status, 200);
  EXPECT_TRUE(image->body.starts_with(testing::InMemoryPortalBackend::kPngSignature));
  EXPECT_EQ(image->get_header_value("Content-Type"), "image/png");
  auto answered = post(answer_path(alices), alice, answer_of(alices));
  EXPECT_EQ(answered->status, 200) << "bob's attempt took nothing from alice: " << answered->body;
}

TEST_P(PortalServerTest, AdminRoutesAreForAdminsOnly) {
  const Browser alice = sign_in("alice");
  const Browser admin = sign_in("root", true);
  for (const char* path : {"/admin", "/api/progress", "/report"}) {
    auto refused = get(path, alice);
    EXPECT_EQ(refused->status, 403) << path;
    EXPECT_EQ(error_of(refused), errc::kForbidden);
    EXPECT_EQ(get(path, admin)->status, 200) << path;
  }
  EXPECT_TRUE(json::parse(get("/api/me", admin)->body).at("admin").get<bool>());
  EXPECT_TRUE(json::parse(get("/api/progress", admin)->body).at("tasks").contains("total"));
  // The report page runs no script: its policy allows only its inline style sheet.
  const std::string report_policy =
      get("/report", admin)->get_header_value("Content-Security-Policy");
  EXPECT_NE(report_policy.find("default-src 'none'"), std::string::npos) << report_policy;
  EXPECT_EQ(report_policy.find("script"), std::string::npos) << report_policy;
}

TEST_P(PortalServerTest, AForeignHostIsRefused) {
  const Browser alice = sign_in("alice");
  const std::string other_port = "127.0.0.1:" + std::to_string(server_->port() + 1);
  const std::string carols = state_->invite("carol", false);
  for (const std::string& host : {std::string("evil.example"), other_port,
                                  std::string("127.0.0.1.evil.example"), std::string()}) {
    for (const char* path : {"/", "/api/task", "/assets/review.css"}) {
      auto result = client_->Get(path, {{"Host", host}, {"Cookie", alice.cookie}});
      ASSERT_TRUE(result);
      EXPECT_EQ(result->status, 421) << host << path;
      EXPECT_EQ(error_of(result), errc::kForbiddenHost);
    }
    auto redeemed =
        client_->Post("/api/invite", {{"Host", host}}, json{{"token", carols}}.dump(), kJson);
    EXPECT_EQ(redeemed->status, 421) << host;
  }
  EXPECT_EQ(redeem(carols)->status, 200) << "the refused redemptions used nothing up";
  EXPECT_EQ(client_
                ->Get("/api/task", {{"Host", "localhost:" + std::to_string(server_->port())},
                                    {"Cookie", alice.cookie}})
                ->status,
            200);
}

// Every backend refuses the traversals; that none even reached the backend is counted on the
// in-memory double only (the real Portal does not count its calls).
// Found by attacking the portal as a stranger would: a path that is not UTF-8 made the error
// message unserializable, and cpp-httplib sent the exception's text back in a header.
TEST_P(PortalServerTest, APathThatIsNotUtf8GetsAPlainRefusal) {
  const Browser alice = sign_in("alice");
  task_of(alice);
  for (const char* path :
       {"/s3/review-images/images/%ff.png", "/s3/review-images/%c0%ae%c0%ae/x"}) {
    auto result = get(path, alice);
    ASSERT_TRUE(result) << path;
    EXPECT_EQ(result->status, 404) << path << ": " << result->body;
    EXPECT_FALSE(result->has_header("EXCEPTION_WHAT")) << path;
    EXPECT_EQ(error_of(result), errc::kNotATaskImage) << path;
  }
}

TEST_P(PortalServerTest, TwoHostHeadersOrAFloodOfHeadersAreRefused) {
  const Browser alice = sign_in("alice");
  // The first Host is this server's, the second another's: which one counts is ambiguous.
  const std::string two_hosts =
      "GET /api/me HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server_->port()) +
      "\r\nHost: evil.example\r\nCookie: " + alice.cookie + "\r\nConnection: close\r\n\r\n";
  EXPECT_TRUE(raw_response(two_hosts).starts_with("HTTP/1.1 400")) << raw_response(two_hosts);
  httplib::Headers flood = {{"Cookie", alice.cookie}};
  for (int i = 0; i < 150; ++i) flood.emplace("X-Filler-" + std::to_string(i), "x");
  auto flooded = client_->Get("/api/me", flood);
  ASSERT_TRUE(flooded);
  EXPECT_EQ(flooded->status, 431) << flooded->body;
  EXPECT_EQ(get("/api/me", alice)->status, 200) << "a plain request still passes";
}

TEST_P(PortalServerTest, PathTraversalReachesNoFileAndNoObject) {
  const Browser alice = sign_in("alice");
  task_of(alice);
  const std::size_t asked_before =
      dynamic_cast<testing::InMemoryPortalBackend*>(state_.get()) != nullptr
          ? dynamic_cast<testing::InMemoryPortalBackend&>(*state_).image_requests()
          : 0;
  for (const char* path :
       {"/assets/../review.css", "/assets/..%2freview.css", "/assets/%2e%2e/%2e%2e/etc/passwd",
        "/assets/..%5c..%5cetc%5cpasswd", "/assets/review.css%00.js", "/assets/./review.css",
        "/assets/%2Fetc%2Fpasswd", "/assets//review.css"}) {
    auto result = get(path, alice);
    ASSERT_TRUE(result) << path;
    EXPECT_EQ(result->status, 404) << path;
    EXPECT_NE(result->body, "body { margin: 0; }") << path;
  }
  for (const char* path :
       {"/s3/review-images/images/../images/0.png", "/s3/review-images/images/%2e%2e/images/0.png",
        "/s3/review-images/images%2f..%2f..%2fsecret", "/s3/%2e%2e/images/0.png",
        "/s3/review-images/images%5c..%5c0.png", "/s3/review-images/images/0.png%00.txt",
        "/s3/review-images//images/0.png", "/s3/review-images/images/./0.png"}) {
    auto result = get(path, alice);
    ASSERT_TRUE(result) << path;
    EXPECT_EQ(result->status, 404) << path;
    EXPECT_FALSE(result->body.starts_with(testing::InMemoryPortalBackend::kPngSignature)) << path;
  }
  if (auto* memory = dynamic_cast<testing::InMemoryPortalBackend*>(state_.get())) {
    EXPECT_EQ(memory->image_requests(), asked_before) << "no traversal reached the backend";
  }
}

// Sends `request` raw on a new connection and returns what arrives before the server stops
// sending (or closes).
std::string send_raw(int port, const std::string& request) {
  const int fd = testing::connect_to_loopback(port);
  if (fd < 0) throw std::runtime_error("cannot connect to the portal");
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string answer;
  char buffer[4096];
  // The response's head ends with an empty line; the body is a small JSON object after it.
  while (answer.find("}") == std::string::npos) {
    const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) break;
    answer.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  return answer;
}

TEST_P(PortalServerTest, ABodyOverTheLimitIsRefusedUnread) {
  const Browser alice = sign_in("alice");
  const std::string head =
      "POST /api/tasks/0/answer HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server_->port()) +
      "\r\nCookie: " + alice.cookie + "\r\nX-CSRF-Token: " + alice.csrf +
      "\r\nContent-Type: application/json\r\n";
  // Bodies announced but never sent: the answers come without them, so nothing waited to read.
  const std::string huge = send_raw(server_->port(), head + "Content-Length: 300000000\r\n\r\n");
  EXPECT_TRUE(huge.starts_with("HTTP/1.1 413")) << huge;
  EXPECT_NE(huge.find(errc::kBodyTooLarge), std::string::npos) << huge;
  const std::string just_over = send_raw(
      server_->port(), head + "Content-Length: " + std::to_string((1 << 20) + 1) + "\r\n\r\n");
  EXPECT_TRUE(just_over.starts_with("HTTP/1.1 413")) << just_over;
  const std::string chunked =
      send_raw(server_->port(), head + "Transfer-Encoding: chunked\r\n\r\n");
  EXPECT_TRUE(chunked.starts_with("HTTP/1.1 411")) << chunked;
  // At the limit, the body is read and goes to the backend.
  auto at_limit = post(answer_path(task_of(alice)), alice, std::string(1 << 20, ' '));
  ASSERT_TRUE(at_limit) << httplib::to_string(at_limit.error());
  EXPECT_NE(at_limit->status, 413);
}

TEST_P(PortalServerTest, InviteRedemptionIsRateLimitedPerClient) {
  PortalServerOptions options;
  options.invite_per_client = {3, std::chrono::hours(1)};
  start(options);
  for (int attempt = 0; attempt < 3; ++attempt) {
    EXPECT_EQ(redeem("guess" + std::to_string(attempt))->status, 403) << attempt;
  }
  auto limited = redeem(state_->invite("alice", false));
  EXPECT_EQ(limited->status, 429) << "even a good token, once over the limit";
  EXPECT_EQ(error_of(limited), errc::kRateLimited);
  EXPECT_FALSE(limited->has_header("Set-Cookie"));
}

TEST_P(PortalServerTest, InviteRedemptionIsRateLimitedOverall) {
  PortalServerOptions options;
  options.behind_proxy = true;
  options.public_origin = "https://review.example.com";
  options.invite_per_client = {2, std::chrono::hours(1)};
  options.invite_overall = {4, std::chrono::hours(1)};
  start(options);
  const auto from = [](int client) {
    return httplib::Headers{{"Host", "review.example.com"},
                            {"X-Forwarded-For", "203.0.113." + std::to_string(client)}};
  };
  for (int client = 0; client < 4; ++client) {
    EXPECT_EQ(redeem("guess", from(client))->status, 403) << client;
  }
  EXPECT_EQ(redeem("guess", from(9))->status, 429) << "a fifth client, over the overall limit";
}

TEST_P(PortalServerTest, ANonLoopbackBindWithoutTlsIsRefused) {
  PortalServerOptions options;
  options.bind_address = "0.0.0.0";
  options.assets = &test_assets();
  options.public_origin = "https://review.example.com";
  EXPECT_TRUE(testing::fails_with(PortalServer::start(state_->backend(), options),
                                  errc::kInvalidOptions, {"--bind 0.0.0.0", "--tls-cert"}));
  options.behind_proxy = true;
  options.public_origin.clear();
  EXPECT_TRUE(testing::fails_with(PortalServer::start(state_->backend(), options),
                                  errc::kInvalidOptions, {"--public-origin"}));
  options.behind_proxy = false;
  options.bind_address = "127.0.0.1";
  options.tls_certificate = "cert.pem";
  EXPECT_TRUE(testing::fails_with(PortalServer::start(state_->backend(), options),
                                  errc::kInvalidOptions, {"--tls-key"}));
}

TEST_P(PortalServerTest, PagesCarryAStrictContentSecurityPolicy) {
  const Browser alice = sign_in("alice");
  auto page = get("/", alice);
  ASSERT_EQ(page->status, 200);
  const std::string policy = page->get_header_value("Content-Security-Policy");
  const std::size_t nonce_at = policy.find("'nonce-");
  ASSERT_NE(nonce_at, std::string::npos) << policy;
  const std::string nonce = policy.substr(nonce_at + std::strlen("'nonce-"), 32);
  EXPECT_EQ(policy.substr(nonce_at + std::strlen("'nonce-") + 32, 1), "'") << policy;
  EXPECT_TRUE(std::all_of(nonce.begin(), nonce.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  })) << policy;
  EXPECT_NE(page->body.find("nonce=\"" + nonce + "\""), std::string::npos) << page->body;
  for (const std::string& part :
       std::vector<std::string>{"default-src 'none'", "img-src 'self' " + std::string(kImageOrigin),
                                "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'",
                                "form-action 'self'"}) {
    EXPECT_NE(policy.find(part), std::string::npos) << part << " in " << policy;
  }
  EXPECT_EQ(policy.find("unsafe"), std::string::npos) << policy;
  auto again = get("/", alice);
  EXPECT_EQ(again->get_header_value("Content-Security-Policy").find(nonce), std::string::npos)
      << "a new nonce each time";
  auto api = get("/api/task", alice);
  EXPECT_EQ(api->get_header_value("Cache-Control"), "no-store");
  for (const auto& result : {std::cref(page), std::cref(api)}) {
    EXPECT_EQ(result.get()->get_header_value("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(result.get()->get_header_value("Referrer-Policy"), "no-referrer");
  }
}

TEST_P(PortalServerTest, NoSecretReachesTheLog) {
  ::testing::internal::CaptureStderr();
  const std::string token = state_->invite("alice", false);
  auto redeemed = redeem(token);
  const Browser alice = sign_in("bob");
  const json task = task_of(alice);
  post(answer_path(task), alice, answer_of(task));
  client_->Get("/invite/" + token);
  client_->Get("/api/task?token=" + token + "&session=" + alice.session_id);
  redeem(token);
  post("/api/logout", alice, "{}");
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_NE(log.find("\"message\":\"request\""), std::string::npos) << "requests are logged";
  ASSERT_NE(log.find("/api/invite"), std::string::npos) << log;
  const std::string alices_session = cookie_of(redeemed).substr(cookie_of(redeemed).find('=') + 1);
  for (const std::string& secret : {token, alices_session, alice.session_id, alice.csrf}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " in the log:\n" << log;
  }
}

TEST_P(PortalServerTest, TlsServesWithASecureHostOnlyCookie) {
  const std::filesystem::path directory =
      std::filesystem::temp_directory_path() / ("bulkqa-portal-tls-" + std::to_string(::getpid()));
  std::filesystem::create_directories(directory);
  const testing::TestCertificates certificates = testing::make_test_certificates(directory);
  PortalServerOptions options;
  options.tls_certificate = certificates.server_certificate;
  options.tls_key = certificates.server_key;
  start(options);
  EXPECT_TRUE(server_->url().starts_with("https://127.0.0.1:")) << server_->url();
  httplib::SSLClient client("127.0.0.1", server_->port());
  client.set_ca_cert_path(certificates.ca_certificate.c_str());
  client.enable_server_certificate_verification(true);
  auto redeemed =
      client.Post("/api/invite", json{{"token", state_->invite("alice", false)}}.dump(), kJson);
  ASSERT_TRUE(redeemed) << httplib::to_string(redeemed.error());
  ASSERT_EQ(redeemed->status, 200) << redeemed->body;
  const std::string cookie = redeemed->get_header_value("Set-Cookie");
  EXPECT_TRUE(cookie.starts_with("__Host-bulkqa-session=")) << cookie;
  EXPECT_NE(cookie.find("; Secure"), std::string::npos) << cookie;
  auto me = client.Get("/api/me", {{"Cookie", cookie_of(redeemed)}});
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 200) << me->body;
  EXPECT_EQ(json::parse(me->body).at("reviewer"), "alice");
  EXPECT_FALSE(me->get_header_value("Strict-Transport-Security").empty());
  // The plain-HTTP cookie name means nothing here.
  auto plain_name = client.Get(
      "/api/me",
      {{"Cookie", "bulkqa-session=" + cookie_of(redeemed).substr(cookie.find('=') + 1)}});
  EXPECT_EQ(plain_name->status, 401);
  std::filesystem::remove_all(directory);
}

INSTANTIATE_TEST_SUITE_P(
    Backends, PortalServerTest,
    ::testing::Values(
        PortalTestBackendFactory{
            "InMemory",
            [] { return std::make_unique<testing::InMemoryPortalBackend>(2, "review-images"); }},
        PortalTestBackendFactory{"PortalOnMoto",
                                 [] { return std::make_unique<testing::MotoPortalBackend>(2); }},
        // Launched with CopyImages=false: the images are read where they are, under the policy
        // the template gives the portal for it.
        PortalTestBackendFactory{"PortalOnMotoImagesInPlace",
                                 [] {
                                   return std::make_unique<testing::MotoPortalBackend>(
                                       2, testing::ImagePlace::kInPlace);
                                 }}),
    [](const ::testing::TestParamInfo<PortalTestBackendFactory>& info) { return info.param.name; });

}  // namespace
}  // namespace bulkqa
