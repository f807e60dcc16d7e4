// The labeled corpus CSV (parse_corpus): any text gives rows or an InvalidCorpus error, every row
// meets the documented constraints, and rows written back as CSV read back the same.
#include <cmath>
#include <string>
#include <vector>

#include "bulkqa/qa/corpus.hpp"
#include "bulkqa/util/text.hpp"
#include "fuzz_input.hpp"

namespace {

using bulkqa::CorpusRow;
using bulkqa::fuzz::require;

void check_row(const CorpusRow& row) {
  require(!row.image_local_path.empty() && !row.image_local_path.starts_with('/'),
          "a row's path is relative and not empty");
  require(bulkqa::is_valid_utf8(row.image_local_path), "a row's path is UTF-8");
  require(!row.label.empty() && bulkqa::is_valid_utf8(row.label), "a row's label is UTF-8 text");
  require(std::isfinite(row.confidence) && row.confidence >= 0 && row.confidence <= 100,
          "a row's confidence is in [0, 100]");
  require(row.line >= 1, "a row names its line");
}

std::string corpus_csv(const std::vector<CorpusRow>& rows) {
  std::string csv = "image_local_path,label,confidence\n";
  for (const CorpusRow& row : rows) {
    csv += bulkqa::fuzz::quoted_csv_field(row.image_local_path) + ',' +
           bulkqa::fuzz::quoted_csv_field(row.label) + ',' +
           bulkqa::shortest_decimal(row.confidence) + '\n';
  }
  return csv;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto rows = bulkqa::parse_corpus(bulkqa::fuzz::as_text(data, size));
  if (!bulkqa::fuzz::succeeded(rows, "InvalidCorpus")) return 0;
  for (const CorpusRow& row : *rows) check_row(row);

  const auto again = bulkqa::parse_corpus(corpus_csv(*rows));
  require(again.ok() && again->size() == rows->size(), "the rows written as CSV read back");
  for (std::size_t at = 0; at < rows->size(); ++at) {
    const CorpusRow& before = (*rows)[at];
    const CorpusRow& after = (*again)[at];
    require(after.image_local_path == before.image_local_path && after.label == before.label &&
                after.confidence == before.confidence,
            "a row written as CSV reads back the same");
  }
  return 0;
}
