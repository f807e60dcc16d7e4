#include "bulkqa/aws/s3.hpp"

#include <algorithm>
#include <sstream>

#include <openssl/evp.h>
#include <pugixml.hpp>

namespace bulkqa::aws {
namespace {

Error malformed_answer(const std::string& operation, const std::string& detail) {
  Error error = make_error(errc::kMalformedResponse, operation + ": " + detail);
  error.service = "s3";
  return error;
}

// DeleteObjects requires an integrity header; Content-MD5 is the one every S3 implementation knows.
std::string base64_md5(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_md5(), nullptr);
  std::string encoded(4 * ((length + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()), digest,
                  static_cast<int>(length));
  return encoded;
}

std::string delete_request_body(std::vector<std::string>::const_iterator first,
                                std::vector<std::string>::const_iterator last) {
  pugi::xml_document document;
  auto root = document.append_child("Delete");
  root.append_attribute("xmlns") = "http://s3.amazonaws.com/doc/2006-03-01/";
  root.append_child("Quiet").text() = "true";
  for (auto key = first; key != last; ++key) {
    root.append_child("Object").append_child("Key").text() = key->c_str();
  }
  std::ostringstream out;
  document.save(out, "", pugi::format_raw);
  return out.str();
}

Status status_of(const ServiceOutcome& outcome) {
  if (!outcome) return outcome.error();
  return {};
}

// Virtual-hosted addressing puts the bucket in the host; dotted names would break TLS there.
bool bucket_in_host(bool path_style, const std::string& bucket) {
  return !path_style && bucket.find('.') == std::string::npos;
}

}  // namespace

std::string s3_bucket_origin(const AwsConfig& config, const std::string& bucket) {
  const std::string host = bucket_in_host(config.s3_path_style, bucket)
                               ? bucket + "." + config.s3.authority
                               : config.s3.authority;
  return config.s3.scheme + "://" + host;
}

Result<ObjectListing> parse_list_objects_response(std::string_view xml) {
  pugi::xml_document document;
  if (!document.load_buffer(xml.data(), xml.size())) {
    return malformed_answer("ListObjectsV2", "the answer is not XML");
  }
  const auto result = document.child("ListBucketResult");
  if (!result) return malformed_answer("ListObjectsV2", "no ListBucketResult element");
  // encoding-type=url makes S3 percent-encode keys, so keys with characters XML 1.0 cannot carry
  // still list correctly.
  const bool url_encoded = std::string_view(result.child_value("EncodingType")) == "url";
  ObjectListing listing;
  for (auto contents : result.children("Contents")) {
    std::string key = contents.child_value("Key");
    listing.keys.push_back(url_encoded ? uri_decode(key) : key);
  }
  if (std::string_view(result.child_value("IsTruncated")) == "true") {
    std::string token = result.child_value("NextContinuationToken");
    if (token.empty())
      return malformed_answer("ListObjectsV2", "truncated listing without a token");
    listing.next_continuation_token = std::move(token);
  }
  return listing;
}

Result<std::vector<DeleteFailure>> parse_delete_objects_response(std::string_view xml) {
  pugi::xml_document document;
  if (!document.load_buffer(xml.data(), xml.size())) {
    return malformed_answer("DeleteObjects", "the answer is not XML");
  }
  std::vector<DeleteFailure> failures;
  for (auto failed : document.child("DeleteResult").children("Error")) {
    Error error = make_error(failed.child_value("Code"), failed.child_value("Message"));
    error.service = "s3";
    failures.push_back({failed.child_value("Key"), std::move(error)});
  }
  return failures;
}

S3Client::S3Client(const AwsConfig& config, HttpClient& http, RetryOptions retry)
    : client_("s3", config.s3, config.region, credential_source_of(config), http, retry),
      path_style_(config.s3_path_style),
      region_(config.region) {}

ServiceRequest S3Client::bucket_request(const std::string& method,
                                        const std::string& bucket) const {
  ServiceRequest request;
  request.method = method;
  if (bucket_in_host(path_style_, bucket)) {
    request.host_prefix = bucket + ".";
    request.path = "/";
  } else {
    request.path = "/" + uri_encode(bucket, false);
  }
  return request;
}

ServiceRequest S3Client::object_request(const std::string& method, const std::string& bucket,
                                        const std::string& key) const {
  ServiceRequest request = bucket_request(method, bucket);
  if (request.path.back() != '/') request.path += '/';
  request.path += uri_encode(key, true);
  return request;
}

Status S3Client::create_bucket(const std::string& bucket) {
  // Outside us-east-1, S3 wants the region named in the body.
  ServiceRequest request = bucket_request("PUT", bucket);
  if (region_ != "us-east-1") {
    request.body =
        "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<LocationConstraint>" +
        region_ + "</LocationConstraint></CreateBucketConfiguration>";
  }
  return status_of(client_.call(std::move(request)));
}

Result<std::string> S3Client::presigned_get_url(const std::string& bucket, const std::string& key,
                                                std::chrono::seconds expires,
                                                std::chrono::system_clock::time_point now) const {
  if (expires < std::chrono::seconds(1) || expires > kMaxPresignedUrlExpiry) {
    return make_error(errc::kInvalidRequest, "a pre-signed URL may last 1 to " +
                                                 std::to_string(kMaxPresignedUrlExpiry.count()) +
                                                 " seconds, not " +
                                                 std::to_string(expires.count()));
  }
  auto url = client_.presigned_url(object_request("GET", bucket, key), expires, now);
  if (!url) return with_context("pre-signing GET s3://" + bucket + "/" + key, url.error());
  return url;
}

Result<std::string> S3Client::get_object(const std::string& bucket, const std::string& key) {
  return std::move(get_objects({{bucket, key}}).front());
}

ServiceRequest S3Client::put_object_request(PutObjectRequest put) const {
  ServiceRequest request = object_request("PUT", put.bucket, put.key);
  request.headers.push_back({"Content-Type", std::move(put.content_type)});
  request.body = std::move(put.body);
  return request;
}

ServiceRequest S3Client::copy_object_request(const CopyObjectRequest& copy) const {
  ServiceRequest request = object_request("PUT", copy.bucket, copy.key);
  request.headers.push_back(
      {"x-amz-copy-source", uri_encode(copy.source_bucket + "/" + copy.source_key, true)});
  return request;
}

std::vector<Status> S3Client::put_objects(std::vector<PutObjectRequest> requests) {
  std::vector<ServiceRequest> calls;
  calls.reserve(requests.size());
  for (auto& put : requests) calls.push_back(put_object_request(std::move(put)));
  std::vector<Status> statuses;
  for (const auto& outcome : client_.call_all(std::move(calls)))
    statuses.push_back(status_of(outcome));
  return statuses;
}

Status S3Client::put_object(PutObjectRequest request) {
  std::vector<PutObjectRequest> one;
  one.push_back(std::move(request));
  return put_objects(std::move(one)).front();
}

ServiceRequest S3Client::list_objects_request(const ListObjectsRequest& list) const {
  ServiceRequest request = bucket_request("GET", list.bucket);
  request.query = {{"list-type", "2"}, {"encoding-type", "url"}};
  if (!list.prefix.empty()) request.query.emplace_back("prefix", list.prefix);
  if (list.continuation_token) {
    request.query.emplace_back("continuation-token", *list.continuation_token);
  }
  if (!list.start_after.empty()) request.query.emplace_back("start-after", list.start_after);
  return request;
}

Result<ObjectListing> S3Client::list_objects(const std::string& bucket, const std::string& prefix,
                                             const std::optional<std::string>& continuation_token) {
  return std::move(list_objects_all({{bucket, prefix, continuation_token, ""}}).front());
}

std::vector<Result<ObjectListing>> S3Client::list_objects_all(
    const std::vector<ListObjectsRequest>& requests) {
  std::vector<ServiceRequest> calls;
  calls.reserve(requests.size());
  for (const auto& request : requests) calls.push_back(list_objects_request(request));
  std::vector<Result<ObjectListing>> listings;
  for (auto& outcome : client_.call_all(std::move(calls))) {
    listings.push_back(outcome ? parse_list_objects_response(outcome->body)
                               : Result<ObjectListing>(outcome.error()));
  }
  return listings;
}

Result<std::vector<std::string>> S3Client::list_all_keys(const std::string& bucket,
                                                         const std::string& prefix) {
  std::vector<std::string> keys;
  std::optional<std::string> token;
  do {
    auto page = list_objects(bucket, prefix, token);
    if (!page) return page.error();
    keys.insert(keys.end(), std::make_move_iterator(page->keys.begin()),
                std::make_move_iterator(page->keys.end()));
    token = std::move(page->next_continuation_token);
  } while (token);
  return keys;
}

Result<std::vector<DeleteFailure>> S3Client::delete_objects(const std::string& bucket,
                                                            const std::vector<std::string>& keys) {
  std::vector<ServiceRequest> calls;
  for (std::size_t first = 0; first < keys.size(); first += kMaxKeysPerDelete) {
    const std::size_t last = std::min(keys.size(), first + kMaxKeysPerDelete);
    ServiceRequest request = bucket_request("POST", bucket);
    request.query = {{"delete", ""}};
    request.body = delete_request_body(keys.begin() + static_cast<std::ptrdiff_t>(first),
                                       keys.begin() + static_cast<std::ptrdiff_t>(last));
    request.headers = {{"Content-Type", "application/xml"},
                       {"Content-MD5", base64_md5(request.body)}};
    calls.push_back(std::move(request));
  }
  std::vector<DeleteFailure> failures;
  for (auto& outcome : client_.call_all(std::move(calls))) {
    if (!outcome) return outcome.error();
    auto refused = parse_delete_objects_response(outcome->body);
    if (!refused) return refused.error();
    failures.insert(failures.end(), std::make_move_iterator(refused->begin()),
                    std::make_move_iterator(refused->end()));
  }
  return failures;
}

std::vector<Result<std::string>> S3Client::get_objects(
    const std::vector<GetObjectRequest>& requests) {
  std::vector<ServiceRequest> calls;
  calls.reserve(requests.size());
  for (const auto& get : requests) calls.push_back(object_request("GET", get.bucket, get.key));
  std::vector<Result<std::string>> bodies;
  bodies.reserve(requests.size());
  auto outcomes = client_.call_all(std::move(calls));
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (outcomes[i]) {
      bodies.emplace_back(std::move(outcomes[i]->body));
    } else {
      bodies.emplace_back(with_context(
          "GetObject s3://" + requests[i].bucket + "/" + requests[i].key, outcomes[i].error()));
    }
  }
  return bodies;
}

}  // namespace bulkqa::aws
