#include "bulkqa/qa/corpus.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "bulkqa/qa/s3_uri.hpp"
#include "bulkqa/qa/stack_layout.hpp"
#include "bulkqa/util/csv_records.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa {

namespace {

enum Column : std::size_t { kPathColumn, kLabelColumn, kConfidenceColumn, kColumnCount };
constexpr std::array<std::string_view, kColumnCount> kColumnNames{"image_local_path", "label",
                                                                  "confidence"};

Error corpus_error(std::size_t line, const std::string& message) {
  return csv_line_error(errc::kInvalidCorpus, line, message);
}

Error field_error(std::size_t line, Column column, const std::string& problem) {
  return corpus_error(line, "field '" + std::string(kColumnNames[column]) + "' " + problem);
}

// Either separator counts, so a Windows-style "a\..\b" cannot climb out of the prefix either.
// One pass over the characters: find_first_of would call memchr for each of them, a tenth of the
// time spent on a million-row corpus.
bool has_parent_segment(std::string_view path) {
  std::size_t start = 0;
  for (std::size_t end = 0; end <= path.size(); ++end) {
    if (end < path.size() && path[end] != '/' && path[end] != '\\') continue;
    if (path.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

struct HeaderLayout {
  std::array<std::size_t, kColumnCount> positions;
  std::size_t field_count;
};

Result<HeaderLayout> read_header(const CsvRecordView& header) {
  const std::size_t line = header.line;
  std::array<std::optional<std::size_t>, kColumnCount> found;
  for (std::size_t field = 0; field < header.fields.size(); ++field) {
    const std::string_view name = trim_blanks(header.fields[field]);
    for (std::size_t column = 0; column < kColumnCount; ++column) {
      if (!equals_ignoring_ascii_case(name, kColumnNames[column])) continue;
      if (found[column]) {
        return corpus_error(line, "duplicate column '" + std::string(kColumnNames[column]) +
                                      "' (header fields " + std::to_string(*found[column] + 1) +
                                      " and " + std::to_string(field + 1) + ")");
      }
      found[column] = field;
    }
  }
  std::string missing;
  HeaderLayout layout{{}, header.fields.size()};
  for (std::size_t column = 0; column < kColumnCount; ++column) {
    if (found[column]) {
      layout.positions[column] = *found[column];
    } else {
      missing += (missing.empty() ? "'" : ", '") + std::string(kColumnNames[column]) + "'";
    }
  }
  if (!missing.empty()) return corpus_error(line, "header has no column " + missing);
  return layout;
}

Status check_image_path(std::string_view path, std::size_t line) {
  if (path.empty()) return field_error(line, kPathColumn, "is empty");
  if (!is_valid_utf8(path)) return field_error(line, kPathColumn, "is not valid UTF-8");
  if (path.front() == '/') {
    return field_error(line, kPathColumn,
                       "must be relative, not start with '/': " + quote_value(path));
  }
  if (contains_control_character(path)) {
    return field_error(line, kPathColumn, "contains a control character: " + quote_value(path));
  }
  if (has_parent_segment(path)) {
    return field_error(line, kPathColumn, "contains a '..' segment: " + quote_value(path));
  }
  return {};
}

Status check_label(std::string_view label, std::size_t line) {
  if (label.empty()) return field_error(line, kLabelColumn, "is empty");
  if (!is_valid_utf8(label)) return field_error(line, kLabelColumn, "is not valid UTF-8");
  if (contains_control_character(label)) {
    return field_error(line, kLabelColumn, "contains a control character: " + quote_value(label));
  }
  return {};
}

Result<double> read_confidence(std::string_view text, std::size_t line) {
  const std::optional<double> value = parse_finite_number(trim_blanks(text));
  if (!value) {
    return field_error(line, kConfidenceColumn, quote_value(text) + " is not a finite number");
  }
  if (*value < 0 || *value > 100) {
    return field_error(line, kConfidenceColumn, quote_value(text) + " is outside [0, 100]");
  }
  return *value;
}

Status add_row(const CsvRecordView& record, const HeaderLayout& layout, CompactCorpus& corpus) {
  const std::size_t line = record.line;
  if (record.fields.size() != layout.field_count) {
    return corpus_error(line, "expected " + std::to_string(layout.field_count) +
                                  " fields as in the header, found " +
                                  std::to_string(record.fields.size()));
  }
  const std::string& path = record.fields[layout.positions[kPathColumn]];
  const std::string& label = record.fields[layout.positions[kLabelColumn]];
  if (Status status = check_image_path(path, line); !status) return status.error();
  if (Status status = check_label(label, line); !status) return status.error();
  Result<double> confidence =
      read_confidence(record.fields[layout.positions[kConfidenceColumn]], line);
  if (!confidence) return confidence.error();
  corpus.add(path, label, *confidence, line);
  return {};
}

// "field 'label' makes the image table's sort key 1100 bytes, over DynamoDB's limit of 1024"
Error over_limit(const CorpusRowView& row, Column column, const std::string& key, std::size_t bytes,
                 std::string_view service, std::size_t limit) {
  return field_error(row.line, column,
                     "makes " + key + " " + std::to_string(bytes) + " bytes, over " +
                         std::string(service) + "'s limit of " + std::to_string(limit));
}

Status check_copy_key(const CorpusRowView& row) {
  const std::string_view path = row.image_local_path;
  if (const auto taken = stack_object_at(path)) {
    return field_error(row.line, kPathColumn,
                       quote_value(path) + " is where the stack bucket keeps " + *taken);
  }
  if (path.size() > kMaxS3KeyBytes) {
    return over_limit(row, kPathColumn, "the copied image's key in the stack bucket", path.size(),
                      "S3", kMaxS3KeyBytes);
  }
  return {};
}

Status check_row_keys(const CorpusRowView& row, const ImagePlacement& placement) {
  const std::string_view path = row.image_local_path;
  if (placement.copy_images) {
    if (Status copy = check_copy_key(row); !copy) return copy;
  }
  if (const std::size_t source_key = placement.image_source_prefix.size() + path.size();
      source_key > kMaxS3KeyBytes) {
    return over_limit(row, kPathColumn,
                      "the source key (after the image source prefix " +
                          quote_value(placement.image_source_prefix) + ")",
                      source_key, "S3", kMaxS3KeyBytes);
  }
  if (const std::string url = placement.image_url(path); url.size() > kMaxPartitionKeyBytes) {
    return over_limit(row, kPathColumn, "the image table's partition key s3_image_url", url.size(),
                      "DynamoDB", kMaxPartitionKeyBytes);
  }
  if (row.label.size() > kMaxSortKeyBytes) {
    return over_limit(row, kLabelColumn, "the image table's sort key", row.label.size(), "DynamoDB",
                      kMaxSortKeyBytes);
  }
  return {};
}

// Rows become the table's items keyed by (image path, label), so the same pair twice would
// collide. Sorting (hash, row) pairs finds repeats with far fewer cache misses than a hash set
// over a million rows. Returns the repeat that comes first in the file, with its first occurrence.
std::optional<Error> find_repeated_key(const CompactCorpus& corpus) {
  const std::hash<std::string_view> hash;
  std::vector<std::pair<std::size_t, std::size_t>> keyed;  // (key hash, row index)
  keyed.reserve(corpus.size());
  for (std::size_t index = 0; index < corpus.size(); ++index) {
    keyed.emplace_back(hash(corpus.image_local_path(index)) * 31 + corpus.label_id(index), index);
  }
  const auto key_of = [&corpus](std::size_t index) {
    return std::pair(corpus.image_local_path(index), corpus.label_id(index));
  };
  // Equal keys end up adjacent, each group in file order.
  std::sort(keyed.begin(), keyed.end(), [&key_of](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    if (key_of(a.second) != key_of(b.second)) return key_of(a.second) < key_of(b.second);
    return a.second < b.second;
  });
  const auto same_key = [&key_of](const auto& a, const auto& b) {
    return a.first == b.first && key_of(a.second) == key_of(b.second);
  };
  std::optional<std::pair<std::size_t, std::size_t>> first_repeat;  // (first row, repeat)
  std::size_t group_start = 0;
  for (std::size_t at = 1; at < keyed.size(); ++at) {
    if (!same_key(keyed[group_start], keyed[at])) {
      group_start = at;
    } else if (at == group_start + 1 &&
               (!first_repeat || keyed[at].second < first_repeat->second)) {
      first_repeat = std::pair(keyed[group_start].second, keyed[at].second);
    }
  }
  if (!first_repeat) return std::nullopt;
  const CorpusRowView first = corpus.row(first_repeat->first);
  return corpus_error(corpus.row(first_repeat->second).line,
                      "image " + quote_value(first.image_local_path) + " with label " +
                          quote_value(first.label) + " repeats line " + std::to_string(first.line));
}

}  // namespace

void CompactCorpus::add(std::string_view image_local_path, std::string_view label,
                        double confidence, std::size_t line) {
  const auto [found, added] =
      label_ids_.try_emplace(std::string(label), static_cast<std::uint32_t>(labels_.size()));
  if (added) labels_.emplace_back(label);
  rows_.push_back({paths_.size(), static_cast<std::uint32_t>(image_local_path.size()),
                   found->second, confidence, line});
  paths_.append(image_local_path);
}

void CompactCorpus::reserve(std::size_t rows, std::size_t path_bytes) {
  rows_.reserve(rows);
  paths_.reserve(path_bytes);
}

void CompactCorpus::keep_min_confidence(double min_confidence) {
  std::erase_if(rows_, [min_confidence](const StoredRow& row) {
    return !(row.confidence >= min_confidence);
  });
}

std::string_view CompactCorpus::image_local_path(std::size_t index) const {
  const StoredRow& row = rows_[index];
  return std::string_view(paths_).substr(row.path_offset, row.path_size);
}

CorpusRowView CompactCorpus::row(std::size_t index) const {
  return {image_local_path(index), labels_[rows_[index].label_id], rows_[index].confidence,
          rows_[index].line};
}

std::vector<CorpusRow> CompactCorpus::rows() const {
  std::vector<CorpusRow> rows;
  rows.reserve(size());
  for (std::size_t index = 0; index < size(); ++index) {
    const CorpusRowView view = row(index);
    rows.push_back(
        {std::string(view.image_local_path), std::string(view.label), view.confidence, view.line});
  }
  return rows;
}

Result<CompactCorpus> parse_compact_corpus(std::string_view csv_text) {
  std::optional<HeaderLayout> layout;
  CompactCorpus corpus;
  // At most one row per line, and the paths take less than the text: reserving both up front
  // spares a million-row corpus the copies of growing buffers (pages reserved but never written
  // take no memory).
  corpus.reserve(static_cast<std::size_t>(std::count(csv_text.begin(), csv_text.end(), '\n')),
                 csv_text.size());
  // The first record is the header, the others rows.
  Status read =
      read_csv(csv_text, errc::kInvalidCorpus, [&](const CsvRecordView& record) -> Status {
        if (layout) return add_row(record, *layout, corpus);
        Result<HeaderLayout> header = read_header(record);
        if (!header) return header.error();
        layout = *header;
        return {};
      });
  if (!read) return read.error();
  if (!layout) return corpus_error(1, "no header (the CSV text is empty)");
  if (std::optional<Error> repeat = find_repeated_key(corpus)) return *repeat;
  return corpus;
}

Result<std::vector<CorpusRow>> parse_corpus(std::string_view csv_text) {
  Result<CompactCorpus> corpus = parse_compact_corpus(csv_text);
  if (!corpus) return corpus.error();
  return corpus->rows();
}

std::string ImagePlacement::source_key(std::string_view image_local_path) const {
  std::string key;
  key.reserve(image_source_prefix.size() + image_local_path.size());
  key.append(image_source_prefix).append(image_local_path);
  return key;
}

std::string ImagePlacement::image_url(std::string_view image_local_path) const {
  if (copy_images) return S3Uri{stack_bucket, std::string(image_local_path)}.str();
  return S3Uri{image_source_bucket, source_key(image_local_path)}.str();
}

Status check_launch_keys(const CompactCorpus& corpus, const ImagePlacement& placement) {
  for (std::size_t index = 0; index < corpus.size(); ++index) {
    if (Status status = check_row_keys(corpus.row(index), placement); !status) return status;
  }
  return {};
}

}  // namespace bulkqa
