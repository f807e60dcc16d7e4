// A launched stack for the review portal's tests, on the shared moto with IAM authentication on:
// batches, manifest, images and image items written as launch writes them, an empty portal table,
// and a moto user holding only the template's PortalPolicy, under which every portal of the tests
// runs. Admin clients inspect what the portal left in the tables.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "bulkqa/aws/dynamodb.hpp"
#include "bulkqa/aws/s3.hpp"
#include "bulkqa/portal/portal_table.hpp"
#include "bulkqa/qa/batching.hpp"
#include "bulkqa/review/review_simulation.hpp"
#include "support/template_policies.hpp"

namespace bulkqa::testing {

// Every image's (confirm, disconfirm) counts, by its s3:// URL.
using ImageCounts = std::map<std::string, std::pair<std::size_t, std::size_t>>;

class PortalStack {
 public:
  static constexpr const char* kLabel = "Crab";

  // `tasks` tasks of `images_per_task` images each. Throws when moto refuses a step.
  PortalStack(std::size_t tasks, std::size_t images_per_task);

  const Deployment& deployment() const { return deployment_; }
  const aws::Credentials& portal_user() const { return portal_user_; }
  aws::AwsConfig portal_config() const;
  // Each task's images, by task index (the manifest line).
  const std::vector<std::vector<BatchItem>>& batches() const { return batches_; }

  ImageCounts image_counts();
  // Every answer the portal table holds.
  std::vector<portal::AnswerItem> stored_answers();
  aws::DynamoDbClient& admin_dynamodb() { return admin_dynamodb_; }

  // The simulated reviewers' truth: even images (folder "crab") are crabs, odd ones are not.
  static TruthSource truth();
  // The counts that `answers` add up to, each vote once.
  ImageCounts votes_of(const std::vector<portal::AnswerItem>& answers) const;

 private:
  Deployment deployment_;
  std::vector<std::vector<BatchItem>> batches_;
  aws::Credentials portal_user_;
  aws::HttpClient http_;
  aws::S3Client admin_s3_;
  aws::DynamoDbClient admin_dynamodb_;
};

}  // namespace bulkqa::testing
