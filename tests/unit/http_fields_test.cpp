#include "bulkqa/review/http_fields.hpp"

#include <gtest/gtest.h>

namespace bulkqa {
namespace {

TEST(CookieValue, FindsTheNamedCookie) {
  EXPECT_EQ(cookie_value("bulkqa-worker=private.local.0a1b", "bulkqa-worker"),
            "private.local.0a1b");
  EXPECT_EQ(cookie_value("theme=dark; bulkqa-worker=w1; x=y", "bulkqa-worker"), "w1");
  EXPECT_EQ(cookie_value("a=1;b=2", "b"), "2");
  EXPECT_EQ(cookie_value("a=", "a"), "");
}

TEST(CookieValue, AbsentOrOnlyAsPartOfAnotherName) {
  EXPECT_EQ(cookie_value("", "a"), std::nullopt);
  EXPECT_EQ(cookie_value("old-bulkqa-worker=w1; bulkqa-workers=w2", "bulkqa-worker"), std::nullopt);
  EXPECT_EQ(cookie_value("bulkqa-worker", "bulkqa-worker"), std::nullopt);
}

TEST(LoopbackHost, TheLoopbackNamesAtThePort) {
  EXPECT_TRUE(is_loopback_host("127.0.0.1:8080", 8080));
  EXPECT_TRUE(is_loopback_host("localhost:8080", 8080));
  EXPECT_TRUE(is_loopback_host("[::1]:8080", 8080));
  EXPECT_TRUE(is_loopback_host("localhost", 80));
  EXPECT_TRUE(is_loopback_host("127.0.0.1:80", 80));
}

TEST(LoopbackHost, AnyOtherHostOrPortIsRefused) {
  EXPECT_FALSE(is_loopback_host("127.0.0.1:8081", 8080));
  EXPECT_FALSE(is_loopback_host("127.0.0.1", 8080));
  EXPECT_FALSE(is_loopback_host("evil.example:8080", 8080));
  EXPECT_FALSE(is_loopback_host("localhost.evil.example:8080", 8080));
  EXPECT_FALSE(is_loopback_host("127.0.0.1:8080:8080", 8080));
  EXPECT_FALSE(is_loopback_host("", 8080));
  EXPECT_FALSE(is_loopback_host("evil.example", 80));
}

}  // namespace
}  // namespace bulkqa
