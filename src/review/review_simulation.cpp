#include "bulkqa/review/review_simulation.hpp"

#include <array>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "bulkqa/qa/ground_truth.hpp"
#include "bulkqa/qa/s3_uri.hpp"
#include "bulkqa/util/csv_records.hpp"
#include "bulkqa/util/stable_hash.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa {

namespace {

Error line_error(std::size_t line, const std::string& message) {
  return csv_line_error(errc::kInvalidTruthSource, line, message);
}

// The names of the two columns a label map is read from: each row maps a key (a folder or an
// image path) to its correct label.
struct KeyLabelColumns {
  std::string_view key;
  std::string_view label;
};

struct ColumnPositions {
  std::size_t key;
  std::size_t label;
};

Result<ColumnPositions> find_columns(const CsvRecord& header, const KeyLabelColumns& names) {
  const std::array<std::string_view, 2> wanted{names.key, names.label};
  std::array<std::optional<std::size_t>, 2> found;
  for (std::size_t field = 0; field < header.fields.size(); ++field) {
    for (std::size_t column = 0; column < wanted.size(); ++column) {
      if (trim_blanks(header.fields[field]) != wanted[column]) continue;
      if (found[column]) {
        return line_error(header.line, "duplicate column '" + std::string(wanted[column]) +
                                           "' (header fields " +
                                           std::to_string(*found[column] + 1) + " and " +
                                           std::to_string(field + 1) + ")");
      }
      found[column] = field;
    }
  }
  for (std::size_t column = 0; column < wanted.size(); ++column) {
    if (!found[column]) {
      return line_error(header.line, "header has no column '" + std::string(wanted[column]) + "'");
    }
  }
  return ColumnPositions{*found[0], *found[1]};
}

Status check_field(std::string_view value, std::string_view column, std::size_t line) {
  const std::string field = "field '" + std::string(column) + "' ";
  if (value.empty()) return line_error(line, field + "is empty");
  if (!is_valid_utf8(value)) return line_error(line, field + "is not valid UTF-8");
  return {};
}

using LabelMap = std::unordered_map<std::string, std::string>;

using KeyCheck = Status (*)(std::string_view key, std::size_t line);

// Every data row's key and label, the key checked by `check_key` beyond being non-empty UTF-8.
Result<LabelMap> read_label_map(std::string_view csv_text, const KeyLabelColumns& columns,
                                KeyCheck check_key) {
  Result<std::vector<CsvRecord>> records = read_csv_records(csv_text, errc::kInvalidTruthSource);
  if (!records) return records.error();
  if (records->empty()) return line_error(1, "no header (the CSV text is empty)");
  const CsvRecord& header = records->front();
  Result<ColumnPositions> positions = find_columns(header, columns);
  if (!positions) return positions.error();
  LabelMap labels;
  std::unordered_map<std::string, std::size_t> key_lines;
  for (std::size_t at = 1; at < records->size(); ++at) {
    const CsvRecord& row = (*records)[at];
    if (row.fields.size() != header.fields.size()) {
      return line_error(row.line, "expected " + std::to_string(header.fields.size()) +
                                      " fields as in the header, found " +
                                      std::to_string(row.fields.size()));
    }
    const std::string& key = row.fields[positions->key];
    const std::string& label = row.fields[positions->label];
    if (Status status = check_field(key, columns.key, row.line); !status) return status.error();
    if (Status status = check_key(key, row.line); !status) return status.error();
    if (Status status = check_field(label, columns.label, row.line); !status) {
      return status.error();
    }
    const auto [first, inserted] = key_lines.emplace(key, row.line);
    if (!inserted) {
      return line_error(row.line, std::string(columns.key) + " " + quote_value(key) +
                                      " repeats line " + std::to_string(first->second));
    }
    labels.emplace(key, label);
  }
  return labels;
}

constexpr KeyLabelColumns kFolderColumns{"folder", "label"};
constexpr KeyLabelColumns kTrueLabelColumns{"image_local_path", "true_label"};

Status check_folder(std::string_view folder, std::size_t line) {
  if (folder.find('/') == std::string_view::npos) return {};
  return line_error(line, "field 'folder' holds a '/': " + quote_value(folder));
}

Status accept_any_path(std::string_view, std::size_t) {
  return {};
}

// The first segment of a path, or nullopt when the path has no folder.
std::optional<std::string_view> first_folder(std::string_view path) {
  const std::size_t slash = path.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  return path.substr(0, slash);
}

const std::string* find_label(const LabelMap& labels, std::string_view key) {
  const auto found = labels.find(std::string(key));
  return found == labels.end() ? nullptr : &found->second;
}

// A number in [0, 1) that is uniform over images and stable across runs.
double stable_fraction(const SimulatedReviewer& reviewer, std::string_view image_url) {
  StableHash hash;
  // The NUL between worker id and URL keeps "ab"+"c" and "a"+"bc" apart.
  hash.add(reviewer.seed).add(reviewer.worker_id).add(std::string_view("\0", 1)).add(image_url);
  constexpr double kTwoToMinus53 = 1.0 / static_cast<double>(std::uint64_t{1} << 53);
  return static_cast<double>(hash.value() >> 11) * kTwoToMinus53;
}

bool label_is_correct(const BatchItem& item, const TruthSource& truth) {
  const Result<S3Uri> uri = parse_s3_uri(item.s3_image_url);
  return uri.ok() && truth.is_correct(uri->key, item.label);
}

}  // namespace

Result<TruthSource> TruthSource::from_folder_labels(std::string_view csv_text) {
  Result<LabelMap> labels = read_label_map(csv_text, kFolderColumns, check_folder);
  if (!labels) return labels.error();
  TruthSource truth;
  truth.folder_labels_ = std::move(labels).value();
  return truth;
}

Result<TruthSource> TruthSource::from_true_labels(std::string_view csv_text) {
  Result<LabelMap> labels = read_label_map(csv_text, kTrueLabelColumns, accept_any_path);
  if (!labels) return labels.error();
  TruthSource truth;
  truth.path_labels_ = std::move(labels).value();
  return truth;
}

TruthSource TruthSource::overridden_by(const TruthSource& preferred) const {
  TruthSource merged = preferred;
  merged.folder_labels_.insert(folder_labels_.begin(), folder_labels_.end());
  merged.path_labels_.insert(path_labels_.begin(), path_labels_.end());
  return merged;
}

bool TruthSource::is_correct(std::string_view image_local_path, std::string_view label) const {
  if (const std::string* true_label = find_label(path_labels_, image_local_path)) {
    return *true_label == label;
  }
  const std::optional<std::string_view> folder = first_folder(image_local_path);
  if (!folder) return false;
  const std::string* folder_label = find_label(folder_labels_, *folder);
  return folder_label != nullptr && *folder_label == label;
}

std::string simulated_annotation(const std::vector<BatchItem>& batch, const TruthSource& truth,
                                 const SimulatedReviewer& reviewer) {
  std::vector<Vote> votes;
  for (std::size_t index = 0; index < batch.size(); ++index) {
    const BatchItem& item = batch[index];
    const bool errs = stable_fraction(reviewer, item.s3_image_url) < reviewer.error_rate;
    votes.push_back({index, label_is_correct(item, truth) != errs});
  }
  return annotation_content(batch, votes);
}

}  // namespace bulkqa
