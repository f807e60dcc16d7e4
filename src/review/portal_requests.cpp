#include "bulkqa/review/portal_requests.hpp"

#include <algorithm>
#include <array>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "bulkqa/util/text.hpp"

namespace bulkqa {
namespace {

constexpr int kHttpPort = 80;
constexpr int kHttpsPort = 443;
constexpr int kMaxPort = 65535;

int default_port(std::string_view scheme) {
  return scheme == "https" ? kHttpsPort : kHttpPort;
}

bool is_host_name(std::string_view host) {
  if (host.empty()) return false;
  if (host.front() == '[') {
    return host.size() > 2 && host.back() == ']' &&
           host.substr(1, host.size() - 2).find_first_not_of("0123456789abcdefABCDEF:.") ==
               std::string_view::npos;
  }
  return std::all_of(host.begin(), host.end(),
                     [](char c) { return is_ascii_alphanumeric(c) || c == '.' || c == '-'; });
}

struct HostAndPort {
  std::string_view host;
  std::string_view port;  // empty when left out
};

// Splits "host:port"; the ':' of an IPv6 literal's brackets is not the port's.
HostAndPort split_host_port(std::string_view authority) {
  const std::size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos || authority.find(']', colon) != std::string_view::npos) {
    return {authority, {}};
  }
  return {authority.substr(0, colon), authority.substr(colon + 1)};
}

bool is_secret_like(std::string_view segment) {
  constexpr std::size_t kMinSecretLength = 16;
  return segment.size() >= kMinSecretLength &&
         std::all_of(segment.begin(), segment.end(),
                     [](char c) { return is_ascii_alphanumeric(c) || c == '-' || c == '_'; });
}

}  // namespace

Result<WebOrigin> parse_web_origin(std::string_view text, std::string_view option) {
  const auto invalid = [&](std::string_view why) {
    return make_error(errc::kInvalidOptions,
                      std::string(option) + " \"" + std::string(text) + "\": " + std::string(why));
  };
  const std::size_t separator = text.find("://");
  if (separator == std::string_view::npos) return invalid("expected scheme://host[:port]");
  const std::string scheme = to_ascii_lower(text.substr(0, separator));
  if (scheme != "http" && scheme != "https") return invalid("the scheme must be http or https");
  const HostAndPort parts = split_host_port(text.substr(separator + 3));
  if (!is_host_name(parts.host)) {
    return invalid("expected a host name and nothing after it but a port (no path, no user)");
  }
  int port = default_port(scheme);
  if (!parts.port.empty()) {
    const auto number = parse_unsigned(parts.port);
    if (!number || *number == 0 || *number > kMaxPort) return invalid("the port must be 1-65535");
    port = static_cast<int>(*number);
  }
  return WebOrigin{scheme, to_ascii_lower(parts.host), port};
}

std::string origin_text(const WebOrigin& origin) {
  std::string text = origin.scheme + "://" + origin.host;
  if (origin.port != default_port(origin.scheme)) {
    // Appended apart: GCC 12 at -O3 misreads ":" + to_string(...) as overlapping (-Wrestrict).
    text += ':';
    text += std::to_string(origin.port);
  }
  return text;
}

bool host_matches(std::string_view host_header, const WebOrigin& origin) {
  // "host:" with an empty port is valid URI syntax, but no browser sends it: refuse the oddity.
  if (host_header.ends_with(':')) return false;
  const HostAndPort parts = split_host_port(host_header);
  const std::string port =
      parts.port.empty() ? std::to_string(default_port(origin.scheme)) : std::string(parts.port);
  return equals_ignoring_ascii_case(parts.host, origin.host) && port == std::to_string(origin.port);
}

bool is_cross_site(std::string_view origin_header, std::string_view sec_fetch_site,
                   std::span<const WebOrigin> origins) {
  if (sec_fetch_site == "cross-site" || sec_fetch_site == "same-site") return true;
  if (origin_header.empty()) return false;
  return std::none_of(origins.begin(), origins.end(), [&](const WebOrigin& origin) {
    return equals_ignoring_ascii_case(origin_header, origin_text(origin));
  });
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return difference == 0;
}

std::string csrf_token(std::string_view session_id) {
  constexpr std::string_view kPurpose = "bulkqa portal CSRF token";
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), session_id.data(), static_cast<int>(session_id.size()),
       reinterpret_cast<const unsigned char*>(kPurpose.data()), kPurpose.size(), digest.data(),
       &length);
  constexpr std::string_view kHexDigits = "0123456789abcdef";
  std::string token;
  for (unsigned int i = 0; i < length; ++i) {
    token += kHexDigits[digest[i] >> 4];
    token += kHexDigits[digest[i] & 0x0f];
  }
  return token;
}

std::string session_cookie_name(bool secure) {
  return secure ? "__Host-bulkqa-session" : "bulkqa-session";
}

std::string session_cookie(std::string_view value, std::chrono::seconds max_age, bool secure) {
  std::string cookie = session_cookie_name(secure) + "=" + std::string(value) +
                       "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                       std::to_string(std::max<std::int64_t>(max_age.count(), 0));
  if (secure) cookie += "; Secure";
  return cookie;
}

std::string content_security_policy(std::string_view nonce,
                                    std::span<const std::string> image_origins) {
  const std::string nonce_source = "'nonce-" + std::string(nonce) + "'";
  std::string images = "'self'";
  for (const std::string& origin : image_origins) images += " " + origin;
  return "default-src 'none'; script-src 'self' " + nonce_source + "; style-src 'self' " +
         nonce_source + "; img-src " + images +
         "; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
}

bool is_plain_relative_path(std::string_view path) {
  if (path.empty() || contains_ascii_control(path) || path.find('\\') != std::string_view::npos) {
    return false;
  }
  while (true) {
    const std::size_t slash = path.find('/');
    const std::string_view segment = path.substr(0, slash);
    if (segment.empty() || segment == "." || segment == "..") return false;
    if (slash == std::string_view::npos) return true;
    path.remove_prefix(slash + 1);
  }
}

std::string loggable_path(std::string_view target) {
  target = target.substr(0, target.find_first_of("?#"));
  std::string path;
  while (true) {
    const std::size_t slash = target.find('/');
    const std::string_view segment = target.substr(0, slash);
    path += is_secret_like(segment) ? "<redacted>" : std::string(segment);
    if (slash == std::string_view::npos) return path;
    path += '/';
    target.remove_prefix(slash + 1);
  }
}

std::string client_address(std::string_view peer_address, std::string_view forwarded_for,
                           bool behind_proxy) {
  if (!behind_proxy || is_blank(forwarded_for)) return std::string(peer_address);
  const std::size_t comma = forwarded_for.rfind(',');
  return std::string(trim_blanks(
      comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1)));
}

RateLimiter::RateLimiter(RateLimit per_client, RateLimit overall, std::size_t max_clients)
    : per_client_(per_client), overall_(overall), max_clients_(max_clients) {}

bool RateLimiter::has_room(FullAt full_at, const RateLimit& limit, Clock::time_point now) {
  if (limit.burst == 0) return false;
  const auto owed = std::max(full_at, now) - now;
  return owed <= limit.refill * static_cast<Clock::rep>(limit.burst - 1);
}

RateLimiter::FullAt RateLimiter::take(FullAt full_at, const RateLimit& limit,
                                      Clock::time_point now) {
  return std::max(full_at, now) + limit.refill;
}

bool RateLimiter::make_room(Clock::time_point now) {
  if (clients_.size() < max_clients_) return true;
  std::erase_if(clients_, [&](const auto& entry) { return entry.second <= now; });
  return clients_.size() < max_clients_;
}

bool RateLimiter::allow(const std::string& client, Clock::time_point now) {
  auto found = clients_.find(client);
  const FullAt own = found == clients_.end() ? now : found->second;
  if (!has_room(own, per_client_, now) || !has_room(everyone_, overall_, now)) return false;
  if (found == clients_.end()) {
    if (!make_room(now)) return false;
    found = clients_.emplace(client, now).first;
  }
  found->second = take(own, per_client_, now);
  everyone_ = take(everyone_, overall_, now);
  return true;
}

}  // namespace bulkqa
