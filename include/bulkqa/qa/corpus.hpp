// The labeled corpus: a CSV file with one row per (image, label) the model produced.
//
// Format: a header row, then data rows. The columns image_local_path, label and confidence are
// found by name in any order; names are matched after trimming blanks and ignoring ASCII case
// ("Label" is label); other columns are ignored. Quoted fields (with commas, doubled quotes and
// newlines), LF or CRLF line ends and a leading UTF-8 byte order mark are accepted; blank lines
// are skipped. Lines are counted from 1 (the header, when the file starts with it), and a row's
// line is the one it starts on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bulkqa/util/error.hpp"

namespace bulkqa {

struct CorpusRow {
  std::string image_local_path;  // relative to the image source prefix, never absolute
  std::string label;
  double confidence;  // percent, 0..100
  std::size_t line;   // where the row starts in the CSV text
};

// One row of a CompactCorpus, viewing its text.
struct CorpusRowView {
  std::string_view image_local_path;
  std::string_view label;
  double confidence;
  std::size_t line;
};

// A corpus held compactly, for launch's million rows: the paths in one buffer, each label once,
// about 32 bytes a row besides the path's own bytes (a CorpusRow's strings take four times that).
class CompactCorpus {
 public:
  void reserve(std::size_t rows, std::size_t path_bytes);
  // Appends a row (unchecked: parse_compact_corpus checks what it adds).
  void add(std::string_view image_local_path, std::string_view label, double confidence,
           std::size_t line);
  // Keeps the rows with confidence >= min_confidence, in their order.
  void keep_min_confidence(double min_confidence);

  std::size_t size() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }
  CorpusRowView row(std::size_t index) const;
  std::string_view image_local_path(std::size_t index) const;
  // Labels are numbered from 0 in order of first appearance among the rows added.
  std::uint32_t label_id(std::size_t index) const { return rows_[index].label_id; }
  std::string_view label(std::uint32_t label_id) const { return labels_[label_id]; }
  std::size_t label_count() const { return labels_.size(); }

  std::vector<CorpusRow> rows() const;

 private:
  struct StoredRow {
    std::size_t path_offset;  // into paths_
    std::uint32_t path_size;
    std::uint32_t label_id;
    double confidence;
    std::size_t line;
  };
  std::string paths_;
  std::vector<std::string> labels_;
  std::unordered_map<std::string, std::uint32_t> label_ids_;
  std::vector<StoredRow> rows_;
};

// Every data row in file order, or an Error (code "InvalidCorpus") naming the line and field:
// no header, a missing or duplicate column, a row whose field count differs from the header's,
// an empty path or label, a path that is absolute or holds a ".." segment, a path or label that
// holds a control character (C0, DEL or C1), text that is not UTF-8, a confidence that is not a
// finite number in [0, 100], malformed quoting, or the same image path with the same label twice
// (both lines named). A header alone gives an empty corpus.
Result<CompactCorpus> parse_compact_corpus(std::string_view csv_text);
// The same, as a vector of rows: for corpora that fit in memory many times over.
Result<std::vector<CorpusRow>> parse_corpus(std::string_view csv_text);

// Where launch finds each image and where it puts it.
struct ImagePlacement {
  std::string stack_bucket;
  std::string image_source_bucket;
  std::string image_source_prefix;
  bool copy_images = true;  // false: the batches and the table name the source object itself

  // The key the image has in the image source: the prefix, then the path.
  std::string source_key(std::string_view image_local_path) const;
  // "s3://bucket/key" of the image that reviewers see: the copy in the stack bucket (key: the
  // path), or the source object.
  std::string image_url(std::string_view image_local_path) const;
};

// Checks the keys launch writes for the corpus, so that a launch fails before its first write
// rather than halfway: each image is read from its source key, copied to the stack bucket under
// its path (when copying), and keyed in the image table by (its image_url, label). The first row
// at fault gives an Error (code "InvalidCorpus") naming its line and field: a copy's path where the
// stack keeps its own objects (qa/stack_layout.hpp), or a key over S3's or DynamoDB's limit.
Status check_launch_keys(const CompactCorpus& corpus, const ImagePlacement& placement);

}  // namespace bulkqa
