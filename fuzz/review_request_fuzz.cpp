// The review server's request header fields: the worker cookie and the Host check that keeps
// other sites (DNS rebinding) away. The input is a request's header lines ("Name: value"). A
// cookie value never runs past its ';', a cookie added after the others is found, and only this
// machine's loopback names at the server's port pass the Host check.
#include <array>
#include <string>
#include <string_view>

#include "bulkqa/review/http_fields.hpp"
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
    } else {
      check_cookie(value);
    }
  }
  return 0;
}
