#include "bulkqa/portal/portal_server.hpp"

#include <array>

#include <httplib.h>
#include <openssl/rand.h>

#include "bulkqa/aws/service_codes.hpp"
#include "bulkqa/local/http_server_thread.hpp"
#include "bulkqa/review/http_fields.hpp"
#include "bulkqa/review/media_type.hpp"
#include "bulkqa/util/json_fields.hpp"
#include "bulkqa/util/log.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa::portal {
namespace {

// Where the review page asks for its CSP nonce: web/review.html's module script.
constexpr std::string_view kNoncePlaceholder = "__CSP_NONCE__";
constexpr std::string_view kCsrfHeader = "X-CSRF-Token";
constexpr auto kReadTimeout = std::chrono::seconds(10);
// More header lines than any browser sends: the memory one request may take stays bounded.
constexpr std::size_t kMaxHeaderCount = 100;

constexpr std::string_view kSignInNotice = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bulkqa review: sign in</title>
<link rel="stylesheet" href="/assets/review.css"></head>
<body><main class="serve-message">You are not signed in. Open the invite link you were given
(it works once); ask whoever runs the review for a new one if it has expired.</main></body></html>
)";

void answer_json(httplib::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  // A message may quote what the client sent, which need not be UTF-8.
  response.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                       "application/json");
}

void answer_error(httplib::Response& response, int status, std::string_view code,
                  std::string message) {
  answer_json(response, status, {{"error", code}, {"message", std::move(message)}});
}

int status_of(const Error& error) {
  if (error.code == errc::kUnknownTask || error.code == errc::kNotATaskImage ||
      error.code == errc::kNotFound || error.code == aws::service_code::kNoSuchKey) {
    return 404;
  }
  if (error.code == errc::kInvalidAnnotation || error.code == errc::kIncompleteAnswer ||
      error.code == errc::kInvalidRequest) {
    return 400;
  }
  if (error.code == errc::kAlreadyAnswered || error.code == errc::kTaskComplete ||
      error.code == errc::kReviewEnded || error.code == errc::kLeaseLost) {
    return 409;
  }
  if (error.code == errc::kNoSession) return 401;
  if (error.code == errc::kInvalidInvite || error.code == errc::kForbidden ||
      error.code == errc::kCsrfMismatch) {
    return 403;
  }
  return 500;
}

void answer_error(httplib::Response& response, const Error& error) {
  const int status = status_of(error);
  if (status == 500) {
    // An AWS or internal failure: its details are for the log, not for the reviewer.
    log::error("portal request failed", {{"error", error.describe()}});
    answer_error(response, 500, errc::kInternalError,
                 "the portal could not do this now; try again");
    return;
  }
  answer_error(response, status, error.code, error.message);
}

nlohmann::json counts_json(const TaskCounts& counts) {
  return {{"complete", counts.complete}, {"total", counts.total}};
}

// 128 random bits, hex: a fresh Content-Security-Policy nonce for each page.
std::string new_nonce() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("the random generator failed");
  }
  constexpr std::string_view kHexDigits = "0123456789abcdef";
  std::string nonce;
  for (const unsigned char byte : bytes) {
    nonce += kHexDigits[byte >> 4];
    nonce += kHexDigits[byte & 0x0f];
  }
  return nonce;
}

bool is_json(const httplib::Request& request) {
  return request.get_header_value("Content-Type").starts_with("application/json");
}

// Answers with the page asset at `path`; false when there is none.
bool serve_asset(const local::WebAssets& assets, const std::string& path,
                 httplib::Response& response) {
  const auto found = assets.find(path);
  if (found == assets.end()) return false;
  response.set_content(found->second.body.data(), found->second.body.size(),
                       std::string(found->second.media_type));
  return true;
}

}  // namespace

Status check_server_options(const PortalServerOptions& options) {
  const bool tls = !options.tls_certificate.empty() || !options.tls_key.empty();
  if (tls && (options.tls_certificate.empty() || options.tls_key.empty())) {
    return make_error(errc::kInvalidOptions, "--tls-cert and --tls-key go together");
  }
  if (tls && options.behind_proxy) {
    return make_error(errc::kInvalidOptions, "--behind-proxy and --tls-cert exclude each other");
  }
  if (options.assets == nullptr) {
    return make_error(errc::kInvalidOptions, "the portal has no page assets");
  }
  const bool loopback = is_loopback_address(options.bind_address);
  if (!loopback && !tls && !options.behind_proxy) {
    return make_error(errc::kInvalidOptions,
                      "--bind " + options.bind_address +
                          " is beyond the loopback: serve it with --tls-cert and --tls-key, or "
                          "behind a TLS proxy with --behind-proxy");
  }
  if ((!loopback || options.behind_proxy) && options.public_origin.empty()) {
    return make_error(errc::kInvalidOptions,
                      "--public-origin is needed (the https://host browsers reach the portal "
                      "at) with --bind " +
                          options.bind_address + (options.behind_proxy ? " --behind-proxy" : ""));
  }
  return {};
}

namespace {

std::unique_ptr<httplib::Server> make_server(const PortalServerOptions& options) {
  if (options.tls_certificate.empty()) return std::make_unique<httplib::Server>();
  return std::make_unique<httplib::SSLServer>(options.tls_certificate.c_str(),
                                              options.tls_key.c_str());
}

}  // namespace

std::string invite_url(std::string_view origin, std::string_view token) {
  while (!origin.empty() && origin.back() == '/') origin.remove_suffix(1);
  return std::string(origin) + "/invite#" + std::string(token);
}

Result<std::unique_ptr<PortalServer>> PortalServer::start(PortalBackend& backend,
                                                          PortalServerOptions options) {
  if (auto checked = check_server_options(options); !checked) return checked.error();
  std::unique_ptr<PortalServer> server(new PortalServer(backend, std::move(options)));
  const PortalServerOptions& own = server->options_;
  if (!own.public_origin.empty()) {
    auto origin = parse_web_origin(own.public_origin, "--public-origin");
    if (!origin) return origin.error();
    server->origins_ = {std::move(*origin)};
  }
  if (!server->server_->is_valid()) {
    return make_error(errc::kInvalidOptions,
                      "cannot serve TLS with --tls-cert " + own.tls_certificate.string() +
                          " and --tls-key " + own.tls_key.string() +
                          " (are they readable PEM files of a certificate and its key?)");
  }
  server->check_requests();
  server->route();
  auto serving = local::HttpServerThread::start(*server->server_, own.bind_address, own.port);
  if (!serving) return serving.error();
  server->serving_ = std::move(*serving);
  return server;
}

PortalServer::PortalServer(PortalBackend& backend, PortalServerOptions options)
    : backend_(backend),
      options_(std::move(options)),
      invite_limiter_(options_.invite_per_client, options_.invite_overall),
      server_(make_server(options_)) {}

PortalServer::~PortalServer() = default;

int PortalServer::port() const {
  return serving_->port();
}

std::string PortalServer::url() const {
  return origin_text(answered_origins(port()).front()) + "/";
}

std::vector<WebOrigin> PortalServer::answered_origins(int port) const {
  if (!origins_.empty()) return origins_;
  const std::string scheme = options_.tls_certificate.empty() ? "http" : "https";
  return {{scheme, "127.0.0.1", port}, {scheme, "localhost", port}, {scheme, "[::1]", port}};
}

bool PortalServer::secure_cookie() const {
  return !options_.tls_certificate.empty() ||
         (options_.behind_proxy && origins_.front().scheme == "https");
}

// Refuses, before any handler runs or any body is read, requests for another Host and bodies
// over the limit; adds the headers every response carries; logs each request, redacted.
void PortalServer::check_requests() {
  // No exception text ever reaches a client (cpp-httplib would put it in a header).
  server_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
        log::error("portal request failed", {{"error", "an exception"}});
        answer_error(response, 500, errc::kInternalError, "the portal could not do this now");
      });
  server_->set_payload_max_length(options_.max_body_bytes);
  server_->set_read_timeout(kReadTimeout);
  server_->set_pre_routing_handler([this](const httplib::Request& request,
                                          httplib::Response& response) {
    const std::vector<WebOrigin> origins = answered_origins(request.local_port);
    const std::string host = request.get_header_value("Host");
    if (std::none_of(origins.begin(), origins.end(),
                     [&](const WebOrigin& origin) { return host_matches(host, origin); })) {
      answer_error(response, 421, errc::kForbiddenHost,
                   "this server answers only requests for " + origin_text(origins.front()));
    } else if (request.get_header_value_count("Host") > 1) {
      answer_error(response, 400, errc::kInvalidRequest, "a request has one Host header");
    } else if (request.headers.size() > kMaxHeaderCount) {
      answer_error(response, 431, errc::kInvalidRequest,
                   "a request may carry at most " + std::to_string(kMaxHeaderCount) + " headers");
    } else if (request.has_header("Transfer-Encoding")) {
      answer_error(response, 411, errc::kBodyTooLarge, "send a request body with Content-Length");
    } else if (request.get_header_value<std::uint64_t>("Content-Length") >
               options_.max_body_bytes) {
      answer_error(
          response, 413, errc::kBodyTooLarge,
          "a request body may hold at most " + std::to_string(options_.max_body_bytes) + " bytes");
    } else {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    // The body stays unread: the connection cannot carry another request.
    response.set_header("Connection", "close");
    return httplib::Server::HandlerResponse::Handled;
  });
  server_->set_post_routing_handler([this](const httplib::Request&, httplib::Response& response) {
    if (!response.has_header("Content-Security-Policy")) {
      response.set_header("Content-Security-Policy", content_security_policy(new_nonce(), {}));
    }
    if (!response.has_header("Cache-Control")) response.set_header("Cache-Control", "no-store");
    response.set_header("X-Content-Type-Options", "nosniff");
    response.set_header("Referrer-Policy", "no-referrer");
    if (secure_cookie()) response.set_header("Strict-Transport-Security", "max-age=31536000");
  });
  server_->set_logger([this](const httplib::Request& request, const httplib::Response& response) {
    log::info("request", {{"method", request.method},
                          {"path", loggable_path(request.target)},
                          {"status", response.status},
                          {"client", client_address(request.remote_addr,
                                                    request.get_header_value("X-Forwarded-For"),
                                                    options_.behind_proxy)}});
  });
}

void PortalServer::route() {
  enum Method { kGet, kPost };
  enum Access { kAnyone, kReviewer, kAdmin };
  using Handler =
      void (PortalServer::*)(const httplib::Request&, httplib::Response&, const Caller*);
  struct Route {
    Method method;
    Access access;
    const char* pattern;
    Handler handler;
  };
  static constexpr Route kRoutes[] = {
      {kGet, kAnyone, "/", &PortalServer::get_page},
      {kGet, kAnyone, "/invite", &PortalServer::get_invite_page},
      {kPost, kAnyone, "/api/invite", &PortalServer::post_invite},
      {kPost, kReviewer, "/api/logout", &PortalServer::post_logout},
      {kGet, kReviewer, "/api/me", &PortalServer::get_me},
      {kGet, kReviewer, "/api/task", &PortalServer::get_task},
      {kPost, kReviewer, R"(/api/tasks/(\d+)/answer)", &PortalServer::post_answer},
      {kGet, kReviewer, R"(/s3/([^/]+)/(.+))", &PortalServer::get_image},
      {kGet, kReviewer, "/template", &PortalServer::get_template},
      {kGet, kAnyone, "/assets/(.+)", &PortalServer::get_asset},
      {kGet, kAdmin, "/admin", &PortalServer::get_admin_page},
      {kGet, kAdmin, "/api/progress", &PortalServer::get_progress},
      {kGet, kAdmin, "/report", &PortalServer::get_report},
  };
  for (const Route& route : kRoutes) {
    auto handle = [this, route](const httplib::Request& request, httplib::Response& response) {
      const bool changes_state = route.method == kPost;
      // Another site may link to the page, but not use a session or change anything.
      if ((changes_state || route.access != kAnyone) &&
          is_cross_site(request.get_header_value("Origin"),
                        request.get_header_value("Sec-Fetch-Site"),
                        answered_origins(request.local_port))) {
        answer_error(response, 403, errc::kForbidden, "a request from another site");
        return;
      }
      std::optional<Caller> caller;
      if (route.access != kAnyone) {
        caller = caller_of(request);
        if (!caller) {
          answer_error(response, 401, errc::kNoSession, "sign in with your invite link first");
          return;
        }
        if (route.access == kAdmin && !caller->owner.admin) {
          answer_error(response, 403, errc::kForbidden, "for admins only");
          return;
        }
        if (changes_state && !constant_time_equal(request.get_header_value(kCsrfHeader.data()),
                                                  csrf_token(caller->session_id))) {
          answer_error(response, 403, errc::kCsrfMismatch,
                       "missing or wrong " + std::string(kCsrfHeader) + " header");
          return;
        }
      }
      (this->*route.handler)(request, response, caller ? &*caller : nullptr);
    };
    if (route.method == kGet) {
      server_->Get(route.pattern, std::move(handle));
    } else {
      server_->Post(route.pattern, std::move(handle));
    }
  }
}

std::optional<PortalServer::Caller> PortalServer::caller_of(const httplib::Request& request) {
  auto session_id =
      cookie_value(request.get_header_value("Cookie"), session_cookie_name(secure_cookie()));
  if (!session_id || session_id->empty()) return std::nullopt;
  auto owner = backend_.check_session(*session_id);
  if (!owner) return std::nullopt;
  return Caller{std::move(*session_id), std::move(*owner)};
}

bool PortalServer::allowed_invite_attempt(const httplib::Request& request) {
  const std::string client = client_address(
      request.remote_addr, request.get_header_value("X-Forwarded-For"), options_.behind_proxy);
  const std::lock_guard lock(limiter_mutex_);
  return invite_limiter_.allow(client, RateLimiter::Clock::now());
}

void PortalServer::get_page(const httplib::Request& request, httplib::Response& response,
                            const Caller*) {
  const std::string nonce = new_nonce();
  response.set_header("Content-Security-Policy",
                      content_security_policy(nonce, options_.image_origins));
  const auto page = options_.assets->find("/");
  if (!caller_of(request) || page == options_.assets->end()) {
    response.set_content(std::string(kSignInNotice), "text/html; charset=utf-8");
    return;
  }
  std::string html(page->second.body);
  if (const std::size_t at = html.find(kNoncePlaceholder); at != std::string::npos) {
    html.replace(at, kNoncePlaceholder.size(), nonce);
  }
  response.set_content(std::move(html), std::string(page->second.media_type));
}

void PortalServer::get_invite_page(const httplib::Request&, httplib::Response& response,
                                   const Caller*) {
  if (!serve_asset(*options_.assets, "/invite", response)) {
    answer_error(response, 404, errc::kNotFound, "no invite page in this build");
  }
}

void PortalServer::post_invite(const httplib::Request& request, httplib::Response& response,
                               const Caller*) {
  if (!allowed_invite_attempt(request)) {
    const auto refill = std::chrono::ceil<std::chrono::seconds>(options_.invite_per_client.refill);
    response.set_header("Retry-After", std::to_string(refill.count()));
    answer_error(response, 429, errc::kRateLimited, "too many invite attempts: try again later");
    return;
  }
  if (!is_json(request)) {
    answer_error(response, 415, errc::kUnsupportedMediaType, "send the invite as JSON");
    return;
  }
  auto body = parse_json(request.body, "the invite", errc::kInvalidRequest);
  const nlohmann::json* token = body && body->is_object() ? &(*body)["token"] : nullptr;
  if (token == nullptr || !token->is_string()) {
    answer_error(response, 400, errc::kInvalidRequest, "expected {\"token\": \"...\"}");
    return;
  }
  auto session = backend_.redeem_invite(token->get<std::string>());
  if (!session) {
    answer_error(response, session.error());
    return;
  }
  const auto lifetime =
      std::chrono::duration_cast<std::chrono::seconds>(session->expires - SystemClock::now());
  response.set_header("Set-Cookie", session_cookie(session->session_id, lifetime, secure_cookie()));
  answer_json(response, 200, {{"reviewer", session->reviewer}, {"redirect", "/"}});
}

void PortalServer::post_logout(const httplib::Request&, httplib::Response& response,
                               const Caller* caller) {
  if (auto ended = backend_.end_session(caller->session_id); !ended) {
    answer_error(response, ended.error());
    return;
  }
  response.set_header("Set-Cookie", session_cookie("", std::chrono::seconds(0), secure_cookie()));
  answer_json(response, 200, {{"signed_out", true}});
}

void PortalServer::get_me(const httplib::Request&, httplib::Response& response,
                          const Caller* caller) {
  answer_json(response, 200,
              {{"reviewer", caller->owner.reviewer},
               {"admin", caller->owner.admin},
               {"csrf", csrf_token(caller->session_id)}});
}

void PortalServer::get_task(const httplib::Request&, httplib::Response& response,
                            const Caller* caller) {
  auto next = backend_.next_task(caller->owner.reviewer);
  if (!next) {
    answer_error(response, next.error());
    return;
  }
  nlohmann::json task = nullptr;
  if (next->task) {
    task = {{"id", next->task->index},
            {"input", next->task->input},
            {"image_urls", next->task->image_urls}};
  }
  answer_json(response, 200,
              {{"worker", caller->owner.reviewer},
               {"progress", counts_json(next->counts)},
               {"task", std::move(task)}});
}

void PortalServer::post_answer(const httplib::Request& request, httplib::Response& response,
                               const Caller* caller) {
  if (!is_json(request)) {
    answer_error(response, 415, errc::kUnsupportedMediaType, "the answer must be sent as JSON");
    return;
  }
  const auto task = parse_unsigned(request.matches[1].str());
  if (!task) {
    answer_error(response, 404, errc::kUnknownTask, "no task " + request.matches[1].str());
    return;
  }
  auto outcome =
      backend_.submit(static_cast<std::size_t>(*task), caller->owner.reviewer, request.body);
  if (!outcome) {
    answer_error(response, outcome.error());
    return;
  }
  answer_json(
      response, 200,
      {{"completed_task", outcome->task_complete}, {"progress", counts_json(outcome->counts)}});
}

void PortalServer::get_image(const httplib::Request& request, httplib::Response& response,
                             const Caller* caller) {
  S3Uri uri{request.matches[1].str(), request.matches[2].str()};
  if (!is_plain_relative_path(uri.bucket) || !is_plain_relative_path(uri.key)) {
    answer_error(response, 404, errc::kNotATaskImage, "not an image of your task");
    return;
  }
  auto image = backend_.image(caller->owner.reviewer, uri);
  if (!image) {
    answer_error(response, image.error());
    return;
  }
  const std::string_view media_type = image_media_type(*image);
  // Not kept once the task is answered, the session ended or the reviewer revoked.
  response.set_header("Cache-Control", "no-store");
  response.set_content(std::move(*image), std::string(media_type));
}

void PortalServer::get_template(const httplib::Request&, httplib::Response& response,
                                const Caller*) {
  response.set_header("Cache-Control", "no-cache");
  response.set_content(options_.template_text, "text/plain; charset=utf-8");
}

void PortalServer::get_asset(const httplib::Request& request, httplib::Response& response,
                             const Caller*) {
  const std::string file = request.matches[1].str();
  if (!is_plain_relative_path(file) ||
      !serve_asset(*options_.assets, "/assets/" + file, response)) {
    answer_error(response, 404, errc::kNotFound, "not a page asset");
    return;
  }
  response.set_header("Cache-Control", "no-cache");
}

void PortalServer::get_admin_page(const httplib::Request&, httplib::Response& response,
                                  const Caller*) {
  if (!serve_asset(*options_.assets, "/admin", response)) {
    answer_error(response, 404, errc::kNotFound, "no admin page in this build");
  }
}

void PortalServer::get_report(const httplib::Request&, httplib::Response& response, const Caller*) {
  auto html = backend_.report_html();
  if (!html) {
    answer_error(response, html.error());
    return;
  }
  // The report is one self-contained page with an inline style sheet and no script at all.
  response.set_header("Content-Security-Policy",
                      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                      "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  response.set_content(*html, "text/html; charset=utf-8");
}

void PortalServer::get_progress(const httplib::Request&, httplib::Response& response,
                                const Caller*) {
  auto progress = backend_.progress();
  if (!progress) {
    answer_error(response, progress.error());
    return;
  }
  answer_json(response, 200, *progress);
}

}  // namespace bulkqa::portal
