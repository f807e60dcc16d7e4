#include "bulkqa/review/task_places.hpp"

#include "bulkqa/util/text.hpp"

namespace bulkqa {
namespace {

constexpr std::size_t kMaxReviewerNameBytes = 64;

bool is_name_character(char c) {
  return is_ascii_alphanumeric(c) || c == '.' || c == '_' || c == '-';
}

// The open place to give `reviewer` in `task`: its own expired one first, else the first open.
std::optional<std::size_t> open_place_for(const TaskPlaces& task, std::string_view reviewer,
                                          PortalClock::time_point now) {
  std::optional<std::size_t> first_open;
  for (std::size_t place = 0; place < task.places.size(); ++place) {
    const auto& lease = task.places[place];
    if (!place_open(lease, now)) continue;
    if (lease && lease->reviewer == reviewer) return place;
    if (!first_open) first_open = place;
  }
  return first_open;
}

}  // namespace

bool lease_expired(const Lease& lease, PortalClock::time_point now) {
  return !lease.answered && lease.until <= now;
}

bool place_open(const std::optional<Lease>& place, PortalClock::time_point now) {
  return !place || lease_expired(*place, now);
}

std::optional<std::size_t> held_place(const TaskPlaces& task, std::string_view reviewer,
                                      PortalClock::time_point now) {
  for (std::size_t place = 0; place < task.places.size(); ++place) {
    const auto& lease = task.places[place];
    if (lease && lease->reviewer == reviewer && !lease->answered && lease->until > now) {
      return place;
    }
  }
  return std::nullopt;
}

bool has_answered(const TaskPlaces& task, std::string_view reviewer) {
  for (const auto& lease : task.places) {
    if (lease && lease->answered && lease->reviewer == reviewer) return true;
  }
  return false;
}

bool task_complete(const TaskPlaces& task) {
  for (const auto& lease : task.places) {
    if (!lease || !lease->answered) return false;
  }
  return true;
}

std::vector<PlaceChoice> place_choices(const std::vector<TaskPlaces>& tasks,
                                       std::string_view reviewer, PortalClock::time_point now) {
  for (const auto& task : tasks) {
    if (auto place = held_place(task, reviewer, now)) return {{task.task, *place, true}};
  }
  std::vector<PlaceChoice> choices;
  for (const auto& task : tasks) {
    if (has_answered(task, reviewer)) continue;
    if (auto place = open_place_for(task, reviewer, now)) {
      choices.push_back({task.task, *place, false});
    }
  }
  return choices;
}

bool valid_reviewer_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxReviewerNameBytes) return false;
  for (char c : name) {
    if (!is_name_character(c)) return false;
  }
  return true;
}

}  // namespace bulkqa
