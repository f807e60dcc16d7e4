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
// an empty path or label, a path that is absolute, holds a control character or a ".." segment,
// text that is not UTF-8, a confidence that is not a finite number in [0, 100], malformed
// quoting, or the same image path with the same label twice (both lines named). A header alone
// gives an empty corpus.
Result<std::vector<CorpusRow>> parse_corpus(std::string_view csv_text);

// The rows with confidence >= min_confidence, in their order.
std::vector<CorpusRow> filter_min_confidence(std::vector<CorpusRow> rows, double min_confidence);

}  // namespace bulkqa
