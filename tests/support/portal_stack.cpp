#include "support/portal_stack.hpp"

#include <stdexcept>

#include "bulkqa/aws/dynamodb.hpp"
#include "bulkqa/aws/s3.hpp"
#include "bulkqa/functions/image_table.hpp"
#include "bulkqa/qa/stack_layout.hpp"
#include "bulkqa/review/placeholder_image.hpp"
#include "support/moto.hpp"

namespace bulkqa::testing {
namespace {

using nlohmann::json;

template <typename T>
void check(const Result<T>& result, const std::string& what) {
  if (!result) throw std::runtime_error(what + ": " + result.error().describe());
}

}  // namespace

PortalStack launch_portal_stack(std::size_t tasks, std::size_t images_per_task,
                                const std::string& label, const StackImageMaker& images) {
  MotoServer& moto = MotoServer::shared();
  PortalStack stack;
  Deployment& deployment = stack.deployment;
  deployment = {MotoServer::unique_name("portal-stack"), "unused", "unused",
                MotoServer::unique_name("portal-images")};
  deployment.portal_table = MotoServer::unique_name("portal-table");
  moto.create_bucket(deployment.stack_bucket);
  moto.create_image_table(deployment.table);
  moto.create_portal_table(deployment.portal_table);

  aws::HttpClient http;
  aws::S3Client s3(moto.config(moto.admin()), http);
  aws::DynamoDbClient dynamodb(moto.config(moto.admin()), http);
  std::string manifest;
  std::vector<aws::PutObjectRequest> objects;
  for (std::size_t task = 0; task < tasks; ++task) {
    std::vector<BatchItem> batch;
    for (std::size_t index = 0; index < images_per_task; ++index) {
      StackImage image = images(task, index);
      batch.push_back({"s3://" + deployment.stack_bucket + "/" + image.key, label, 90});
      objects.push_back({deployment.stack_bucket, image.key, std::move(image.body)});
      check(dynamodb.update_item(functions::image_upsert_request(deployment.table, batch.back())),
            "the image item of " + batch.back().s3_image_url);
    }
    const std::string batch_key = std::string(kBatchPrefix) + std::to_string(task) + ".json";
    objects.push_back({deployment.stack_bucket, batch_key, batch_to_json(batch).dump()});
    manifest +=
        json{{"source-ref", "s3://" + deployment.stack_bucket + "/" + batch_key}}.dump() + "\n";
  }
  objects.push_back({deployment.stack_bucket, kManifestKey, manifest});
  for (const Status& stored : s3.put_objects(std::move(objects))) check(stored, "PutObject");

  const json policies = template_policies(deployment);
  stack.portal_config = moto.config(moto.create_user(MotoServer::unique_name("portal"),
                                                     as_moto_enforces(policies["PortalPolicy"])));
  return stack;
}

TestClock::TestClock() : millis_(portal::to_millis(portal::SystemClock::now())) {}

portal::SystemClock::time_point TestClock::now() const {
  return portal::from_millis(millis_);
}

portal::PortalOptions portal_options(const PortalStack& stack, std::size_t workers_per_task,
                                     const TestClock& clock) {
  portal::PortalOptions options;
  options.aws = stack.portal_config;
  options.portal_table = stack.deployment.portal_table;
  options.image_table = stack.deployment.table;
  options.stack_bucket = stack.deployment.stack_bucket;
  options.workers_per_task = workers_per_task;
  options.lease_time = std::chrono::minutes(30);
  options.image_url = [](const S3Uri& uri) { return "/s3/" + uri.bucket + "/" + uri.key; };
  options.clock = [&clock] { return clock.now(); };
  return options;
}

std::string answer_every_image(const std::vector<BatchItem>& items, bool confirmed) {
  json content = json::object();
  for (std::size_t i = 0; i < items.size(); ++i) {
    content[items[i].label + "-" + std::to_string(i)] = {{"Confirmed", confirmed}};
  }
  return content.dump();
}

MotoPortalBackend::MotoPortalBackend(std::size_t tasks) {
  const PortalStack stack = launch_portal_stack(tasks, 1, "Crab", [](std::size_t task, auto) {
    const std::string key = "images/" + std::to_string(task) + ".png";
    return StackImage{key, placeholder_png(key)};
  });
  auto opened = portal::Portal::open(portal_options(stack, 1, clock_));
  if (!opened) throw std::runtime_error(opened.error().describe());
  portal_ = std::move(*opened);
}

std::string MotoPortalBackend::invite(const std::string& reviewer, bool admin) {
  auto invite = portal_->add_reviewer(reviewer, admin);
  if (!invite) throw std::runtime_error(invite.error().describe());
  return invite->token;
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
