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
#include <string>
#include <string_view>
#include <vector>

#include "bulkqa/util/error.hpp"

namespace bulkqa {

struct CorpusRow {
  std::string image_local_path;  // relative to the image source prefix, never absolute
  std::string label;
  double confidence;  // percent, 0..100
  std::size_t line;   // where the row starts in the CSV text
};

// Every data row in file order, or an Error (code "InvalidCorpus") naming the line and field:
// no header, a missing or duplicate column, a row whose field count differs from the header's,
// an empty path or label, a path that is absolute or holds a ".." segment, a path or label that
// holds a control character (C0, DEL or C1), text that is not UTF-8, a confidence that is not a
// finite number in [0, 100], malformed quoting, or the same image path with the same label twice
// (both lines named). A header alone gives an empty corpus.
Result<std::vector<CorpusRow>> parse_corpus(std::string_view csv_text);

// The rows with confidence >= min_confidence, in their order.
std::vector<CorpusRow> filter_min_confidence(std::vector<CorpusRow> rows, double min_confidence);

// Checks the keys launch writes for `rows`, so that a launch fails before its first write rather
// than halfway: each image is read from `image_source_prefix` + path, copied to the stack bucket
// under its path, and keyed in the image table by (s3://<stack_bucket>/<path>, label). The first
// row at fault gives an Error (code "InvalidCorpus") naming its line and field: a path where the
// stack keeps its own objects (qa/stack_layout.hpp), or a key over S3's or DynamoDB's limit.
Status check_launch_keys(const std::vector<CorpusRow>& rows, std::string_view stack_bucket,
                         std::string_view image_source_prefix);

}  // namespace bulkqa
