// The whole product on this machine, as the CloudFormation stack would lay it out on AWS: moto for
// S3, DynamoDB and IAM; the stack bucket, the image table, the portal table, a launch bucket and an
// image source bucket; and the three real function executables behind local Runtime APIs.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulkqa/aws/dynamodb.hpp"
#include "bulkqa/aws/http.hpp"
#include "bulkqa/aws/s3.hpp"
#include "bulkqa/local/local_function.hpp"
#include "bulkqa/local/moto.hpp"
#include "bulkqa/local/response_url_server.hpp"
#include "bulkqa/qa/batching.hpp"
#include "bulkqa/qa/reviewed_image.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa::local {

struct LocalStackOptions {
  std::filesystem::path bin_dir;  // holds bulkqa-launch, bulkqa-pre-labeling, bulkqa-post-labeling
  std::filesystem::path log_dir;  // moto.log and one JSON log per function
  std::string stack_bucket = "bulkqa-stack";
  std::string launch_bucket = "bulkqa-launch";
  std::string image_bucket = "bulkqa-image-source";
  std::string table = "bulkqa-images";
  std::string portal_table = "bulkqa-portal";  // the review portal's state
  // The IAM policy each function runs under, by executable name ("bulkqa-launch", ...): the
  // function gets the keys of a moto user holding only that policy. A function without one runs
  // as the administrator.
  std::map<std::string, nlohmann::json> function_policies;
};

// A labeled corpus and its images, to put where launch reads them.
struct CorpusUpload {
  std::string corpus_key;  // in the launch bucket
  std::string corpus_text;
  std::string image_prefix;          // in the image source bucket
  std::filesystem::path photos_dir;  // the photos by image_local_path; empty: none
  // Called after each chunk of images is stored: how many are, of how many.
  std::function<void(std::size_t stored, std::size_t total)> on_progress;
};

struct LaunchSettings {
  std::string corpus_key;    // in the launch bucket
  std::string image_prefix;  // in the image source bucket
  std::size_t batch_size = 25;
  double min_confidence = 0;
  bool copy_images = true;       // false: the batches name the images in the image source bucket
  std::size_t concurrency = 64;  // requests launch keeps in flight
};

// One Ground Truth task: a manifest line and the task input pre-labeling made of it.
struct Task {
  std::string source_ref;
  std::vector<BatchItem> items;
};

class LocalStack {
 public:
  static Result<std::unique_ptr<LocalStack>> start(const LocalStackOptions& options);

  aws::S3Client& s3() { return s3_; }
  // The moto server behind the stack, e.g. for the environment of another process that reads it,
  // or to add a user for one.
  const LocalMoto& moto() const { return *moto_; }
  LocalMoto& moto() { return *moto_; }
  const LocalStackOptions& options() const { return options_; }

  // Stores the corpus, and one object per image path: its photo from photos_dir when there is
  // one, a generated placeholder PNG otherwise. How many are placeholders; an Error for a corpus
  // that does not parse or a failed upload.
  Result<std::size_t> upload_corpus(const CorpusUpload& upload);
  // Runs the launch custom resource (Create); its Data on SUCCESS, its Reason as the error else.
  Result<nlohmann::json> launch(const LaunchSettings& settings);
  // Runs the launch custom resource's Delete, which empties the stack bucket.
  Status delete_launch(const LaunchSettings& settings);
  // Every manifest line, through the pre-labeling function.
  Result<std::vector<Task>> tasks();
  // Stores `payload` as Ground Truth stores a consolidation request and runs post-labeling on it.
  Result<nlohmann::json> consolidate(const std::string& labeling_job_arn,
                                     const std::string& label_attribute_name,
                                     const nlohmann::json& payload);
  // Every image item of the table.
  Result<std::vector<ReviewedImage>> reviewed_images();

  // Stops moto and the three function processes without waiting (SIGTERM), from any thread, for
  // a run being stopped: a call in progress then fails fast instead of running on. The stack is of
  // no use afterwards.
  void interrupt();

 private:
  LocalStack(const LocalStackOptions& options, std::unique_ptr<LocalMoto> moto);
  Status start_functions();
  Result<nlohmann::json> invoke(LocalFunction& function, const nlohmann::json& event);
  nlohmann::json launch_event(const std::string& request_type, const std::string& request_id,
                              const LaunchSettings& settings) const;
  // Invokes launch with a custom resource event; the Data it answered CloudFormation with.
  Result<nlohmann::json> run_launch(const nlohmann::json& event);

  LocalStackOptions options_;
  std::unique_ptr<LocalMoto> moto_;
  aws::HttpClient http_;
  aws::S3Client s3_;
  aws::DynamoDbClient dynamodb_;
  std::unique_ptr<ResponseUrlServer> responses_;
  std::unique_ptr<LocalFunction> launch_;
  std::unique_ptr<LocalFunction> pre_labeling_;
  std::unique_ptr<LocalFunction> post_labeling_;
  int consolidation_requests_ = 0;
};

}  // namespace bulkqa::local
