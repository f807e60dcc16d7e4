#include "support/aws_sink.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <sstream>
#include <string_view>
#include <thread>

#include <httplib.h>
#include <pugixml.hpp>

#include "bulkqa/aws/sigv4.hpp"
#include "bulkqa/local/http_server_thread.hpp"
#include "support/service_rate_limit.hpp"

namespace bulkqa::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kResponsePath = "/_cloudformation-response/";
constexpr std::string_view kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";
constexpr std::size_t kMaxKeysPerPage = 1000;
// cpp-httplib listens with a backlog of 5: a client opening hundreds of connections at once
// would see SYNs dropped and wait a second for each retransmission. listen() again raises it.
constexpr int kListenBacklog = 4096;
enum class Service { kS3, kDynamoDb, kResponseUrl };

// What a request asks for: the service, the operation as AWS names it, and for S3 the bucket and
// key of its path-style address.
struct Call {
  Service service;
  std::string operation;
  std::string bucket;
  std::string key;
};

std::string s3_operation(const httplib::Request& request, bool has_key) {
  if (request.method == "GET" || request.method == "HEAD") {
    const char* read = request.method == "GET" ? "GetObject" : "HeadObject";
    if (has_key) return read;
    return request.has_param("list-type") ? "ListObjectsV2" : "ListObjects";
  }
  if (request.method == "PUT") {
    if (!has_key) return "CreateBucket";
    return request.has_header("x-amz-copy-source") ? "CopyObject" : "PutObject";
  }
  if (request.method == "POST" && request.has_param("delete")) return "DeleteObjects";
  if (request.method == "DELETE") return has_key ? "DeleteObject" : "DeleteBucket";
  return request.method + " (unknown)";
}

Call classify(const httplib::Request& request) {
  if (request.has_header("X-Amz-Target")) {
    // "DynamoDB_20120810.UpdateItem"
    const std::string target = request.get_header_value("X-Amz-Target");
    return {Service::kDynamoDb, target.substr(target.find('.') + 1), "", ""};
  }
  if (request.path.starts_with(kResponsePath)) {
    return {Service::kResponseUrl, "ResponseURL", "", request.path.substr(kResponsePath.size())};
  }
  const std::string_view path = std::string_view(request.path).substr(1);
  const auto slash = path.find('/');
  Call call{Service::kS3, "", std::string(path.substr(0, slash)), ""};
  if (slash != std::string_view::npos) call.key = std::string(path.substr(slash + 1));
  call.operation = s3_operation(request, !call.key.empty());
  return call;
}

std::string xml_text(const pugi::xml_document& document) {
  std::ostringstream out;
  document.save(out, "", pugi::format_raw);
  return out.str();
}

pugi::xml_node s3_root(pugi::xml_document& document, const char* name) {
  pugi::xml_node root = document.append_child(name);
  root.append_attribute("xmlns") = std::string(kS3Namespace).c_str();
  return root;
}

void set_s3_error(httplib::Response& response, int status, const char* code, const char* message) {
  pugi::xml_document document;
  pugi::xml_node error = document.append_child("Error");
  error.append_child("Code").text() = code;
  error.append_child("Message").text() = message;
  error.append_child("RequestId").text() = "bench-sink";
  response.status = status;
  response.set_content(xml_text(document), "application/xml");
}

void set_dynamodb_answer(httplib::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.set_content(body.dump(), "application/x-amz-json-1.0");
}

void set_throttled(httplib::Response& response, Service service) {
  if (service == Service::kDynamoDb) {
    set_dynamodb_answer(
        response, 400,
        {{"__type", "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"},
         {"message",
          "The level of configured provisioned throughput for the table was exceeded "
          "(bench sink rate limit)"}});
  } else {
    set_s3_error(response, 503, "SlowDown", "Please reduce your request rate.");
  }
}

using Bucket = std::map<std::string, std::string, std::less<>>;

// One ListObjectsV2 page of `bucket`: prefix, start-after, continuation-token (the last key of the
// page before), max-keys and encoding-type=url as S3 reads them.
std::string list_page(const Bucket& bucket, const std::string& name,
                      const httplib::Request& request) {
  const std::string prefix = request.get_param_value("prefix");
  const std::string after = std::max(request.get_param_value("start-after"),
                                     request.get_param_value("continuation-token"));
  const bool url_encoded = request.get_param_value("encoding-type") == "url";
  const std::size_t max_keys = request.has_param("max-keys")
                                   ? std::stoul(request.get_param_value("max-keys"))
                                   : kMaxKeysPerPage;
  auto key = after < prefix ? bucket.lower_bound(prefix) : bucket.upper_bound(after);

  pugi::xml_document document;
  pugi::xml_node result = s3_root(document, "ListBucketResult");
  result.append_child("Name").text() = name.c_str();
  result.append_child("Prefix").text() = prefix.c_str();
  result.append_child("MaxKeys").text() = static_cast<unsigned long long>(max_keys);
  if (url_encoded) result.append_child("EncodingType").text() = "url";
  std::size_t listed = 0;
  std::string last;
  for (; key != bucket.end() && key->first.starts_with(prefix) && listed < max_keys; ++key) {
    pugi::xml_node contents = result.append_child("Contents");
    contents.append_child("Key").text() =
        (url_encoded ? aws::uri_encode(key->first, true) : key->first).c_str();
    contents.append_child("Size").text() = static_cast<unsigned long long>(key->second.size());
    last = key->first;
    ++listed;
  }
  const bool truncated = key != bucket.end() && key->first.starts_with(prefix);
  result.append_child("KeyCount").text() = static_cast<unsigned long long>(listed);
  result.append_child("IsTruncated").text() = truncated ? "true" : "false";
  if (truncated) result.append_child("NextContinuationToken").text() = last.c_str();
  return xml_text(document);
}

std::string copy_result() {
  pugi::xml_document document;
  pugi::xml_node result = s3_root(document, "CopyObjectResult");
  result.append_child("LastModified").text() = "2026-01-01T00:00:00.000Z";
  result.append_child("ETag").text() = "\"d41d8cd98f00b204e9800998ecf8427e\"";
  return xml_text(document);
}

std::string delete_result() {
  // The client asks for Quiet mode: only failures are listed, and there are none.
  pugi::xml_document document;
  s3_root(document, "DeleteResult");
  return xml_text(document);
}

// The key of an item in Impl::items: its table and its key's JSON (objects dump sorted).
std::string item_id(const std::string& table, const nlohmann::json& key) {
  return table + '\n' + key.dump();
}

}  // namespace

struct AwsSink::Impl {
  explicit Impl(AwsSinkOptions sink_options) : options(std::move(sink_options)) {
    for (const auto& [operation, rate] : options.rate_limits) {
      limits.emplace(operation, testing::ServiceRateLimit(rate, Clock::now()));
    }
  }

  void handle(const httplib::Request& request, httplib::Response& response);
  // Counts the call; false when its operation is over its rate.
  bool admit(const std::string& operation);
  void answer_s3(const Call& call, const httplib::Request& request, httplib::Response& response);
  void answer_dynamodb(const Call& call, const httplib::Request& request,
                       httplib::Response& response);

  AwsSinkOptions options;
  httplib::Server server;
  // Given before the run, read-only while it serves.
  std::map<std::string, Bucket> buckets;
  std::map<std::string, nlohmann::json> items;

  mutable std::mutex mutex;  // guards what follows
  std::map<std::string, testing::ServiceRateLimit> limits;
  std::map<std::string, OperationCount> counts;
  std::map<std::string, std::string> responses;

  std::atomic<std::size_t> in_flight{0};
  std::atomic<std::size_t> peak{0};
  // Last, so that it stops first: its handlers use the members above.
  std::unique_ptr<local::HttpServerThread> serving;
};

bool AwsSink::Impl::admit(const std::string& operation) {
  const auto now = Clock::now();
  std::lock_guard lock(mutex);
  OperationCount& count = counts[operation];
  ++count.requests;
  const auto limit = limits.find(operation);
  if (limit == limits.end() || limit->second.accepts(now)) return true;
  ++count.throttled;
  return false;
}

void AwsSink::Impl::handle(const httplib::Request& request, httplib::Response& response) {
  const std::size_t now_in_flight = ++in_flight;
  std::size_t seen = peak.load();
  while (now_in_flight > seen && !peak.compare_exchange_weak(seen, now_in_flight)) {
  }
  const Call call = classify(request);
  const bool admitted = call.service == Service::kResponseUrl || admit(call.operation);
  // A refusal, too, comes after a round trip.
  std::this_thread::sleep_for(options.delay);
  if (!admitted) {
    set_throttled(response, call.service);
  } else if (call.service == Service::kDynamoDb) {
    answer_dynamodb(call, request, response);
  } else if (call.service == Service::kS3) {
    answer_s3(call, request, response);
  } else {
    std::lock_guard lock(mutex);
    ++counts[call.operation].requests;
    responses[call.key] = request.body;
  }
  --in_flight;
}

void AwsSink::Impl::answer_s3(const Call& call, const httplib::Request& request,
                              httplib::Response& response) {
  response.set_header("x-amz-request-id", "bench-sink");
  const auto bucket = buckets.find(call.bucket);
  if (call.operation == "GetObject" || call.operation == "HeadObject") {
    const auto object =
        bucket == buckets.end() ? Bucket::const_iterator() : bucket->second.find(call.key);
    if (bucket == buckets.end() || object == bucket->second.end()) {
      return set_s3_error(response, 404, "NoSuchKey", "The specified key does not exist.");
    }
    response.set_content(object->second, "application/octet-stream");
  } else if (call.operation == "ListObjectsV2") {
    static const Bucket kEmpty;
    response.set_content(
        list_page(bucket == buckets.end() ? kEmpty : bucket->second, call.bucket, request),
        "application/xml");
  } else if (call.operation == "CopyObject") {
    response.set_content(copy_result(), "application/xml");
  } else if (call.operation == "DeleteObjects") {
    response.set_content(delete_result(), "application/xml");
  } else {
    response.set_header("ETag", "\"d41d8cd98f00b204e9800998ecf8427e\"");
  }
}

void AwsSink::Impl::answer_dynamodb(const Call& call, const httplib::Request& request,
                                    httplib::Response& response) {
  nlohmann::json answer = nlohmann::json::object();
  if (call.operation == "GetItem") {
    const auto body = nlohmann::json::parse(request.body, nullptr, false);
    if (body.is_object() && body.contains("TableName") && body.contains("Key")) {
      const auto item = items.find(item_id(body["TableName"].get<std::string>(), body["Key"]));
      if (item != items.end()) answer["Item"] = item->second;
    }
  } else if (call.operation == "Query" || call.operation == "Scan") {
    answer = {{"Items", nlohmann::json::array()}, {"Count", 0}, {"ScannedCount", 0}};
  } else if (call.operation == "BatchWriteItem") {
    answer = {{"UnprocessedItems", nlohmann::json::object()}};
  } else if (call.operation == "BatchGetItem") {
    answer = {{"Responses", nlohmann::json::object()},
              {"UnprocessedKeys", nlohmann::json::object()}};
  }
  set_dynamodb_answer(response, 200, answer);
}

Result<std::unique_ptr<AwsSink>> AwsSink::start(AwsSinkOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  Impl& sink = *impl;
  const std::size_t threads = sink.options.threads;
  sink.server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  sink.server.set_keep_alive_max_count(std::numeric_limits<std::size_t>::max());
  sink.server.set_keep_alive_timeout(60);
  // Without it, Nagle's algorithm and delayed ACKs add 40 ms to answers.
  sink.server.set_tcp_nodelay(true);
  int listening = -1;
  sink.server.set_socket_options([&listening](socket_t socket) {
    httplib::default_socket_options(socket);
    listening = socket;
  });
  auto handler = [&sink](const httplib::Request& request, httplib::Response& response) {
    sink.handle(request, response);
  };
  sink.server.Get(".*", handler);
  sink.server.Put(".*", handler);
  sink.server.Post(".*", handler);
  sink.server.Delete(".*", handler);

  auto serving = local::HttpServerThread::start(sink.server, "127.0.0.1", 0);
  if (!serving) return serving.error();
  sink.serving = std::move(*serving);
  if (listening >= 0) ::listen(listening, kListenBacklog);
  return std::unique_ptr<AwsSink>(new AwsSink(std::move(impl)));
}

AwsSink::AwsSink(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AwsSink::~AwsSink() {
  impl_->serving.reset();
}

std::string AwsSink::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(impl_->serving->port());
}

std::string AwsSink::response_url(const std::string& id) const {
  return endpoint() + std::string(kResponsePath) + id;
}

void AwsSink::put_object(const std::string& bucket, const std::string& key, std::string body) {
  impl_->buckets[bucket][key] = std::move(body);
}

void AwsSink::add_keys(const std::string& bucket, const std::vector<std::string>& keys) {
  Bucket& objects = impl_->buckets[bucket];
  for (const std::string& key : keys) objects.try_emplace(key);
}

void AwsSink::put_item(const std::string& table, const nlohmann::json& key, nlohmann::json item) {
  impl_->items[item_id(table, key)] = std::move(item);
}

std::map<std::string, OperationCount> AwsSink::counts() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->counts;
}

std::size_t AwsSink::peak_in_flight() const {
  return impl_->peak.load();
}

std::string AwsSink::response(const std::string& id) const {
  std::lock_guard lock(impl_->mutex);
  const auto body = impl_->responses.find(id);
  return body == impl_->responses.end() ? "" : body->second;
}

std::map<std::string, std::string> function_environment(const AwsSink& sink) {
  return {{"AWS_ACCESS_KEY_ID", "AKIDBENCH"},
          {"AWS_SECRET_ACCESS_KEY", "bench-secret"},
          {"AWS_REGION", "us-east-1"},
          {"AWS_ENDPOINT_URL", sink.endpoint()},
          {"AWS_ENDPOINT_URL_S3", sink.endpoint()},
          {"AWS_ENDPOINT_URL_DYNAMODB", sink.endpoint()},
          {"LOG_LEVEL", "warn"}};
}

}  // namespace bulkqa::bench
