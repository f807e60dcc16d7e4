#include "bulkqa/review/portal_requests.hpp"

#include <gtest/gtest.h>

#include "support/result_assertions.hpp"

namespace bulkqa {
namespace {

using namespace std::chrono_literals;

TEST(WebOrigin, ParsesSchemeHostAndPort) {
  auto https = parse_web_origin("https://Review.Example.com", "--public-origin");
  ASSERT_TRUE(https.ok());
  EXPECT_EQ(*https, (WebOrigin{"https", "review.example.com", 443}));
  EXPECT_EQ(origin_text(*https), "https://review.example.com");
  auto loopback = parse_web_origin("http://[::1]:8080", "--public-origin");
  ASSERT_TRUE(loopback.ok());
  EXPECT_EQ(*loopback, (WebOrigin{"http", "[::1]", 8080}));
  EXPECT_EQ(origin_text(*loopback), "http://[::1]:8080");
}

TEST(WebOrigin, RefusesAnythingButAnOrigin) {
  for (const char* bad : {"review.example.com", "ftp://review.example.com",
                          "https://review.example.com/", "https://review.example.com/path",
                          "https://user@review.example.com", "https://review.example.com:0",
                          "https://review.example.com:70000", "https://", "https://a b"}) {
    EXPECT_TRUE(testing::fails_with(parse_web_origin(bad, "--public-origin"), errc::kInvalidOptions,
                                    {"--public-origin", bad}))
        << bad;
  }
}

TEST(HostMatches, TheOriginsHostAndPortOnly) {
  const WebOrigin origin{"https", "review.example.com", 443};
  EXPECT_TRUE(host_matches("review.example.com", origin));
  EXPECT_TRUE(host_matches("REVIEW.example.com:443", origin));
  EXPECT_FALSE(host_matches("review.example.com:8443", origin));
  EXPECT_FALSE(host_matches("evil.example", origin));
  EXPECT_FALSE(host_matches("review.example.com.evil.example", origin));
  EXPECT_FALSE(host_matches("", origin));
  const WebOrigin loopback{"http", "[::1]", 8080};
  EXPECT_TRUE(host_matches("[::1]:8080", loopback));
  EXPECT_FALSE(host_matches("[::1]", loopback));
}

TEST(CrossSite, OtherOriginsAndSitesAreCrossSite) {
  const std::vector<WebOrigin> origins{{"https", "review.example.com", 443}};
  EXPECT_FALSE(is_cross_site("", "", origins));
  EXPECT_FALSE(is_cross_site("https://review.example.com", "same-origin", origins));
  EXPECT_FALSE(is_cross_site("", "none", origins));
  EXPECT_TRUE(is_cross_site("https://evil.example", "", origins));
  EXPECT_TRUE(is_cross_site("http://review.example.com", "", origins));
  EXPECT_TRUE(is_cross_site("null", "", origins));
  EXPECT_TRUE(is_cross_site("", "cross-site", origins));
  EXPECT_TRUE(is_cross_site("https://review.example.com", "same-site", origins));
}

TEST(Csrf, TokensDependOnTheSessionAndCompareExactly) {
  const std::string token = csrf_token("session-a");
  EXPECT_EQ(token.size(), 64u);
  EXPECT_EQ(token, csrf_token("session-a"));
  EXPECT_NE(token, csrf_token("session-b"));
  EXPECT_EQ(token.find("session"), std::string::npos);
  EXPECT_TRUE(constant_time_equal(token, csrf_token("session-a")));
  EXPECT_FALSE(constant_time_equal(token, csrf_token("session-b")));
  EXPECT_FALSE(constant_time_equal(token, token.substr(1)));
  EXPECT_FALSE(constant_time_equal("", token));
  EXPECT_TRUE(constant_time_equal("", ""));
}

TEST(SessionCookie, StrictHttpOnlyAndSecureUnderTls) {
  EXPECT_EQ(session_cookie("abc", 3600s, false),
            "bulkqa-session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600");
  EXPECT_EQ(session_cookie("abc", 60s, true),
            "__Host-bulkqa-session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure");
  EXPECT_EQ(session_cookie("", -5s, false),
            "bulkqa-session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

TEST(ContentSecurityPolicy, TheNonceAndImageOriginsOnly) {
  const std::vector<std::string> images{"https://b.s3.us-east-1.amazonaws.com"};
  EXPECT_EQ(content_security_policy("n0nce", images),
            "default-src 'none'; script-src 'self' 'nonce-n0nce'; style-src 'self' "
            "'nonce-n0nce'; img-src 'self' https://b.s3.us-east-1.amazonaws.com; connect-src "
            "'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
}

TEST(PlainRelativePath, RefusesTraversalAndOddCharacters) {
  EXPECT_TRUE(is_plain_relative_path("review.css"));
  EXPECT_TRUE(is_plain_relative_path("batches/b-1/image 0001.jpg"));
  EXPECT_TRUE(is_plain_relative_path("a..b/c"));
  for (const std::string& bad :
       {std::string(""), std::string(".."), std::string("../x"), std::string("a/../b"),
        std::string("a/.."), std::string("./a"), std::string("a//b"), std::string("/a"),
        std::string("a/"), std::string("a\\..\\b"), std::string("a\0b", 3), std::string("a\nb")}) {
    EXPECT_FALSE(is_plain_relative_path(bad)) << bad;
  }
}

TEST(LoggablePath, DropsQueriesAndRedactsTokens) {
  EXPECT_EQ(loggable_path("/api/tasks/12/answer"), "/api/tasks/12/answer");
  EXPECT_EQ(loggable_path("/s3/bucket/batches/image_0001.jpg"),
            "/s3/bucket/batches/image_0001.jpg");
  EXPECT_EQ(loggable_path("/invite/0123456789abcdef0123456789abcdef"), "/invite/<redacted>");
  EXPECT_EQ(loggable_path("/api/task?token=secret&x=1"), "/api/task");
  EXPECT_EQ(loggable_path("/invite#0123456789abcdef"), "/invite");
  EXPECT_EQ(loggable_path("/"), "/");
}

TEST(ClientAddress, ForwardedOnlyBehindAProxy) {
  EXPECT_EQ(client_address("10.0.0.5", "203.0.113.7", false), "10.0.0.5");
  EXPECT_EQ(client_address("10.0.0.5", "203.0.113.7", true), "203.0.113.7");
  EXPECT_EQ(client_address("10.0.0.5", "1.2.3.4, 203.0.113.7", true), "203.0.113.7");
  EXPECT_EQ(client_address("10.0.0.5", "", true), "10.0.0.5");
}

TEST(RateLimiter, ABurstPerClientThenOneEachRefill) {
  RateLimiter limiter({2, 10s}, {100, 1s});
  const auto start = RateLimiter::Clock::time_point() + 1h;
  EXPECT_TRUE(limiter.allow("a", start));
  EXPECT_TRUE(limiter.allow("a", start));
  EXPECT_FALSE(limiter.allow("a", start));
  EXPECT_TRUE(limiter.allow("b", start)) << "another client has its own bucket";
  EXPECT_FALSE(limiter.allow("a", start + 9s));
  EXPECT_TRUE(limiter.allow("a", start + 10s));
  EXPECT_FALSE(limiter.allow("a", start + 10s));
}

TEST(RateLimiter, AnOverallLimitAcrossClients) {
  RateLimiter limiter({5, 1s}, {3, 10s});
  const auto start = RateLimiter::Clock::time_point() + 1h;
  EXPECT_TRUE(limiter.allow("a", start));
  EXPECT_TRUE(limiter.allow("b", start));
  EXPECT_TRUE(limiter.allow("c", start));
  EXPECT_FALSE(limiter.allow("d", start));
  EXPECT_TRUE(limiter.allow("d", start + 10s));
}

TEST(RateLimiter, KeepsABoundedNumberOfClients) {
  RateLimiter limiter({1, 10s}, {1000, 1s}, 2);
  const auto start = RateLimiter::Clock::time_point() + 1h;
  EXPECT_TRUE(limiter.allow("a", start));
  EXPECT_TRUE(limiter.allow("b", start));
  EXPECT_FALSE(limiter.allow("c", start)) << "full, and no bucket refilled";
  EXPECT_TRUE(limiter.allow("c", start + 10s)) << "a and b refilled and were forgotten";
}

}  // namespace
}  // namespace bulkqa
