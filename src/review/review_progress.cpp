#include "bulkqa/review/review_progress.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string_view>

#include "bulkqa/util/text.hpp"

namespace bulkqa {
namespace {

using SystemClock = std::chrono::system_clock;
using Seconds = std::chrono::duration<double>;

constexpr double kSecondsPerHour = 3600;
constexpr std::string_view kNone = "—";

// ---- Statistics ----

// When the reviewer started on the answer. The hand-out and the submission may be stamped by
// different portal processes, whose clocks can disagree by a little: an answer that seems to end
// before it began is taken as starting when it ended (0 seconds), since a negative time would
// drag medians below anything real and move the start of the review after its own first answer.
SystemClock::time_point started(const AnswerRecord& answer) {
  return std::min(answer.handed_out, answer.submitted);
}

double seconds_taken(const AnswerRecord& answer) {
  return Seconds(answer.submitted - started(answer)).count();
}

// The middle value, or the mean of the two middle ones of an even count.
std::optional<double> median(std::vector<double> values) {
  if (values.empty()) return std::nullopt;
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  if (values.size() % 2 == 1) return *middle;
  return (*std::max_element(values.begin(), middle) + *middle) / 2;
}

std::optional<double> ratio(std::size_t part, std::size_t whole) {
  if (whole == 0) return std::nullopt;
  return static_cast<double>(part) / static_cast<double>(whole);
}

// A task counts at most the answers it needs, so that a surplus on one task (which the portal's
// conditional writes should prevent) cannot hide answers missing on another.
void add_task(LabelProgress& progress, const TaskRecord& task) {
  const std::size_t answers = std::min(task.answers, task.answers_needed);
  progress.tasks_total += 1;
  if (answers == task.answers_needed) progress.tasks_done += 1;
  progress.answers += answers;
  progress.answers_needed += task.answers_needed;
}

void summarize_tasks(const std::vector<TaskRecord>& tasks, ProgressSummary& summary) {
  std::map<std::string, LabelProgress> by_label;
  for (const TaskRecord& task : tasks) {
    LabelProgress& label = by_label[task.label];
    label.label = task.label;
    add_task(label, task);
    add_task(summary.total, task);
  }
  for (auto& [name, label] : by_label) summary.labels.push_back(std::move(label));
}

// The start of the recent window: kRecentWindow before `now`, or the first hand-out when that is
// later. nullopt before any answer, or when `now` is not after the first hand-out (clocks).
std::optional<SystemClock::time_point> recent_window_start(const std::vector<AnswerRecord>& answers,
                                                           SystemClock::time_point now) {
  if (answers.empty()) return std::nullopt;
  const auto first = started(*std::min_element(
      answers.begin(), answers.end(),
      [](const AnswerRecord& a, const AnswerRecord& b) { return started(a) < started(b); }));
  if (now <= first) return std::nullopt;
  return std::max(first, now - std::chrono::duration_cast<SystemClock::duration>(kRecentWindow));
}

bool is_recent(const AnswerRecord& answer, std::optional<SystemClock::time_point> window_start) {
  return window_start && answer.submitted >= *window_start;
}

// Reviews per hour over the whole review: from the first hand-out to the last submission.
std::optional<double> overall_per_hour(const std::vector<AnswerRecord>& answers) {
  if (answers.empty()) return std::nullopt;
  auto first = started(answers.front());
  auto last = answers.front().submitted;
  for (const AnswerRecord& answer : answers) {
    first = std::min(first, started(answer));
    last = std::max(last, answer.submitted);
  }
  const double span = Seconds(last - first).count();
  if (span <= 0) return std::nullopt;
  return static_cast<double>(answers.size()) * kSecondsPerHour / span;
}

Throughput summarize_throughput(const std::vector<AnswerRecord>& answers,
                                std::optional<SystemClock::time_point> window_start,
                                SystemClock::time_point now) {
  Throughput throughput;
  throughput.overall_per_hour = overall_per_hour(answers);
  if (!window_start) return throughput;
  throughput.window = now - *window_start;
  throughput.recent_reviews = static_cast<std::size_t>(
      std::count_if(answers.begin(), answers.end(),
                    [&](const AnswerRecord& answer) { return is_recent(answer, window_start); }));
  throughput.recent_per_hour =
      static_cast<double>(throughput.recent_reviews) * kSecondsPerHour / throughput.window.count();
  return throughput;
}

std::vector<ReviewerProgress> summarize_reviewers(
    const std::vector<AnswerRecord>& answers, std::optional<SystemClock::time_point> window_start) {
  std::map<std::string, ReviewerProgress> by_name;
  std::map<std::string, std::vector<double>> seconds_by_name;
  for (const AnswerRecord& answer : answers) {
    ReviewerProgress& reviewer = by_name[answer.reviewer];
    reviewer.reviewer = answer.reviewer;
    reviewer.reviews += 1;
    if (is_recent(answer, window_start)) reviewer.recent_reviews += 1;
    reviewer.images += answer.images;
    reviewer.unchecked += answer.unchecked;
    seconds_by_name[answer.reviewer].push_back(seconds_taken(answer));
  }
  std::vector<ReviewerProgress> reviewers;
  for (auto& [name, reviewer] : by_name) {
    reviewer.median_seconds = median(std::move(seconds_by_name[name])).value_or(0);
    reviewer.uncheck_rate = ratio(reviewer.unchecked, reviewer.images);
    reviewers.push_back(std::move(reviewer));
  }
  return reviewers;
}

std::optional<double> seconds_to_finish(const ProgressSummary& summary) {
  const std::size_t remaining = summary.total.answers_needed - summary.total.answers;
  if (remaining == 0) return 0.0;
  const auto pace = summary.throughput.recent_per_hour;
  if (!pace || *pace <= 0) return std::nullopt;
  return static_cast<double>(remaining) * kSecondsPerHour / *pace;
}

// ---- Text ----

std::string optional_fixed(std::optional<double> value, int decimals) {
  return value ? fixed_decimal(*value, decimals) : std::string(kNone);
}

std::string percent(std::optional<double> fraction) {
  return fraction ? fixed_decimal(100 * *fraction, 1) + "%" : std::string(kNone);
}

// Rounded up to the minute, so that a review is not announced as finishing before it can:
// "under 1 min", "45 min", "2 h 05 min", "3 d 4 h".
std::string duration_text(double seconds) {
  const auto minutes = static_cast<long long>(std::ceil(seconds / 60));
  if (minutes < 1) return "under 1 min";
  if (minutes < 60) return std::to_string(minutes) + " min";
  const long long hours = minutes / 60;
  if (hours < 24) {
    const long long rest = minutes % 60;
    return std::to_string(hours) + " h " + (rest < 10 ? "0" : "") + std::to_string(rest) + " min";
  }
  return std::to_string(hours / 24) + " d " + std::to_string(hours % 24) + " h";
}

// Characters rather than bytes, so that a label in UTF-8 keeps its columns aligned: every byte
// except UTF-8's continuation bytes starts a character.
std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

using Row = std::vector<std::string>;

// Columns as wide as their widest cell: the first (a name) aligned left, the others (numbers)
// aligned right.
std::string aligned_table(const std::vector<Row>& rows) {
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const Row& row : rows) {
    for (std::size_t at = 0; at < row.size(); ++at) {
      widths[at] = std::max(widths[at], display_width(row[at]));
    }
  }
  std::string table;
  for (const Row& row : rows) {
    table += row[0] + std::string(widths[0] - display_width(row[0]), ' ');
    for (std::size_t at = 1; at < row.size(); ++at) {
      table += "  " + std::string(widths[at] - display_width(row[at]), ' ') + row[at];
    }
    table += '\n';
  }
  return table;
}

std::string labels_table(const ProgressSummary& summary) {
  std::vector<Row> rows{{"Label", "Tasks done", "Tasks", "Answers", "Needed"}};
  for (const LabelProgress& label : summary.labels) {
    rows.push_back({label.label, std::to_string(label.tasks_done),
                    std::to_string(label.tasks_total), std::to_string(label.answers),
                    std::to_string(label.answers_needed)});
  }
  return aligned_table(rows);
}

// The uncheck rate, marked where a reviewer never unchecked anything: the reviewer to look at.
std::string uncheck_cell(const ReviewerProgress& reviewer) {
  const std::string rate = percent(reviewer.uncheck_rate);
  return reviewer.never_unchecks() ? rate + " (never)" : rate;
}

std::string reviewers_table(const ProgressSummary& summary) {
  if (summary.reviewers.empty()) return "No reviews yet.\n";
  std::vector<Row> rows{
      {"Reviewer", "Reviews", "Last hour", "Median s", "Images", "Unchecked", "Uncheck rate"}};
  for (const ReviewerProgress& reviewer : summary.reviewers) {
    rows.push_back({reviewer.reviewer, std::to_string(reviewer.reviews),
                    std::to_string(reviewer.recent_reviews),
                    fixed_decimal(reviewer.median_seconds, 1), std::to_string(reviewer.images),
                    std::to_string(reviewer.unchecked), uncheck_cell(reviewer)});
  }
  return aligned_table(rows);
}

std::string pace_line(const Throughput& throughput) {
  if (!throughput.recent_per_hour) return "Reviews per hour: " + std::string(kNone) + "\n";
  const std::string window =
      throughput.window >= kRecentWindow
          ? "over the last hour"
          : "since the first hand-out " + duration_text(throughput.window.count()) + " ago";
  return "Reviews per hour: " + fixed_decimal(*throughput.recent_per_hour, 1) + " " + window +
         ", " + optional_fixed(throughput.overall_per_hour, 1) + " overall\n";
}

std::string finish_line(const ProgressSummary& summary) {
  const auto seconds = summary.seconds_to_finish;
  const std::size_t remaining = summary.total.answers_needed - summary.total.answers;
  if (seconds && *seconds == 0) return "Estimated time to finish: done\n";
  if (!seconds) {
    return "Estimated time to finish: " + std::string(kNone) +
           " (answers left: " + std::to_string(remaining) + "; none submitted in the last hour)\n";
  }
  return "Estimated time to finish: " + duration_text(*seconds) +
         " (answers left: " + std::to_string(remaining) + ", at the recent pace)\n";
}

std::string summary_lines(const ProgressSummary& summary) {
  const LabelProgress& total = summary.total;
  return "Tasks done: " + std::to_string(total.tasks_done) + " of " +
         std::to_string(total.tasks_total) + " (answers: " + std::to_string(total.answers) +
         " of " + std::to_string(total.answers_needed) + ")\n" + pace_line(summary.throughput) +
         "Median seconds per task: " + optional_fixed(summary.median_seconds, 1) + "\n" +
         "Uncheck rate: " + percent(summary.uncheck_rate) + "\n" + finish_line(summary);
}

// ---- JSON ----

nlohmann::json optional_number(std::optional<double> value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json label_json(const LabelProgress& label) {
  return {{"label", label.label},
          {"tasks_done", label.tasks_done},
          {"tasks_total", label.tasks_total},
          {"answers", label.answers},
          {"answers_needed", label.answers_needed}};
}

nlohmann::json reviewer_json(const ReviewerProgress& reviewer) {
  return {{"reviewer", reviewer.reviewer},
          {"reviews", reviewer.reviews},
          {"recent_reviews", reviewer.recent_reviews},
          {"median_seconds", reviewer.median_seconds},
          {"images", reviewer.images},
          {"unchecked", reviewer.unchecked},
          {"uncheck_rate", optional_number(reviewer.uncheck_rate)},
          {"never_unchecks", reviewer.never_unchecks()}};
}

nlohmann::json throughput_json(const Throughput& throughput) {
  return {{"window_seconds", throughput.window.count()},
          {"recent_reviews", throughput.recent_reviews},
          {"recent_per_hour", optional_number(throughput.recent_per_hour)},
          {"overall_per_hour", optional_number(throughput.overall_per_hour)}};
}

}  // namespace

ProgressSummary summarize_progress(const ProgressInputs& inputs, SystemClock::time_point now) {
  ProgressSummary summary;
  summarize_tasks(inputs.tasks, summary);
  const auto window_start = recent_window_start(inputs.answers, now);
  summary.throughput = summarize_throughput(inputs.answers, window_start, now);
  summary.reviewers = summarize_reviewers(inputs.answers, window_start);
  std::vector<double> seconds;
  std::size_t images = 0;
  std::size_t unchecked = 0;
  for (const AnswerRecord& answer : inputs.answers) {
    seconds.push_back(seconds_taken(answer));
    images += answer.images;
    unchecked += answer.unchecked;
  }
  summary.median_seconds = median(std::move(seconds));
  summary.uncheck_rate = ratio(unchecked, images);
  summary.seconds_to_finish = seconds_to_finish(summary);
  return summary;
}

nlohmann::json progress_json(const ProgressSummary& summary) {
  nlohmann::json labels = nlohmann::json::array();
  for (const LabelProgress& label : summary.labels) labels.push_back(label_json(label));
  nlohmann::json reviewers = nlohmann::json::array();
  for (const ReviewerProgress& reviewer : summary.reviewers) {
    reviewers.push_back(reviewer_json(reviewer));
  }
  return {{"tasks", {{"done", summary.total.tasks_done}, {"total", summary.total.tasks_total}}},
          {"answers", {{"done", summary.total.answers}, {"needed", summary.total.answers_needed}}},
          {"labels", std::move(labels)},
          {"reviewers", std::move(reviewers)},
          {"throughput", throughput_json(summary.throughput)},
          {"median_seconds", optional_number(summary.median_seconds)},
          {"uncheck_rate", optional_number(summary.uncheck_rate)},
          {"seconds_to_finish", optional_number(summary.seconds_to_finish)}};
}

std::string progress_text(const ProgressSummary& summary) {
  return summary_lines(summary) + "\n" + labels_table(summary) + "\n" + reviewers_table(summary);
}

}  // namespace bulkqa
