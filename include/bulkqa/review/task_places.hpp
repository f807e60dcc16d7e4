// The decisions of the review portal's task queue, pure: the portal reads each task's places from
// its table, decides here, and writes the decision with a condition that it still holds (two
// portals may decide at once; the table refuses the second write).
//
// A task has `workers_per_task` places. A reviewer handed a task holds one place under a lease
// until a time; an answered place is the task's for good; a lease that ran out without an answer
// frees its place (the reviewer left), which then goes back to the queue. A reviewer answers a
// task at most once and holds at most one of its places, so a task goes to distinct reviewers.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bulkqa {

using PortalClock = std::chrono::system_clock;

// Who holds or answered one place of a task.
struct Lease {
  std::string reviewer;
  PortalClock::time_point handed_out;
  PortalClock::time_point until;  // the lease's end; irrelevant once answered
  bool answered = false;

  bool operator==(const Lease&) const = default;
};

// One task's places, in order; an empty place was never handed out.
struct TaskPlaces {
  std::size_t task = 0;
  std::vector<std::optional<Lease>> places;
};

// Whether a lease ran out without an answer: its place is free again.
bool lease_expired(const Lease& lease, PortalClock::time_point now);
// Whether nobody holds or answered the place.
bool place_open(const std::optional<Lease>& place, PortalClock::time_point now);
// The place `reviewer` holds now (lease running, not answered), if any.
std::optional<std::size_t> held_place(const TaskPlaces& task, std::string_view reviewer,
                                      PortalClock::time_point now);
bool has_answered(const TaskPlaces& task, std::string_view reviewer);
// Every place answered.
bool task_complete(const TaskPlaces& task);

// A place to hand out: `renew` when the reviewer holds it already (its lease is extended).
struct PlaceChoice {
  std::size_t task = 0;
  std::size_t place = 0;
  bool renew = false;

  bool operator==(const PlaceChoice&) const = default;
};

// The places `reviewer` may be handed now, best first: the place it holds, if it holds one (then
// only that); otherwise one open place of each task, in manifest order, that it has neither
// answered nor holds (its own expired place first, so a returning reviewer gets its place back).
// Trying them in order lets a portal whose first choice was taken by a concurrent portal move on
// without reading the table again.
std::vector<PlaceChoice> place_choices(const std::vector<TaskPlaces>& tasks,
                                       std::string_view reviewer, PortalClock::time_point now);

// Reviewer names are also the worker ids of the tally and appear in the table's keys: 1 to 64 of
// [A-Za-z0-9._-].
bool valid_reviewer_name(std::string_view name);

}  // namespace bulkqa
