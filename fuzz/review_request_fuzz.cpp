// The review portal's checks of a request's fields (review/http_fields, review/portal_requests).
// The input is a request's header lines ("Name: value"); other lines are paths and targets. A
// cookie value never runs past its ';', a cookie added after the others is found, only this
// machine's loopback names at the server's port pass the loopback Host check, a Host matching a
// configured origin names it, an origin the portal accepts reads back as itself, a plain path
// never climbs or hides a separator, and a logged target carries no query and no secret-like
// segment.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "bulkqa/review/http_fields.hpp"
#include "bulkqa/review/portal_requests.hpp"
#include "bulkqa/util/text.hpp"
#include "fuzz_input.hpp"

namespace {

using bulkqa::fuzz::require;

constexpr std::string_view kWorkerCookie = "bulkqa-worker";
constexpr std::string_view kWorker = "private.local.0123456789abcdef";

void check_cookie(std::string_view header) {
  const auto value = bulkqa::cookie_value(header, kWorkerCookie);
  require(!value || value->find(';') == std::string::npos, "a cookie value ends at ';'");
  if (value) return;
  const std::string added =
      std::string(header) + "; " + std::string(kWorkerCookie) + "=" + std::string(kWorker);
  require(bulkqa::cookie_value(added, kWorkerCookie) == kWorker,
          "a cookie added after the others is found");
}

bool names_loopback(std::string_view host, int port) {
  constexpr std::array<std::string_view, 3> kNames{"127.0.0.1", "localhost", "[::1]"};
  for (const std::string_view name : kNames) {
    if (host == std::string(name) + ":" + std::to_string(port)) return true;
    if (port == 80 && host == name) return true;
  }
  return false;
}

void check_host(std::string_view host) {
  for (const int port : {80, 8080, 0, 65535}) {
    if (bulkqa::is_loopback_host(host, port)) {
      require(names_loopback(host, port), "only loopback names at the port pass the Host check");
    }
  }
}

void check_origin_host(std::string_view host) {
  static const auto origin = bulkqa::parse_web_origin("https://review.example.com", "origin");
  if (!bulkqa::host_matches(host, *origin)) return;
  require(bulkqa::equals_ignoring_ascii_case(host, "review.example.com") ||
              bulkqa::equals_ignoring_ascii_case(host, "review.example.com:443"),
          "only the origin's host (and default port) matches it");
}

void check_origin(std::string_view text) {
  auto origin = bulkqa::parse_web_origin(text, "--public-origin");
  if (!origin) return;
  require(origin->scheme == "http" || origin->scheme == "https", "an origin is http or https");
  auto again = bulkqa::parse_web_origin(bulkqa::origin_text(*origin), "--public-origin");
  require(again && *again == *origin, "an accepted origin reads back as itself");
}

void check_path(std::string_view path) {
  if (bulkqa::is_plain_relative_path(path)) {
    require(path.find('\\') == std::string_view::npos && path.find('\0') == std::string_view::npos,
            "a plain path holds no backslash or NUL");
    const std::string framed = "/" + std::string(path) + "/";
    require(framed.find("/../") == std::string::npos && framed.find("/./") == std::string::npos &&
                framed.find("//") == std::string::npos,
            "a plain path has no empty, '.' or '..' segment");
  }
  const std::string logged = bulkqa::loggable_path(path);
  require(logged.find('?') == std::string::npos && logged.find('#') == std::string::npos,
          "a logged target has no query or fragment");
  std::string_view rest = logged;
  while (true) {
    const std::size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    const bool token_like =
        segment.size() >= 16 && std::all_of(segment.begin(), segment.end(), [](char c) {
          return bulkqa::is_ascii_alphanumeric(c) || c == '-' || c == '_';
        });
    require(!token_like, "a logged target holds no segment that could be a secret");
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = bulkqa::fuzz::as_text(data, size);
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    const std::size_t colon = line.find(':');
    const std::string_view name = line.substr(0, colon);
    const std::string_view value =
        colon == std::string_view::npos ? line : bulkqa::trim_blanks(line.substr(colon + 1));
    if (bulkqa::equals_ignoring_ascii_case(name, "Host")) {
      check_host(value);
      check_origin_host(value);
    } else if (bulkqa::equals_ignoring_ascii_case(name, "Origin")) {
      check_origin(value);
    } else if (colon == std::string_view::npos) {
      check_path(line);
    } else {
      check_cookie(value);
    }
  }
  return 0;
}
