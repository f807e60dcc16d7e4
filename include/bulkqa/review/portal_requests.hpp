// The review portal's checks of a request, as pure functions of its fields (the server in
// portal/portal_server applies them): which origins it answers for, whether a request comes from
// another site, the CSRF token of a session, the session cookie, the Content-Security-Policy,
// which object paths are plain, what of a request target may be logged, who the client is, and
// how often one client may try an invite.
#pragma once

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "bulkqa/util/error.hpp"

namespace bulkqa {

// Where browsers reach the portal, as their Origin header spells it.
struct WebOrigin {
  std::string scheme;  // "http" or "https"
  std::string host;    // lower case; an IPv6 literal keeps its brackets
  int port = 0;

  bool operator==(const WebOrigin&) const = default;
};

// Parses "https://review.example.com" or "http://127.0.0.1:8080": a scheme, a host and an
// optional port, nothing else (no path, query, user or fragment). kInvalidOptions naming `option`.
Result<WebOrigin> parse_web_origin(std::string_view text, std::string_view option);
// "https://review.example.com", the port left out when it is the scheme's default.
std::string origin_text(const WebOrigin& origin);
// Whether a Host header names `origin` (case-insensitive; the port may be left out when it is the
// scheme's default, but not left empty after a ':').
bool host_matches(std::string_view host_header, const WebOrigin& origin);

// Whether a browser says the request comes from another site: an Origin header that is none of
// `origins` (including "null"), or Sec-Fetch-Site "cross-site" or "same-site". Absent headers say
// nothing (clients other than browsers): the CSRF token still guards state-changing requests.
bool is_cross_site(std::string_view origin_header, std::string_view sec_fetch_site,
                   std::span<const WebOrigin> origins);

// Compares in time that depends only on the lengths, so that a guess learns nothing from timing.
bool constant_time_equal(std::string_view a, std::string_view b);
// The CSRF token of a session: hex HMAC-SHA-256 keyed with the session id. Derived, not stored,
// so that every portal process sharing a table checks it without a shared secret; it reveals
// nothing of the session id, which is itself a secret of at least 128 random bits.
std::string csrf_token(std::string_view session_id);

// The session cookie's name: "__Host-" prefixed when Secure, so that no subdomain can set it.
std::string session_cookie_name(bool secure);
// The Set-Cookie value of the session cookie: HttpOnly, SameSite=Strict, Path=/, Max-Age, and
// Secure when `secure`. A max_age of 0 with an empty value removes it.
std::string session_cookie(std::string_view value, std::chrono::seconds max_age, bool secure);

// default-src 'none'; the page's own scripts and styles plus those carrying `nonce`; images
// from the portal and `image_origins` only; fetches to the portal only; no framing, no <base>,
// forms posting to the portal only.
std::string content_security_policy(std::string_view nonce,
                                    std::span<const std::string> image_origins);

// Whether a decoded path below a route ("bucket/key", "file") is plain: no empty, "." or ".."
// segment, no backslash, no control character (NUL included).
bool is_plain_relative_path(std::string_view path);

// A request target as it may be logged: the query and fragment dropped, and each path segment
// that could be a secret (16 or more letters, digits, '-' or '_') replaced by "<redacted>".
std::string loggable_path(std::string_view target);

// The client's address: the peer's, or behind a trusted proxy the last address of
// X-Forwarded-For (the one the proxy appended; earlier ones come from the client).
std::string client_address(std::string_view peer_address, std::string_view forwarded_for,
                           bool behind_proxy);

// `burst` attempts at once, then one more each `refill`.
struct RateLimit {
  std::size_t burst = 10;
  std::chrono::steady_clock::duration refill = std::chrono::seconds(6);
};

// Attempts per client and over all clients, with the time passed in (the generic cell rate
// algorithm: one time per client, in whole clock ticks, so no rounding). Not thread-safe. It keeps
// at most `max_clients` clients: when full, it forgets those back at their full burst, and
// refuses new clients while none is (an attacker with many addresses cannot exhaust memory).
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  RateLimiter(RateLimit per_client, RateLimit overall, std::size_t max_clients = 10000);
  // Takes one attempt for `client` at `now`; false when the client or everyone is over the limit.
  bool allow(const std::string& client, Clock::time_point now);

 private:
  // When the bucket is full again if no attempt comes (its "theoretical arrival time").
  using FullAt = Clock::time_point;
  static bool has_room(FullAt full_at, const RateLimit& limit, Clock::time_point now);
  static FullAt take(FullAt full_at, const RateLimit& limit, Clock::time_point now);
  bool make_room(Clock::time_point now);

  RateLimit per_client_;
  RateLimit overall_;
  std::size_t max_clients_;
  FullAt everyone_{};
  std::unordered_map<std::string, FullAt> clients_;
};

}  // namespace bulkqa
