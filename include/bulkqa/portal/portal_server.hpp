// The review portal's HTTP server: it checks each request (review/portal_requests) and turns it
// into calls of a PortalBackend, passing the session's reviewer, never one the client names.
//
//   GET  /                        the review page; without a session, a sign-in notice
//   GET  /invite                  the invite page: it posts the token of its URL's fragment
//   POST /api/invite              {"token"}: a session cookie; {"redirect": "/"}
//   POST /api/logout              ends the session
//   GET  /api/me                  {"reviewer", "admin", "csrf"}
//   GET  /api/task                {"worker", "progress": {"complete", "total"},
//                                  "task": {"id", "input", "image_urls"} or null}
//   POST /api/tasks/<id>/answer   the answer, as JSON; {"completed_task", "progress"}
//   GET  /s3/<bucket>/<key>       an image of a task the reviewer holds (the local moto stack)
//   GET  /template                the worker template's text
//   GET  /assets/<file>           the page's scripts and style
//   GET  /admin                   the progress page (admins)
//   GET  /api/progress            the backend's progress JSON (admins)
//   GET  /report                  the votes' analysis, as bulkqa report's HTML (admins)
//
// Invites travel in the URL's fragment (<origin>/invite#<token>), which browsers never send:
// the token stays out of proxy and server logs, history sync and Referer headers; the page posts
// it once. Without a session only the sign-in notice, the invite page and its redemption, and
// the assets answer (APIs: 401). Every POST needs the session's CSRF token in X-CSRF-Token
// (the invite's, which has no session yet, needs JSON and a same-site origin). Requests from
// other sites, for another Host, or with bodies over the limit are refused before any handler
// runs; invite redemption is rate-limited per client and overall. Errors answer
// {"error": code, "message"}. Requests are logged without query strings, cookies, bodies, and
// with every path segment that could be a token redacted.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bulkqa/local/web_assets.hpp"
#include "bulkqa/portal/portal_backend.hpp"
#include "bulkqa/review/portal_requests.hpp"
#include "bulkqa/util/error.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace bulkqa::local {
class HttpServerThread;
}

namespace bulkqa::portal {

struct PortalServerOptions {
  std::string bind_address = "127.0.0.1";
  int port = 0;  // 0: a free port
  // Where browsers reach the portal ("https://review.example.com"): the only Host and Origin it
  // answers. Required beyond the loopback; on the loopback it defaults to the loopback names at
  // the port bound.
  std::string public_origin;
  // --tls-cert and --tls-key (PEM): both or neither.
  std::filesystem::path tls_certificate;
  std::filesystem::path tls_key;
  // A TLS proxy in front: only then X-Forwarded-For names the client. The cookie is Secure when
  // public_origin is https.
  bool behind_proxy = false;
  // Where task images come from besides the portal ("https://bucket.s3.eu-west-1.amazonaws.com"):
  // the Content-Security-Policy's img-src.
  std::vector<std::string> image_origins;
  std::string template_text;
  const local::WebAssets* assets = nullptr;  // must outlive the server
  std::size_t max_body_bytes = std::size_t{1} << 20;
  RateLimit invite_per_client{10, std::chrono::seconds(6)};
  RateLimit invite_overall{100, std::chrono::milliseconds(100)};
};

// The URL an invite is redeemed at: "<origin>/invite#<token>" (the token in the fragment, which
// browsers never send, so it stays out of logs).
std::string invite_url(std::string_view origin, std::string_view token);

// The checks of PortalServer::start on its options, for a command to refuse them before it
// reaches AWS or writes anything: kInvalidOptions naming the option.
Status check_server_options(const PortalServerOptions& options);

class PortalServer {
 public:
  // Checks the options (kInvalidOptions naming the option: a non-loopback --bind without TLS or
  // --behind-proxy, or without --public-origin; half a TLS pair), binds and starts serving.
  static Result<std::unique_ptr<PortalServer>> start(PortalBackend& backend,
                                                     PortalServerOptions options);
  // Stops serving.
  ~PortalServer();
  PortalServer(const PortalServer&) = delete;
  PortalServer& operator=(const PortalServer&) = delete;

  int port() const;
  // The page to open: public_origin, or "http(s)://<address>:<port>/" on the loopback.
  std::string url() const;

  // A signed-in request: its session id and owner.
  struct Caller {
    std::string session_id;
    SessionOwner owner;
  };

 private:
  PortalServer(PortalBackend& backend, PortalServerOptions options);
  void route();
  void check_requests();
  bool secure_cookie() const;
  // The Host and Origin values answered: public_origin, or the loopback names at `port`.
  std::vector<WebOrigin> answered_origins(int port) const;

  std::optional<Caller> caller_of(const httplib::Request& request);
  bool allowed_invite_attempt(const httplib::Request& request);

  // One handler per endpoint, in the order of the table above.
  void get_page(const httplib::Request& request, httplib::Response& response, const Caller*);
  void get_invite_page(const httplib::Request& request, httplib::Response& response, const Caller*);
  void post_invite(const httplib::Request& request, httplib::Response& response, const Caller*);
  void post_logout(const httplib::Request& request, httplib::Response& response,
                   const Caller* caller);
  void get_me(const httplib::Request& request, httplib::Response& response, const Caller* caller);
  void get_task(const httplib::Request& request, httplib::Response& response, const Caller* caller);
  void post_answer(const httplib::Request& request, httplib::Response& response,
                   const Caller* caller);
  void get_image(const httplib::Request& request, httplib::Response& response,
                 const Caller* caller);
  void get_template(const httplib::Request& request, httplib::Response& response, const Caller*);
  void get_asset(const httplib::Request& request, httplib::Response& response, const Caller*);
  void get_admin_page(const httplib::Request& request, httplib::Response& response, const Caller*);
  void get_report(const httplib::Request& request, httplib::Response& response, const Caller*);
  void get_progress(const httplib::Request& request, httplib::Response& response, const Caller*);

  PortalBackend& backend_;
  PortalServerOptions options_;
  std::vector<WebOrigin> origins_;  // public_origin's, when given
  std::mutex limiter_mutex_;
  RateLimiter invite_limiter_;
  std::unique_ptr<httplib::Server> server_;
  // Last, so that it stops first: the handlers use the members above.
  std::unique_ptr<local::HttpServerThread> serving_;
};

}  // namespace bulkqa::portal
