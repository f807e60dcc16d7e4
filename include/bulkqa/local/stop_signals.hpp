// SIGINT (Ctrl-C) and SIGTERM as a stop request, for a command that runs child processes and
// threads: from construction on, both signals are blocked in the constructing thread and in every
// thread it starts afterwards, and a watcher thread takes them. On the first one it runs the
// registered stop actions (which make what runs fail fast: stop servers, terminate children) and
// marks the stop as requested, so that the command unwinds and its destructors stop the rest. A
// second one ends the process at once, with exit status 128 + the signal.
#pragma once

#include <signal.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace bulkqa::local {

class StopSignals {
 public:
  // Construct before this process starts any other thread.
  StopSignals();
  // Stops watching and restores the constructing thread's signal mask.
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  bool stop_requested() const { return signal_ != 0; }
  // The signal that requested the stop; 0 when none did.
  int signal() const { return signal_; }

  // Keeps an action registered for as long as it lives.
  class Registration {
   public:
    Registration(StopSignals& owner, int id) : owner_(&owner), id_(id) {}
    Registration(Registration&& other) noexcept;
    Registration& operator=(Registration&&) = delete;
    ~Registration();

   private:
    StopSignals* owner_;
    int id_;
  };

  // Runs `action` on the watcher thread when a stop is requested, or at once when one was
  // already; never once the registration is gone.
  [[nodiscard]] Registration on_stop(std::function<void()> action);

 private:
  void watch();

  sigset_t signals_;
  sigset_t previous_mask_;
  std::atomic<int> signal_{0};
  std::atomic<bool> closing_{false};
  std::mutex mutex_;  // guards actions_ and next_id_; held while actions run
  std::map<int, std::function<void()>> actions_;
  int next_id_ = 0;
  std::thread watcher_;
};

}  // namespace bulkqa::local
