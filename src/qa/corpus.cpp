#include "bulkqa/qa/corpus.hpp"

#include <csv.h>

#include <algorithm>
#include <array>
#include <optional>
#include <tuple>

#include "bulkqa/qa/s3_uri.hpp"
#include "bulkqa/qa/stack_layout.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa {

namespace {

constexpr std::string_view kUtf8ByteOrderMark = "\xEF\xBB\xBF";

enum Column : std::size_t { kPathColumn, kLabelColumn, kConfidenceColumn, kColumnCount };
constexpr std::array<std::string_view, kColumnCount> kColumnNames{"image_local_path", "label",
                                                                  "confidence"};

Error corpus_error(std::size_t line, const std::string& message) {
  return make_error("InvalidCorpus", "line " + std::to_string(line) + ": " + message);
}

Error field_error(std::size_t line, Column column, const std::string& problem) {
  return corpus_error(line, "field '" + std::string(kColumnNames[column]) + "' " + problem);
}

bool is_blank_line(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Unicode's control characters: C0 (U+0000-U+001F), DEL and C1 (U+0080-U+009F, in UTF-8 the
// byte 0xC2 followed by 0x80-0x9F). `text` is valid UTF-8.
bool has_control_character(std::string_view text) {
  for (std::size_t at = 0; at < text.size(); ++at) {
    const auto byte = static_cast<unsigned char>(text[at]);
    if (byte < 0x20 || byte == 0x7F) return true;
    if (byte == 0xC2 && at + 1 < text.size() && static_cast<unsigned char>(text[at + 1]) <= 0x9F) {
      return true;
    }
  }
  return false;
}

// Either separator counts, so a Windows-style "a\..\b" cannot climb out of the prefix either.
bool has_parent_segment(std::string_view path) {
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find_first_of("/\\", start), path.size());
    if (path.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

struct HeaderLayout {
  std::array<std::size_t, kColumnCount> positions;
  std::size_t field_count;
};

Result<HeaderLayout> read_header(const std::vector<std::string>& fields, std::size_t field_count,
                                 std::size_t line) {
  std::array<std::optional<std::size_t>, kColumnCount> found;
  for (std::size_t field = 0; field < field_count; ++field) {
    const std::string_view name = trim_blanks(fields[field]);
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
  HeaderLayout layout{{}, field_count};
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
  if (has_control_character(path)) {
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
  if (has_control_character(label)) {
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

Result<CorpusRow> read_row(const std::vector<std::string>& fields, std::size_t field_count,
                           const HeaderLayout& layout, std::size_t line) {
  if (field_count != layout.field_count) {
    return corpus_error(line, "expected " + std::to_string(layout.field_count) +
                                  " fields as in the header, found " + std::to_string(field_count));
  }
  const std::string& path = fields[layout.positions[kPathColumn]];
  const std::string& label = fields[layout.positions[kLabelColumn]];
  if (Status status = check_image_path(path, line); !status) return status.error();
  if (Status status = check_label(label, line); !status) return status.error();
  Result<double> confidence = read_confidence(fields[layout.positions[kConfidenceColumn]], line);
  if (!confidence) return confidence.error();
  return CorpusRow{path, label, *confidence, line};
}

// "field 'label' makes the image table's sort key 1100 bytes, over DynamoDB's limit of 1024"
Error over_limit(const CorpusRow& row, Column column, const std::string& key, std::size_t bytes,
                 std::string_view service, std::size_t limit) {
  return field_error(row.line, column,
                     "makes " + key + " " + std::to_string(bytes) + " bytes, over " +
                         std::string(service) + "'s limit of " + std::to_string(limit));
}

Status check_row_keys(const CorpusRow& row, std::string_view stack_bucket,
                      std::string_view image_source_prefix) {
  const std::string& path = row.image_local_path;
  if (const auto taken = stack_object_at(path)) {
    return field_error(row.line, kPathColumn,
                       quote_value(path) + " is where the stack bucket keeps " + *taken);
  }
  if (path.size() > kMaxS3KeyBytes) {
    return over_limit(row, kPathColumn, "the copied image's key in the stack bucket", path.size(),
                      "S3", kMaxS3KeyBytes);
  }
  if (const std::size_t source_key = image_source_prefix.size() + path.size();
      source_key > kMaxS3KeyBytes) {
    return over_limit(
        row, kPathColumn,
        "the source key (after the image source prefix " + quote_value(image_source_prefix) + ")",
        source_key, "S3", kMaxS3KeyBytes);
  }
  if (const std::string url = S3Uri{std::string(stack_bucket), path}.str();
      url.size() > kMaxPartitionKeyBytes) {
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
std::optional<Error> find_repeated_key(const std::vector<CorpusRow>& rows) {
  const std::hash<std::string_view> hash;
  std::vector<std::pair<std::size_t, std::size_t>> keyed;  // (key hash, row index)
  keyed.reserve(rows.size());
  for (std::size_t index = 0; index < rows.size(); ++index) {
    keyed.emplace_back(hash(rows[index].image_local_path) * 31 + hash(rows[index].label), index);
  }
  const auto key_of = [&rows](std::size_t index) {
    return std::tie(rows[index].image_local_path, rows[index].label);
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
  const CorpusRow& first = rows[first_repeat->first];
  return corpus_error(rows[first_repeat->second].line,
                      "image " + quote_value(first.image_local_path) + " with label " +
                          quote_value(first.label) + " repeats line " + std::to_string(first.line));
}

// Drives libcsv one physical line at a time, so that every record can be given the line it
// starts on (libcsv itself reports no positions). Records become the header, then rows; the first
// error stops the reading, and repeated keys are looked for once all rows are read.
class CorpusReader {
 public:
  CorpusReader() { csv_init(&parser_, CSV_STRICT | CSV_STRICT_FINI); }
  ~CorpusReader() { csv_free(&parser_); }
  CorpusReader(const CorpusReader&) = delete;
  CorpusReader& operator=(const CorpusReader&) = delete;

  bool failed() const { return error_.has_value(); }

  // At most one row per line: reserving that up front spares a million-row corpus the copies
  // of a growing vector.
  void reserve(std::size_t rows) { rows_.reserve(rows); }

  // `text` is one line including its '\n' (the last line may lack it).
  void feed_line(std::string_view text, std::size_t line) {
    current_line_ = line;
    // libcsv skips blank lines between records, so a record starts on the next non-blank one.
    if (!in_record_ && !is_blank_line(text)) {
      record_line_ = line;
      in_record_ = true;
    }
    const std::size_t consumed =
        csv_parse(&parser_, text.data(), text.size(), on_field, on_record_end, this);
    if (consumed != text.size() && !error_) {
      error_ = corpus_error(line,
                            "malformed quoting (a quote inside an unquoted field, or text after "
                            "a closing quote)");
    }
  }

  Result<std::vector<CorpusRow>> finish() {
    if (!error_ && csv_fini(&parser_, on_field, on_record_end, this) != 0) {
      error_ = corpus_error(record_line_, "a quoted field is never closed");
    }
    if (!error_) error_ = find_repeated_key(rows_);
    if (error_) return *error_;
    if (!layout_) return make_error("InvalidCorpus", "line 1: no header (the CSV text is empty)");
    return std::move(rows_);
  }

 private:
  static void on_field(void* data, std::size_t size, void* self) {
    const char* text = static_cast<const char*>(data);
    static_cast<CorpusReader*>(self)->add_field(size == 0 ? std::string_view{}
                                                          : std::string_view(text, size));
  }
  static void on_record_end(int, void* self) { static_cast<CorpusReader*>(self)->end_record(); }

  void add_field(std::string_view text) {
    if (error_) return;
    if (field_count_ == fields_.size()) {
      fields_.emplace_back(text);
    } else {
      fields_[field_count_].assign(text);
    }
    ++field_count_;
  }

  void end_record() {
    const std::size_t field_count = field_count_;
    field_count_ = 0;
    in_record_ = false;
    if (error_) return;
    const std::size_t line = record_line_;
    // A lone CR ends a record mid-line; the next record then starts on this same line.
    record_line_ = current_line_;
    if (!layout_) {
      Result<HeaderLayout> layout = read_header(fields_, field_count, line);
      if (layout) {
        layout_ = *layout;
      } else {
        error_ = layout.error();
      }
      return;
    }
    add_row(field_count, line);
  }

  void add_row(std::size_t field_count, std::size_t line) {
    Result<CorpusRow> row = read_row(fields_, field_count, *layout_, line);
    if (!row) {
      error_ = row.error();
      return;
    }
    rows_.push_back(std::move(row).value());
  }

  csv_parser parser_;
  std::vector<std::string> fields_;  // reused across records; field_count_ of them are current
  std::size_t field_count_ = 0;
  std::size_t current_line_ = 1;
  std::size_t record_line_ = 1;
  bool in_record_ = false;
  std::optional<HeaderLayout> layout_;
  std::vector<CorpusRow> rows_;
  std::optional<Error> error_;
};

}  // namespace

Result<std::vector<CorpusRow>> parse_corpus(std::string_view csv_text) {
  if (csv_text.starts_with(kUtf8ByteOrderMark)) csv_text.remove_prefix(kUtf8ByteOrderMark.size());
  CorpusReader reader;
  reader.reserve(static_cast<std::size_t>(std::count(csv_text.begin(), csv_text.end(), '\n')));
  std::size_t line = 1;
  while (!csv_text.empty() && !reader.failed()) {
    const std::size_t newline = csv_text.find('\n');
    const std::size_t length = newline == std::string_view::npos ? csv_text.size() : newline + 1;
    reader.feed_line(csv_text.substr(0, length), line);
    csv_text.remove_prefix(length);
    ++line;
  }
  return reader.finish();
}

Status check_launch_keys(const std::vector<CorpusRow>& rows, std::string_view stack_bucket,
                         std::string_view image_source_prefix) {
  for (const CorpusRow& row : rows) {
    if (Status status = check_row_keys(row, stack_bucket, image_source_prefix); !status) {
      return status;
    }
  }
  return {};
}

std::vector<CorpusRow> filter_min_confidence(std::vector<CorpusRow> rows, double min_confidence) {
  std::erase_if(
      rows, [min_confidence](const CorpusRow& row) { return !(row.confidence >= min_confidence); });
  return rows;
}

}  // namespace bulkqa
