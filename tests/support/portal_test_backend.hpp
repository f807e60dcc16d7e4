// What the review portal server's security tests need of the state behind it, beyond the
// PortalBackend the server calls: reviewers to invite and revoke, sessions to expire, and a valid
// answer to a task. InMemoryPortalBackend implements it, and MotoPortalBackend (the real Portal on
// moto) for the same tests: portal_server_test is parameterised over a factory of these.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "bulkqa/portal/portal_backend.hpp"

namespace bulkqa::testing {

class PortalTestBackend {
 public:
  virtual ~PortalTestBackend() = default;

  virtual portal::PortalBackend& backend() = 0;
  // A new reviewer and its invite token.
  virtual std::string invite(const std::string& reviewer, bool admin) = 0;
  virtual void revoke(const std::string& reviewer) = 0;
  // Every session of every reviewer expires now.
  virtual void expire_sessions() = 0;
  // How long a new session lasts.
  virtual portal::SystemClock::duration session_lifetime() const = 0;
  // An answer the backend takes for task `index` (the crowd-form's JSON).
  virtual std::string valid_answer(std::size_t index) = 0;
};

// A backend holding at least two tasks with one image each and one reviewer per task.
struct PortalTestBackendFactory {
  std::string name;
  std::function<std::unique_ptr<PortalTestBackend>()> make;
};

// For gtest's test names and messages.
inline void PrintTo(const PortalTestBackendFactory& factory, std::ostream* out) {
  *out << factory.name;
}

}  // namespace bulkqa::testing
