// The local stand-in for Ground Truth's worker portal: an HTTP server over a ReviewSession. It
// serves the review page (which renders the worker template in the browser with Ground Truth's
// Liquid semantics), hands each browser session's worker its next task, takes the crowd-form's
// answers, and serves the tasks' images from the bucket at the URLs the page's grant_read_access
// gives. Each browser gets a worker id in a cookie.
//
//   GET  /                        the review page (sets the worker cookie)
//   GET  /assets/<file>           its scripts and style
//   GET  /template                the worker template's text
//   GET  /api/task                {"worker", "progress": {"complete", "total"},
//                                  "task": {"id", "input"} or null}
//   POST /api/tasks/<id>/answer   the answer, as JSON; {"completed_task", "progress"}
//   GET  /s3/<bucket>/<key>       an image of one of the tasks
// Errors answer {"error": code, "message"}.
#pragma once

#include <memory>
#include <string>

#include "bulkqa/local/review_session.hpp"
#include "bulkqa/local/web_assets.hpp"
#include "bulkqa/util/error.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace bulkqa::local {

class HttpServerThread;

struct ReviewServerOptions {
  std::string bind_address = "127.0.0.1";
  int port = 0;  // 0: a free port
  std::string template_text;
  const WebAssets* assets = nullptr;  // must outlive the server
};

class ReviewServer {
 public:
  // Binds and starts serving; an Error naming the address when it cannot.
  static Result<std::unique_ptr<ReviewServer>> start(ReviewSession& session,
                                                     ReviewServerOptions options);
  // Stops serving.
  ~ReviewServer();
  ReviewServer(const ReviewServer&) = delete;
  ReviewServer& operator=(const ReviewServer&) = delete;

  int port() const;
  // "http://<address>:<port>/", the page to open.
  std::string url() const;

 private:
  ReviewServer(ReviewSession& session, ReviewServerOptions options);
  void route();

  // One handler per endpoint, in the order of the table above.
  void get_page(const httplib::Request& request, httplib::Response& response);
  void get_asset(const httplib::Request& request, httplib::Response& response);
  void get_template(const httplib::Request& request, httplib::Response& response);
  void get_task(const httplib::Request& request, httplib::Response& response);
  void post_answer(const httplib::Request& request, httplib::Response& response);
  void get_image(const httplib::Request& request, httplib::Response& response);

  ReviewSession& session_;
  ReviewServerOptions options_;
  std::unique_ptr<httplib::Server> server_;
  // Last, so that it stops first: the handlers use the members above.
  std::unique_ptr<HttpServerThread> serving_;
};

}  // namespace bulkqa::local
