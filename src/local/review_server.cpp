#include "bulkqa/local/review_server.hpp"

#include <random>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "bulkqa/aws/service_codes.hpp"
#include "bulkqa/review/http_fields.hpp"
#include "bulkqa/review/media_type.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa::local {
namespace {

constexpr std::string_view kWorkerCookie = "bulkqa-worker";
constexpr std::string_view kWorkerIdPrefix = "private.local.";
constexpr std::size_t kWorkerIdDigits = 16;
constexpr auto kStartupPollInterval = std::chrono::milliseconds(1);

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

bool is_loopback_address(std::string_view address) {
  return address == "127.0.0.1" || address == "localhost" || address == "::1";
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

}  // namespace

Result<std::unique_ptr<ReviewServer>> ReviewServer::start(ReviewSession& session,
                                                          ReviewServerOptions options) {
  std::unique_ptr<ReviewServer> server(new ReviewServer(session, std::move(options)));
  if (auto listening = server->listen(); !listening) return listening.error();
  return server;
}

ReviewServer::ReviewServer(ReviewSession& session, ReviewServerOptions options)
    : session_(session),
      options_(std::move(options)),
      server_(std::make_unique<httplib::Server>()) {}

ReviewServer::~ReviewServer() {
  server_->stop();
  if (listener_.joinable()) listener_.join();
}

std::string ReviewServer::url() const {
  std::string host = options_.bind_address;
  if (host == "0.0.0.0" || host == "::") host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port_) + "/";
}

Status ReviewServer::listen() {
  route();
  const std::string& address = options_.bind_address;
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(address);
  } else if (server_->bind_to_port(address, options_.port)) {
    port_ = options_.port;
  }
  if (port_ <= 0) {
    return make_error(errc::kBindFailed,
                      "cannot listen on " + address + ":" + std::to_string(options_.port) +
                          " (is the address this machine's, and the port free?)");
  }
  listener_ = std::thread([this] {
    server_->listen_after_bind();
    listener_returned_ = true;
  });
  // stop() is ignored by a server not yet running, so the destructor needs it to have started.
  while (!server_->is_running() && !listener_returned_) {
    std::this_thread::sleep_for(kStartupPollInterval);
  }
  if (listener_returned_) return make_error(errc::kListenFailed, "cannot serve at " + url());
  return {};
}

void ReviewServer::route() {
  if (is_loopback_address(options_.bind_address)) {
    server_->set_pre_routing_handler([this](const httplib::Request& request,
                                            httplib::Response& response) {
      if (is_loopback_host(request.get_header_value("Host"), port_)) {
        return httplib::Server::HandlerResponse::Unhandled;
      }
      answer_error(
          response, 403,
          make_error(errc::kForbiddenHost, "this server answers only requests for " + url()));
      return httplib::Server::HandlerResponse::Handled;
    });
  }

  const auto serve_asset = [this](const httplib::Request& request, httplib::Response& response) {
    const auto found = options_.assets->find(request.path);
    if (found == options_.assets->end()) {
      answer_error(response, 404,
                   make_error(errc::kNotFound, request.path + " is not a page asset"));
      return;
    }
    response.set_header("Cache-Control", "no-cache");
    response.set_content(found->second.body.data(), found->second.body.size(),
                         std::string(found->second.media_type));
  };
  server_->Get("/", [serve_asset](const httplib::Request& request, httplib::Response& response) {
    worker_of(request, response);
    serve_asset(request, response);
  });
  server_->Get("/assets/.+", serve_asset);

  server_->Get("/template", [this](const httplib::Request&, httplib::Response& response) {
    response.set_header("Cache-Control", "no-cache");
    response.set_content(options_.template_text, "text/plain; charset=utf-8");
  });

  server_->Get("/api/task", [this](const httplib::Request& request, httplib::Response& response) {
    const std::string worker = worker_of(request, response);
    const TaskAssignment assignment = session_.next_task(worker);
    nlohmann::json task = nullptr;
    if (assignment.task) task = {{"id", *assignment.task}, {"input", assignment.task_input}};
    answer_json(response, 200,
                {{"worker", worker},
                 {"progress", progress_json(assignment.progress)},
                 {"task", std::move(task)}});
  });

  server_->Post(R"(/api/tasks/(\d+)/answer)", [this](const httplib::Request& request,
                                                     httplib::Response& response) {
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
  });

  server_->Get(R"(/s3/([^/]+)/(.+))",
               [this](const httplib::Request& request, httplib::Response& response) {
                 auto image = session_.image({request.matches[1].str(), request.matches[2].str()});
                 if (!image) {
                   answer_error(response, status_of(image.error()), image.error());
                   return;
                 }
                 const std::string_view media_type = image_media_type(*image);
                 response.set_header("Cache-Control", "private, max-age=3600");
                 response.set_content(std::move(*image), std::string(media_type));
               });
}

}  // namespace bulkqa::local
