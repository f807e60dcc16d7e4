// DynamoDB over its JSON 1.0 protocol (POST /, X-Amz-Target: DynamoDB_20120810.<Operation>).
// Items and keys are JSON in DynamoDB's attribute-value form: {"name": {"S": "…"}, "n": {"N":
// "1"}}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulkqa/aws/config.hpp"
#include "bulkqa/aws/http.hpp"
#include "bulkqa/aws/retry.hpp"
#include "bulkqa/aws/service_client.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa::aws {

// An answer's body as JSON; "MalformedResponse" (service "dynamodb") unless it is a JSON object.
Result<nlohmann::json> parse_dynamodb_answer(std::string_view operation, std::string_view body);

struct ScanPage {
  std::vector<nlohmann::json> items;                 // each an object
  std::optional<nlohmann::json> last_evaluated_key;  // set while the scan goes on
};

// One Scan answer's items; "MalformedResponse" when Items is not an array of objects or
// LastEvaluatedKey is not an object.
Result<ScanPage> parse_scan_page(nlohmann::json answer);

// Reading an item's attributes; errors ("InvalidItem") name the attribute and the type expected.
Result<std::string> string_attribute(const nlohmann::json& item, std::string_view name);
// The text of a number attribute (N), or nullptr when it is absent or not one.
const std::string* number_text(const nlohmann::json& item, std::string_view name);
// A whole number from 0 up (N).
Result<std::uint64_t> count_attribute(const nlohmann::json& item, std::string_view name);
Result<bool> bool_attribute(const nlohmann::json& item, std::string_view name);

class DynamoDbClient {
 public:
  DynamoDbClient(const AwsConfig& config, HttpClient& http, RetryOptions retry = {});

  // Any operation, e.g. call("UpdateItem", {...}); the answer's JSON or a typed Error.
  Result<nlohmann::json> call(const std::string& operation, const nlohmann::json& request);
  // Many requests of one operation at once; answers in request order.
  std::vector<Result<nlohmann::json>> call_all(const std::string& operation,
                                               const std::vector<nlohmann::json>& requests);

  Status put_item(const std::string& table, const nlohmann::json& item);
  // The item, or nullopt when there is none with that key. Strongly consistent.
  Result<std::optional<nlohmann::json>> get_item(const std::string& table,
                                                 const nlohmann::json& key);
  // `request` is a whole UpdateItem request (TableName, Key, UpdateExpression, …).
  Result<nlohmann::json> update_item(const nlohmann::json& request);

  // Every item of the table, following LastEvaluatedKey.
  Result<std::vector<nlohmann::json>> scan_all(const std::string& table);
  // Every item a Query `request` (TableName, KeyConditionExpression, …) matches, following
  // LastEvaluatedKey.
  Result<std::vector<nlohmann::json>> query_all(nlohmann::json request);

  // The request of an operation, to stream through HttpClient::run_stream with service().task()
  // (launch); parse_dynamodb_answer reads its answer.
  ServiceRequest json_request(const std::string& operation, const nlohmann::json& body) const;

  ServiceClient& service() { return client_; }

 private:
  // Every item of a Scan or Query, page after page.
  Result<std::vector<nlohmann::json>> read_all_pages(const std::string& operation,
                                                     nlohmann::json request);

  ServiceClient client_;
};

}  // namespace bulkqa::aws
