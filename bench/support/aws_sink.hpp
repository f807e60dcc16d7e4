// A stand-in for S3, DynamoDB and CloudFormation's ResponseURL on 127.0.0.1 for the benchmarks: it
// answers every call the Lambda functions make with a valid success after a set delay (one AWS
// round trip), counts the requests of each operation, and refuses those above a set rate per
// operation with the service's own throttling error. It checks no signature and keeps no state
// but what it is given: PutObject, CopyObject and UpdateItem are answered, not stored.
//
// Point the functions at it with AWS_ENDPOINT_URL=endpoint(): S3 then goes path-style
// (/bucket/key) and DynamoDB's JSON 1.0 calls (POST / with X-Amz-Target) come to the same port.
//
// The delay is a sleep on the thread serving the connection. Each client connection holds one
// request at a time (HTTP/1.1 without pipelining) and one server thread while it is kept alive,
// so with more threads than connections the delays overlap and never serialize requests.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulkqa/util/error.hpp"

namespace bulkqa::bench {

struct AwsSinkOptions {
  std::chrono::milliseconds delay{20};  // before every answer, throttling errors included
  std::size_t threads = 1100;           // connections served at once; more than any client opens
  // Requests per second an operation ("UpdateItem", "PutObject", "CopyObject", ...) is allowed;
  // above it the answer is DynamoDB's ProvisionedThroughputExceededException or S3's SlowDown.
  std::map<std::string, double> rate_limits;
};

struct OperationCount {
  std::uint64_t requests = 0;   // every request of the operation, throttled ones included
  std::uint64_t throttled = 0;  // answered with the throttling error
};

class AwsSink {
 public:
  // Binds 127.0.0.1 on a free port and serves until destroyed.
  static Result<std::unique_ptr<AwsSink>> start(AwsSinkOptions options);
  ~AwsSink();
  AwsSink(const AwsSink&) = delete;
  AwsSink& operator=(const AwsSink&) = delete;

  // "http://127.0.0.1:<port>", for AWS_ENDPOINT_URL.
  std::string endpoint() const;
  // A CloudFormation ResponseURL whose PUTs the sink keeps under `id` (operation "ResponseURL",
  // never throttled).
  std::string response_url(const std::string& id) const;

  // An object GetObject returns and ListObjectsV2 lists. Not thread-safe with requests in flight:
  // give the sink its objects before the run.
  void put_object(const std::string& bucket, const std::string& key, std::string body);
  // Empty objects under these keys, e.g. the source images a launch checks by listing.
  void add_keys(const std::string& bucket, const std::vector<std::string>& keys);
  // An item GetItem returns for `key` (attribute-value JSON) in `table`; other keys have none.
  void put_item(const std::string& table, const nlohmann::json& key, nlohmann::json item);

  // Thread-safe.
  std::map<std::string, OperationCount> counts() const;
  // The most requests that were being answered at once.
  std::size_t peak_in_flight() const;
  // The body last PUT to response_url(id); "" when none came.
  std::string response(const std::string& id) const;

 private:
  struct Impl;
  explicit AwsSink(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What a function process needs to call the sink: bench credentials, the region, and every
// service's endpoint at the sink; its log at warn, so that logging costs nothing measured.
std::map<std::string, std::string> function_environment(const AwsSink& sink);

}  // namespace bulkqa::bench
