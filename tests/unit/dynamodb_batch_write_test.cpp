// BatchWriteItem's contract that moto never exercises: at most 25 writes per call, and the writes
// DynamoDB hands back as UnprocessedItems are sent again until stored. An in-process HTTP server
// plays DynamoDB, refusing each item the first time it sees it.
#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <mutex>
#include <thread>

#include "bulkqa/aws/dynamodb.hpp"

namespace bulkqa::aws {
namespace {

class ThrottlingDynamoDb {
 public:
  ThrottlingDynamoDb() {
    server_.Post("/", [this](const httplib::Request& request, httplib::Response& response) {
      const auto body = nlohmann::json::parse(request.body);
      nlohmann::json unprocessed = nlohmann::json::array();
      std::lock_guard lock(mutex_);
      for (const auto& [table, writes] : body["RequestItems"].items()) {
        largest_call_ = std::max(largest_call_, writes.size());
        for (const auto& write : writes) {
          const std::string key = write["PutRequest"]["Item"]["id"]["S"];
          if (++attempts_[key] == 1) {
            unprocessed.push_back(write);
          } else {
            stored_[key] = table;
          }
        }
        table_ = table;
      }
      nlohmann::json answer = {{"UnprocessedItems", nlohmann::json::object()}};
      if (!unprocessed.empty()) answer["UnprocessedItems"][table_] = unprocessed;
      response.set_content(answer.dump(), "application/x-amz-json-1.0");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~ThrottlingDynamoDb() {
    server_.stop();
    thread_.join();
  }

  AwsConfig config() const {
    AwsConfig config;
    config.credentials = {"AKIDEXAMPLE", "secret", ""};
    config.region = "us-east-1";
    config.dynamodb = *parse_endpoint("http://127.0.0.1:" + std::to_string(port_), "test");
    return config;
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::map<std::string, int> attempts_;
  std::map<std::string, std::string> stored_;
  std::size_t largest_call_ = 0;
  std::string table_;
};

TEST(DynamoDbBatchWriteTest, UnprocessedItemsAreSentAgainUntilStoredAndCallsHoldAtMost25) {
  ThrottlingDynamoDb dynamodb;
  HttpClient http;
  DynamoDbClient client(dynamodb.config(), http);
  std::vector<nlohmann::json> items;
  for (int i = 0; i < 103; ++i) items.push_back({{"id", {{"S", "item-" + std::to_string(i)}}}});

  auto written = client.batch_write_items("images", items);
  ASSERT_TRUE(written.ok()) << written.error().describe();
  std::lock_guard lock(dynamodb.mutex_);
  EXPECT_EQ(dynamodb.stored_.size(), 103u);
  EXPECT_EQ(dynamodb.largest_call_, 25u);
  for (const auto& [key, attempts] : dynamodb.attempts_) EXPECT_EQ(attempts, 2) << key;
}

}  // namespace
}  // namespace bulkqa::aws
