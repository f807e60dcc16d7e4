// Cost of signing the two requests bulkqa sends most: an S3 PutObject of a batch object and a
// DynamoDB BatchWriteItem of 25 items. Hashing the body is measured separately, since a client
// hashes each body once however often it re-signs for retries.
//
// The signing key is derived once per thread for each secret, date, region and service, so these
// loops measure the signature of every request after the first of the day; the NewDay variant
// measures that first one, deriving its key each time.
#include <benchmark/benchmark.h>

#include <string>

#include "bulkqa/aws/sigv4.hpp"

namespace {

using namespace bulkqa::aws;
using namespace std::chrono;

Credentials bench_credentials() {
  return {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
          std::string(400, 'T')};
}

std::string batch_object_body() {
  std::string body;
  for (int i = 0; i < 200; ++i) {
    body += R"({"source-ref":"s3://labels/images/img_)" + std::to_string(i) +
            R"(.jpg","class":"cat","confidence":0.87})" + "\n";
  }
  return body;
}

std::string batch_write_body() {
  std::string body = R"({"RequestItems":{"bulkqa-items":[)";
  for (int i = 0; i < 25; ++i) {
    if (i > 0) body += ',';
    body += R"({"PutRequest":{"Item":{"image_id":{"S":"img_)" + std::to_string(i) +
            R"("},"class":{"S":"cat"},"confidence":{"N":"0.87"}}}})";
  }
  return body + "]}}";
}

void BM_SignS3PutObject(benchmark::State& state) {
  const std::string body = batch_object_body();
  RequestToSign request;
  request.method = "PUT";
  request.host = "bulkqa-labels.s3.us-east-1.amazonaws.com";
  request.path = "/runs/2024-03-09/batches/batch%20000042.jsonl";
  request.headers = {{"Content-Type", "application/x-ndjson"},
                     {"Content-Length", std::to_string(body.size())},
                     {"x-amz-meta-run-id", "run-7f3a"}};
  request.payload_hash = sha256_hex(body);
  SigningParams params;
  params.service = "s3";
  params.region = "us-east-1";
  params.credentials = bench_credentials();
  params.time = sys_days{2024y / March / 9} + 12h;
  params.normalize_path = false;
  params.encode_path = false;
  params.add_content_sha256_header = true;
  for (auto _ : state) benchmark::DoNotOptimize(sign(request, params));
}
BENCHMARK(BM_SignS3PutObject);

RequestToSign batch_write_request(const std::string& body) {
  return {.method = "POST",
          .host = "dynamodb.us-east-1.amazonaws.com",
          .path = "/",
          .query = {},
          .headers = {{"Content-Type", "application/x-amz-json-1.0"},
                      {"X-Amz-Target", "DynamoDB_20120810.BatchWriteItem"},
                      {"Content-Length", std::to_string(body.size())}},
          .payload_hash = sha256_hex(body)};
}

SigningParams dynamodb_params() {
  SigningParams params;
  params.service = "dynamodb";
  params.region = "us-east-1";
  params.credentials = bench_credentials();
  params.time = sys_days{2024y / March / 9} + 12h;
  return params;
}

void BM_SignDynamoDbBatchWriteItem(benchmark::State& state) {
  const RequestToSign request = batch_write_request(batch_write_body());
  const SigningParams params = dynamodb_params();
  for (auto _ : state) benchmark::DoNotOptimize(sign(request, params));
}
BENCHMARK(BM_SignDynamoDbBatchWriteItem);

void BM_SignDynamoDbBatchWriteItemNewDay(benchmark::State& state) {
  const RequestToSign request = batch_write_request(batch_write_body());
  SigningParams params = dynamodb_params();
  for (auto _ : state) {
    params.time += 24h;
    benchmark::DoNotOptimize(sign(request, params));
  }
}
BENCHMARK(BM_SignDynamoDbBatchWriteItemNewDay);

void BM_HashBatchWriteItemBody(benchmark::State& state) {
  const std::string body = batch_write_body();
  for (auto _ : state) benchmark::DoNotOptimize(sha256_hex(body));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_HashBatchWriteItemBody);

}  // namespace
