#include "bulkqa/local/response_url_server.hpp"

#include <httplib.h>

#include "bulkqa/local/http_server_thread.hpp"

namespace bulkqa::local {

ResponseUrlServer::ResponseUrlServer(std::unique_ptr<httplib::Server> server, std::string scheme)
    : server_(std::move(server)), scheme_(std::move(scheme)) {}

Result<std::unique_ptr<ResponseUrlServer>> ResponseUrlServer::start() {
  return serve(std::unique_ptr<ResponseUrlServer>(
      new ResponseUrlServer(std::make_unique<httplib::Server>(), "http")));
}

Result<std::unique_ptr<ResponseUrlServer>> ResponseUrlServer::start_tls(
    const std::filesystem::path& certificate_file, const std::filesystem::path& key_file) {
  auto server = std::make_unique<httplib::SSLServer>(certificate_file.c_str(), key_file.c_str());
  if (!server->is_valid()) {
    return make_error(errc::kTlsSetupFailed, "cannot serve TLS with " + certificate_file.string() +
                                                 " and " + key_file.string());
  }
  return serve(
      std::unique_ptr<ResponseUrlServer>(new ResponseUrlServer(std::move(server), "https")));
}

Result<std::unique_ptr<ResponseUrlServer>> ResponseUrlServer::serve(
    std::unique_ptr<ResponseUrlServer> sink) {
  auto* self = sink.get();
  sink->server_->Put(R"(/cfn/(.+))",
                     [self](const httplib::Request& request, httplib::Response& answer) {
                       std::lock_guard lock(self->mutex_);
                       auto& received = self->received_[request.matches[1]];
                       ++received.count;
                       if (received.failures_left > 0) {
                         --received.failures_left;
                         answer.status = 500;
                         return;
                       }
                       if (!received.redirect_to.empty()) {
                         answer.set_redirect(received.redirect_to, 302);
                         return;
                       }
                       received.body = request.body;
                       received.content_type = request.get_header_value("Content-Type");
                       answer.status = 200;
                     });
  auto serving = HttpServerThread::start(*sink->server_, "127.0.0.1", 0);
  if (!serving) return serving.error();
  sink->serving_ = std::move(*serving);
  return sink;
}

ResponseUrlServer::~ResponseUrlServer() = default;

std::string ResponseUrlServer::url(const std::string& id) const {
  return scheme_ + "://127.0.0.1:" + std::to_string(serving_->port()) + "/cfn/" + id;
}

void ResponseUrlServer::fail_next(const std::string& id, int count) {
  std::lock_guard lock(mutex_);
  received_[id].failures_left = count;
}

void ResponseUrlServer::redirect(const std::string& id, const std::string& location) {
  std::lock_guard lock(mutex_);
  received_[id].redirect_to = location;
}

nlohmann::json ResponseUrlServer::response(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto found = received_.find(id);
  if (found == received_.end() || found->second.body.empty()) return nullptr;
  return nlohmann::json::parse(found->second.body, nullptr, false);
}

int ResponseUrlServer::put_count(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto found = received_.find(id);
  return found == received_.end() ? 0 : found->second.count;
}

std::string ResponseUrlServer::content_type(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto found = received_.find(id);
  return found == received_.end() ? "" : found->second.content_type;
}

}  // namespace bulkqa::local
