// A launched stack for the review portal's tests (and MotoPortalBackend, the real Portal behind
// the server's security tests), on the shared moto with IAM authentication on:
// batches, manifest, images and image items written as launch writes them, an empty portal table,
// and a moto user holding only the template's PortalPolicy, under which every portal of the tests
// runs. Admin clients inspect what the portal left in the tables.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bulkqa/aws/dynamodb.hpp"
#include "bulkqa/aws/s3.hpp"
#include "bulkqa/portal/portal.hpp"
#include "bulkqa/portal/portal_table.hpp"
#include "bulkqa/qa/batching.hpp"
#include "bulkqa/review/review_simulation.hpp"
#include "support/portal_test_backend.hpp"
#include "support/template_policies.hpp"

namespace bulkqa::testing {

// Every image's (confirm, disconfirm) counts, by its s3:// URL.
using ImageCounts = std::map<std::string, std::pair<std::size_t, std::size_t>>;

// An image of a task: its key (in the stack bucket, or after the prefix in the image source) and
// its bytes.
struct StackImage {
  std::string key;
  std::string body;
};
// Image `image` of task `task`.
using StackImageMaker = std::function<StackImage(std::size_t task, std::size_t image)>;

// Where launch left the images: copied into the stack bucket (CopyImages true), or in the image
// source bucket under the deployment's prefix, the batches naming them there (CopyImages false).
enum class ImagePlace { kCopied, kInPlace };

// A clock the tests move. It starts at the real time, so that what the portal derives from it
// for browsers (a cookie's Max-Age) stays what a browser expects.
class TestClock {
 public:
  TestClock();
  portal::SystemClock::time_point now() const;
  void advance(std::chrono::milliseconds by) { millis_ += by.count(); }

 private:
  std::atomic<std::int64_t> millis_;
};

class PortalStack {
 public:
  static constexpr const char* kLabel = "Crab";

  // `tasks` tasks of `images_per_task` images each: by default even images are crabs
  // ("crab/<task>-<image>.jpg"), odd ones lobsters, their bytes a line of text. The portal user's
  // policy is the template's for `place`. Throws when moto refuses a step.
  PortalStack(std::size_t tasks, std::size_t images_per_task, const StackImageMaker& images = {},
              ImagePlace place = ImagePlace::kCopied);

  const Deployment& deployment() const { return deployment_; }
  const aws::Credentials& portal_user() const { return portal_user_; }
  aws::AwsConfig portal_config() const;
  // Options of a Portal on this stack as the PortalPolicy user, its images through the portal's
  // own /s3/ route (moto answers no presigned URL with IAM authentication on), on `clock`.
  portal::PortalOptions portal_options(std::size_t workers_per_task, const TestClock& clock) const;
  // Each task's images, by task index (the manifest line).
  const std::vector<std::vector<BatchItem>>& batches() const { return batches_; }

  ImageCounts image_counts();
  // Every answer the portal table holds.
  std::vector<portal::AnswerItem> stored_answers();
  aws::DynamoDbClient& admin_dynamodb() { return admin_dynamodb_; }
  aws::S3Client& admin_s3() { return admin_s3_; }

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

// The answer the worker template submits for a task of `items`: every image confirmed or not.
std::string answer_every_image(const std::vector<BatchItem>& items, bool confirmed);

// The real Portal behind the portal server's security tests: tasks of one placeholder PNG each
// (images/<task>.png), one reviewer per task.
class MotoPortalBackend final : public PortalTestBackend {
 public:
  explicit MotoPortalBackend(std::size_t tasks, ImagePlace place = ImagePlace::kCopied);

  portal::PortalBackend& backend() override { return *portal_; }
  std::string invite(const std::string& reviewer, bool admin) override;
  void revoke(const std::string& reviewer) override;
  void expire_sessions() override;
  portal::SystemClock::duration session_lifetime() const override;
  std::string valid_answer(std::size_t index) override;

 private:
  TestClock clock_;
  PortalStack stack_;
  std::unique_ptr<portal::Portal> portal_;
};

}  // namespace bulkqa::testing
