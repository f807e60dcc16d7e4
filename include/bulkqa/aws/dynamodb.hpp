// DynamoDB over its JSON 1.0 protocol (POST /, X-Amz-Target: DynamoDB_20120810.<Operation>).
// Items and keys are JSON in DynamoDB's attribute-value form: {"name": {"S": "…"}, "n": {"N":
// "1"}}.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulkqa/aws/config.hpp"
#include "bulkqa/aws/http.hpp"
#include "bulkqa/aws/retry.hpp"
#include "bulkqa/aws/service_client.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa::aws {

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

  ServiceClient& service() { return client_; }

 private:
  ServiceRequest json_request(const std::string& operation, const nlohmann::json& body) const;

  ServiceClient client_;
};

}  // namespace bulkqa::aws
