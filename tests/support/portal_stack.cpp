#include "support/portal_stack.hpp"

#include <stdexcept>

#include "bulkqa/functions/image_table.hpp"
#include "bulkqa/qa/ground_truth.hpp"
#include "bulkqa/qa/stack_layout.hpp"
#include "bulkqa/review/placeholder_image.hpp"
#include "support/moto.hpp"

namespace bulkqa::testing {
namespace {

using nlohmann::json;

template <typename T>
T checked(Result<T> result, const std::string& what) {
  if (!result) throw std::runtime_error(what + ": " + result.error().describe());
  return std::move(*result);
}

void check(const Status& status, const std::string& what) {
  if (!status) throw std::runtime_error(what + ": " + status.error().describe());
}

// Even images are crabs, odd ones lobsters; their bytes say which object they are.
StackImage default_image(std::size_t task, std::size_t image) {
  const std::string key = std::string(image % 2 == 0 ? "crab" : "lobster") + "/" +
                          std::to_string(task) + "-" + std::to_string(image) + ".jpg";
  return {key, "image " + key};
}

}  // namespace

TestClock::TestClock() : millis_(portal::to_millis(portal::SystemClock::now())) {}

portal::SystemClock::time_point TestClock::now() const {
  return portal::from_millis(millis_);
}

PortalStack::PortalStack(std::size_t tasks, std::size_t images_per_task,
                         const StackImageMaker& images, ImagePlace place)
    : admin_s3_(MotoServer::shared().config(MotoServer::shared().admin()), http_),
      admin_dynamodb_(MotoServer::shared().config(MotoServer::shared().admin()), http_) {
  MotoServer& moto = MotoServer::shared();
  const bool in_place = place == ImagePlace::kInPlace;
  deployment_ = {MotoServer::unique_name("portal-stack"), "unused",
                 in_place ? MotoServer::unique_name("portal-source") : "unused",
                 MotoServer::unique_name("portal-images")};
  deployment_.portal_table = MotoServer::unique_name("portal-table");
  moto.create_bucket(deployment_.stack_bucket);
  if (in_place) moto.create_bucket(deployment_.image_bucket);
  moto.create_image_table(deployment_.table);
  moto.create_portal_table(deployment_.portal_table);
  // Where each image is, as launch names it in the batches.
  const std::string image_bucket = in_place ? deployment_.image_bucket : deployment_.stack_bucket;
  const std::string key_prefix = in_place ? deployment_.image_prefix : "";
  std::string manifest;
  std::vector<aws::PutObjectRequest> objects;
  for (std::size_t task = 0; task < tasks; ++task) {
    auto& batch = batches_.emplace_back();
    for (std::size_t index = 0; index < images_per_task; ++index) {
      StackImage image = images ? images(task, index) : default_image(task, index);
      const std::string key = key_prefix + image.key;
      batch.push_back({"s3://" + image_bucket + "/" + key, kLabel, 90});
      checked(admin_dynamodb_.update_item(
                  functions::image_upsert_request(deployment_.table, batch.back())),
              "writing the image item of " + key);
      objects.push_back({image_bucket, key, std::move(image.body)});
    }
    const std::string batch_key = std::string(kBatchPrefix) + std::to_string(task) + ".json";
    objects.push_back({deployment_.stack_bucket, batch_key, batch_to_json(batch).dump()});
    manifest +=
        json{{"source-ref", "s3://" + deployment_.stack_bucket + "/" + batch_key}}.dump() + "\n";
  }
  objects.push_back({deployment_.stack_bucket, kManifestKey, manifest});
  for (const auto& status : admin_s3_.put_objects(std::move(objects))) {
    check(status, "writing the stack's objects");
  }
  const json policies =
      template_policies(deployment_, in_place ? std::vector<std::string>{"CopyImages=false"}
                                              : std::vector<std::string>{});
  portal_user_ = moto.create_user(MotoServer::unique_name("portal"),
                                  as_moto_enforces(policies["PortalPolicy"]));
}

aws::AwsConfig PortalStack::portal_config() const {
  return MotoServer::shared().config(portal_user_);
}

portal::PortalOptions PortalStack::portal_options(std::size_t workers_per_task,
                                                  const TestClock& clock) const {
  portal::PortalOptions options;
  options.aws = portal_config();
  options.portal_table = deployment_.portal_table;
  options.image_table = deployment_.table;
  options.stack_bucket = deployment_.stack_bucket;
  options.workers_per_task = workers_per_task;
  options.lease_time = std::chrono::minutes(30);
  options.image_url = [](const S3Uri& uri) { return "/s3/" + uri.bucket + "/" + uri.key; };
  options.clock = [&clock] { return clock.now(); };
  return options;
}

ImageCounts PortalStack::image_counts() {
  auto items = checked(admin_dynamodb_.scan_all(deployment_.table), "scanning the image table");
  ImageCounts counts;
  for (const auto& image : checked(functions::reviewed_images(items), "reading the image table")) {
    counts[image.s3_image_url] = {image.confirm_count, image.disconfirm_count};
  }
  return counts;
}

std::vector<portal::AnswerItem> PortalStack::stored_answers() {
  auto items =
      checked(admin_dynamodb_.scan_all(deployment_.portal_table), "scanning the portal table");
  std::vector<portal::AnswerItem> answers;
  for (const auto& item : items) {
    if (item.at("pk").value("S", "") != "answers") continue;
    answers.push_back(checked(portal::parse_answer_item(item), "reading an answer item"));
  }
  return answers;
}

TruthSource PortalStack::truth() {
  return checked(TruthSource::from_folder_labels("folder,label\ncrab,Crab\n"), "the truth map");
}

ImageCounts PortalStack::votes_of(const std::vector<portal::AnswerItem>& answers) const {
  ImageCounts counts;
  for (const auto& answer : answers) {
    const auto& items = batches_.at(answer.record.task);
    for (const Vote& vote : checked(parse_votes(answer.content, items), "an answer's votes")) {
      auto& image = counts[items[vote.image_index].s3_image_url];
      (vote.confirmed ? image.first : image.second) += 1;
    }
  }
  return counts;
}

std::string answer_every_image(const std::vector<BatchItem>& items, bool confirmed) {
  std::vector<Vote> votes;
  for (std::size_t i = 0; i < items.size(); ++i) votes.push_back({i, confirmed});
  return annotation_content(items, votes);
}

MotoPortalBackend::MotoPortalBackend(std::size_t tasks, ImagePlace place)
    : stack_(
          tasks, 1,
          [](std::size_t task, std::size_t) {
            const std::string key = "images/" + std::to_string(task) + ".png";
            return StackImage{key, placeholder_png(key)};
          },
          place) {
  portal_ = checked(portal::Portal::open(stack_.portal_options(1, clock_)), "opening the portal");
}

std::string MotoPortalBackend::invite(const std::string& reviewer, bool admin) {
  return checked(portal_->add_reviewer(reviewer, admin), "inviting " + reviewer).token;
}

void MotoPortalBackend::revoke(const std::string& reviewer) {
  check(portal_->revoke_reviewer(reviewer), "revoking " + reviewer);
}

void MotoPortalBackend::expire_sessions() {
  clock_.advance(std::chrono::duration_cast<std::chrono::milliseconds>(session_lifetime()) +
                 std::chrono::seconds(1));
}

portal::SystemClock::duration MotoPortalBackend::session_lifetime() const {
  return portal::PortalOptions{}.session_lifetime;
}

std::string MotoPortalBackend::valid_answer(std::size_t index) {
  return answer_every_image(portal_->tasks().at(index).items, true);
}

}  // namespace bulkqa::testing
