#include "bulkqa/local/review_server.hpp"

#include <random>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "bulkqa/aws/service_codes.hpp"
#include "bulkqa/local/http_server_thread.hpp"
#include "bulkqa/review/http_fields.hpp"
#include "bulkqa/review/media_type.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa::local {
namespace {

constexpr std::string_view kWorkerCookie = "bulkqa-worker";
constexpr std::string_view kWorkerIdPrefix = "private.local.";
constexpr std::size_t kWorkerIdDigits = 16;

std::string new_worker_id() {
  std::random_device device;
  std::uniform_int_distribution<int> digit(0, 15);
  std::string id(kWorkerIdPrefix);
  for (std::size_t i = 0; i < kWorkerIdDigits; ++i) id += "0123456789abcdef"[digit(device)];
  return id;
}

bool is_worker_id(std::string_view text) {
  if (!text.starts_with(kWorkerIdPrefix)) return false;
  const std::string_view digits = text.substr(kWorkerIdPrefix.size());
  return digits.size() == kWorkerIdDigits &&
         digits.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::optional<std::string> cookie_worker(const httplib::Request& request) {
  auto id = cookie_value(request.get_header_value("Cookie"), kWorkerCookie);
  if (id && is_worker_id(*id)) return id;
  return std::nullopt;
}

// The worker of this browser: its cookie's, or a new one the response sets.
std::string worker_of(const httplib::Request& request, httplib::Response& response) {
  if (auto id = cookie_worker(request)) return *id;
  std::string id = new_worker_id();
  response.set_header(
      "Set-Cookie", std::string(kWorkerCookie) + "=" + id + "; Path=/; HttpOnly; SameSite=Strict");
  return id;
}

void answer_json(httplib::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.set_header("Cache-Control", "no-store");
  response.set_content(body.dump(), "application/json");
}

int status_of(const Error& error) {
  if (error.code == errc::kUnknownTask || error.code == errc::kNotATaskImage ||
      error.code == aws::service_code::kNoSuchKey) {
    return 404;
  }
  if (error.code == errc::kInvalidAnnotation || error.code == errc::kIncompleteAnswer) return 400;
  if (error.code == errc::kAlreadyAnswered || error.code == errc::kTaskComplete ||
      error.code == errc::kReviewEnded) {
    return 409;
  }
  return 500;
}

void answer_error(httplib::Response& response, int status, const Error& error) {
  answer_json(response, status, {{"error", error.code}, {"message", error.message}});
}

nlohmann::json progress_json(const ReviewProgress& progress) {
  return {{"complete", progress.complete}, {"total", progress.total}};
}

// "http://<address>:<port>/", with an address that means every one shown as the loopback.
std::string page_url(std::string host, int port) {
  if (host == "0.0.0.0" || host == "::") host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port) + "/";
}

// For a server on the loopback: answers 403 to a request for any other host (see
// is_loopback_host). The port is the one the request came in on, which is the server's.
httplib::Server::HandlerWithResponse refuse_other_hosts(std::string bind_address) {
  return [bind_address](const httplib::Request& request, httplib::Response& response) {
    if (is_loopback_host(request.get_header_value("Host"), request.local_port)) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    answer_error(response, 403,
                 make_error(errc::kForbiddenHost, "this server answers only requests for " +
                                                      page_url(bind_address, request.local_port)));
    return httplib::Server::HandlerResponse::Handled;
  };
}

}  // namespace

Result<std::unique_ptr<ReviewServer>> ReviewServer::start(ReviewSession& session,
                                                          ReviewServerOptions options) {
  std::unique_ptr<ReviewServer> server(new ReviewServer(session, std::move(options)));
  server->route();
  auto serving = HttpServerThread::start(*server->server_, server->options_.bind_address,
                                         server->options_.port);
  if (!serving) return serving.error();
  server->serving_ = std::move(*serving);
  return server;
}

ReviewServer::ReviewServer(ReviewSession& session, ReviewServerOptions options)
    : session_(session),
      options_(std::move(options)),
      server_(std::make_unique<httplib::Server>()) {}

ReviewServer::~ReviewServer() = default;

int ReviewServer::port() const {
  return serving_->port();
}

std::string ReviewServer::url() const {
  return page_url(options_.bind_address, port());
}

void ReviewServer::route() {
  if (is_loopback_address(options_.bind_address)) {
    server_->set_pre_routing_handler(refuse_other_hosts(options_.bind_address));
  }
  enum Method { kGet, kPost };
  using Handler = void (ReviewServer::*)(const httplib::Request&, httplib::Response&);
  struct Route {
    Method method;
    const char* pattern;
    Handler handler;
  };
  static constexpr Route kRoutes[] = {
      {kGet, "/", &ReviewServer::get_page},
      {kGet, "/assets/.+", &ReviewServer::get_asset},
      {kGet, "/template", &ReviewServer::get_template},
      {kGet, "/api/task", &ReviewServer::get_task},
      {kPost, R"(/api/tasks/(\d+)/answer)", &ReviewServer::post_answer},
      {kGet, R"(/s3/([^/]+)/(.+))", &ReviewServer::get_image},
  };
  for (const Route& route : kRoutes) {
    auto handle = [this, handler = route.handler](const httplib::Request& request,
                                                  httplib::Response& response) {
      (this->*handler)(request, response);
    };
    if (route.method == kGet) {
      server_->Get(route.pattern, std::move(handle));
    } else {
      server_->Post(route.pattern, std::move(handle));
    }
  }
}

void ReviewServer::get_page(const httplib::Request& request, httplib::Response& response) {
  worker_of(request, response);
  get_asset(request, response);
}

void ReviewServer::get_asset(const httplib::Request& request, httplib::Response& response) {
  const auto found = options_.assets->find(request.path);
  if (found == options_.assets->end()) {
    answer_error(response, 404, make_error(errc::kNotFound, request.path + " is not a page asset"));
    return;
  }
  response.set_header("Cache-Control", "no-cache");
  response.set_content(found->second.body.data(), found->second.body.size(),
                       std::string(found->second.media_type));
}

void ReviewServer::get_template(const httplib::Request&, httplib::Response& response) {
  response.set_header("Cache-Control", "no-cache");
  response.set_content(options_.template_text, "text/plain; charset=utf-8");
}

void ReviewServer::get_task(const httplib::Request& request, httplib::Response& response) {
  const std::string worker = worker_of(request, response);
  const TaskAssignment assignment = session_.next_task(worker);
  nlohmann::json task = nullptr;
  if (assignment.task) task = {{"id", *assignment.task}, {"input", assignment.task_input}};
  answer_json(response, 200,
              {{"worker", worker},
               {"progress", progress_json(assignment.progress)},
               {"task", std::move(task)}});
}

void ReviewServer::post_answer(const httplib::Request& request, httplib::Response& response) {
  const auto worker = cookie_worker(request);
  if (!worker) {
    answer_error(response, 403,
                 make_error(errc::kNoWorker, "no worker id: open the review page first"));
    return;
  }
  // A form on another site cannot send this type without the browser asking first.
  if (!request.get_header_value("Content-Type").starts_with("application/json")) {
    answer_error(response, 415,
                 make_error(errc::kUnsupportedMediaType, "the answer must be sent as JSON"));
    return;
  }
  const auto task = parse_unsigned(request.matches[1].str());
  if (!task) {
    answer_error(response, 404,
                 make_error(errc::kUnknownTask, "no task " + request.matches[1].str()));
    return;
  }
  auto completed = session_.submit(static_cast<std::size_t>(*task), *worker, request.body);
  if (!completed) {
    answer_error(response, status_of(completed.error()), completed.error());
    return;
  }
  answer_json(response, 200,
              {{"completed_task", *completed}, {"progress", progress_json(session_.progress())}});
}

void ReviewServer::get_image(const httplib::Request& request, httplib::Response& response) {
  auto image = session_.image({request.matches[1].str(), request.matches[2].str()});
  if (!image) {
    answer_error(response, status_of(image.error()), image.error());
    return;
  }
  const std::string_view media_type = image_media_type(*image);
  response.set_header("Cache-Control", "private, max-age=3600");
  response.set_content(std::move(*image), std::string(media_type));
}

}  // namespace bulkqa::local
