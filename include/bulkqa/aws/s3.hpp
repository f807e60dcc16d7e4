// The S3 operations the product uses, over ServiceClient. The *_all variants run many requests at
// once; their results come back in request order.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bulkqa/aws/config.hpp"
#include "bulkqa/aws/http.hpp"
#include "bulkqa/aws/retry.hpp"
#include "bulkqa/aws/service_client.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa::aws {

struct PutObjectRequest {
  std::string bucket;
  std::string key;
  std::string body;
  std::string content_type = "application/octet-stream";
};

struct CopyObjectRequest {
  std::string source_bucket;
  std::string source_key;
  std::string bucket;
  std::string key;
};

struct ListObjectsRequest {
  std::string bucket;
  std::string prefix;
  std::optional<std::string> continuation_token;
  std::string start_after;  // only keys after it, in listing order; "" from the first
};

struct ObjectListing {
  std::vector<std::string> keys;
  std::optional<std::string> next_continuation_token;  // set when the listing is truncated
};

// A key that DeleteObjects could not delete, with S3's reason.
struct DeleteFailure {
  std::string key;
  Error error;
};

// The answers' bodies, read without a network: errors (code "MalformedResponse", service "s3") for
// a body that is not XML or lacks the result element, and for a truncated listing without a
// continuation token. Keys listed with EncodingType url are decoded.
Result<ObjectListing> parse_list_objects_response(std::string_view xml);
// The keys DeleteObjects reports it could not delete.
Result<std::vector<DeleteFailure>> parse_delete_objects_response(std::string_view xml);

// The most keys one DeleteObjects call takes.
inline constexpr std::size_t kMaxKeysPerDelete = 1000;

// The longest a pre-signed URL of ours stays valid (S3 itself allows seven days).
inline constexpr std::chrono::seconds kMaxPresignedUrlExpiry{3600};

struct GetObjectRequest {
  std::string bucket;
  std::string key;
};

// The origin ("scheme://host[:port]") of the URLs S3Client addresses `bucket` by, its pre-signed
// GET URLs included: what a page that shows the bucket's objects must allow (the portal's
// Content-Security-Policy).
std::string s3_bucket_origin(const AwsConfig& config, const std::string& bucket);

class S3Client {
 public:
  S3Client(const AwsConfig& config, HttpClient& http, RetryOptions retry = {});

  Status create_bucket(const std::string& bucket);
  Result<std::string> get_object(const std::string& bucket, const std::string& key);
  Status put_object(PutObjectRequest request);
  std::vector<Status> put_objects(std::vector<PutObjectRequest> requests);

  // Requests to stream through HttpClient::run_stream with service().task() (launch). A copy may
  // fail although S3 answers 200: service().outcome() reads the error in its body.
  ServiceRequest put_object_request(PutObjectRequest put) const;
  ServiceRequest copy_object_request(const CopyObjectRequest& copy) const;

  // One page of ListObjectsV2 (at most 1000 keys).
  Result<ObjectListing> list_objects(const std::string& bucket, const std::string& prefix,
                                     const std::optional<std::string>& continuation_token);
  // One page for each request, fetched concurrently.
  std::vector<Result<ObjectListing>> list_objects_all(
      const std::vector<ListObjectsRequest>& requests);
  // Every key under the prefix, following continuation tokens.
  Result<std::vector<std::string>> list_all_keys(const std::string& bucket,
                                                 const std::string& prefix);

  // DeleteObjects in calls of at most 1000 keys, run concurrently. Keys S3 refused come back as
  // failures; a failed call is an Error.
  Result<std::vector<DeleteFailure>> delete_objects(const std::string& bucket,
                                                    const std::vector<std::string>& keys);

  // A GET URL for the object that anyone holding it may fetch, without credentials, until
  // `expires` (1 s to kMaxPresignedUrlExpiry) after `now`: SigV4 query signing with the current
  // credentials (their session token included), addressed as the other calls are. Errors:
  // kInvalidRequest for an expiry out of range, the credential source's own.
  Result<std::string> presigned_get_url(
      const std::string& bucket, const std::string& key, std::chrono::seconds expires,
      std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) const;

  ServiceClient& service() { return client_; }

  // Each object's body, all read at once (one round trip when they fit the HttpClient's
  // concurrency); results in request order, each error naming its object.
  std::vector<Result<std::string>> get_objects(const std::vector<GetObjectRequest>& requests);

 private:
  ServiceRequest bucket_request(const std::string& method, const std::string& bucket) const;
  ServiceRequest object_request(const std::string& method, const std::string& bucket,
                                const std::string& key) const;
  ServiceRequest list_objects_request(const ListObjectsRequest& list) const;

  ServiceClient client_;
  bool path_style_;
  std::string region_;
};

}  // namespace bulkqa::aws
