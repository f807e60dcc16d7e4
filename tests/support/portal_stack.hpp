// The real review Portal on the shared moto, as the portal's integration tests run it: a stack
// written as launch writes it (images, batches, manifest, image items) with an empty portal
// table, the Portal running as a moto user holding only the template's PortalPolicy, on a clock
// the tests move. MotoPortalBackend puts it behind the portal server's security tests.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bulkqa/aws/config.hpp"
#include "bulkqa/portal/portal.hpp"
#include "bulkqa/qa/batching.hpp"
#include "support/portal_test_backend.hpp"
#include "support/template_policies.hpp"

namespace bulkqa::testing {

// An image of a task: its key in the stack bucket and its bytes.
struct StackImage {
  std::string key;
  std::string body;
};
// Image `image` of task `task`.
using StackImageMaker = std::function<StackImage(std::size_t task, std::size_t image)>;

struct PortalStack {
  Deployment deployment;
  aws::AwsConfig portal_config;  // a moto user's holding only the template's PortalPolicy
};

// A launched stack of `tasks` tasks of `images_per_task` images labeled `label`, under names no
// other test uses. Throws on failure: a test cannot go on without it.
PortalStack launch_portal_stack(std::size_t tasks, std::size_t images_per_task,
                                const std::string& label, const StackImageMaker& images);

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

// Options of a Portal on `stack` as the PortalPolicy user, its images through the portal's own
// /s3/ route (moto answers no presigned URL with IAM authentication on), on `clock`.
portal::PortalOptions portal_options(const PortalStack& stack, std::size_t workers_per_task,
                                     const TestClock& clock);

// The answer the worker template submits for a task of `items`: every image confirmed or not.
std::string answer_every_image(const std::vector<BatchItem>& items, bool confirmed);

// The real Portal behind the portal server's security tests: tasks of one placeholder PNG each
// (images/<task>.png), one reviewer per task.
class MotoPortalBackend final : public PortalTestBackend {
 public:
  explicit MotoPortalBackend(std::size_t tasks);

  portal::PortalBackend& backend() override { return *portal_; }
  std::string invite(const std::string& reviewer, bool admin) override;
  void revoke(const std::string& reviewer) override;
  void expire_sessions() override;
  portal::SystemClock::duration session_lifetime() const override;
  std::string valid_answer(std::size_t index) override;

 private:
  TestClock clock_;
  std::unique_ptr<portal::Portal> portal_;
};

}  // namespace bulkqa::testing
