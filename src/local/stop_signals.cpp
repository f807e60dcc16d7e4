#include "bulkqa/local/stop_signals.hpp"

#include <pthread.h>
#include <unistd.h>

#include <utility>

namespace bulkqa::local {
namespace {

// How often the watcher looks whether it should end; signals are taken at once regardless.
constexpr timespec kClosingCheckInterval{0, 100'000'000};

}  // namespace

StopSignals::StopSignals() {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGINT);
  sigaddset(&signals_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals_, &previous_mask_);
  watcher_ = std::thread([this] { watch(); });
}

StopSignals::~StopSignals() {
  closing_ = true;
  watcher_.join();
  pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

void StopSignals::watch() {
  while (!closing_) {
    const int received = sigtimedwait(&signals_, nullptr, &kClosingCheckInterval);
    if (received <= 0) continue;
    if (stop_requested()) ::_exit(128 + received);
    // Marked under the lock, so that on_stop either sees the request or has its action run here.
    std::lock_guard lock(mutex_);
    signal_ = received;
    for (const auto& [id, action] : actions_) action();
  }
}

StopSignals::Registration StopSignals::on_stop(std::function<void()> action) {
  std::lock_guard lock(mutex_);
  if (stop_requested()) action();
  const int id = next_id_++;
  actions_.emplace(id, std::move(action));
  return Registration(*this, id);
}

StopSignals::Registration::Registration(Registration&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), id_(other.id_) {}

StopSignals::Registration::~Registration() {
  if (owner_ == nullptr) return;
  std::lock_guard lock(owner_->mutex_);
  owner_->actions_.erase(id_);
}

}  // namespace bulkqa::local
