// Simulated reviewers for the local demo: what a worker would answer for a batch, given which
// labels are really correct. Answers are reproducible: the same inputs give the same answer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bulkqa/qa/batching.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa {

// Which label is correct for an image, from its path: an explicit true label for that path when
// there is one, otherwise the label of its first folder ("crayfish/image_0002.jpg" is in
// "crayfish"). An image with neither has no correct label.
//
// Both CSV formats have a header naming their columns (matched after trimming blanks, in any
// order; other columns are ignored), accept quoted fields, LF or CRLF line ends and a leading
// UTF-8 byte order mark, and skip blank lines. Errors (code "InvalidTruthSource") name the line:
// no header, a missing or duplicate column, a row whose field count differs from the header's, an
// empty or non-UTF-8 field, malformed quoting, or the same key twice (both lines named).
class TruthSource {
 public:
  // Columns folder,label (samples/caltech101_labels.csv). A folder holds no '/'.
  static Result<TruthSource> from_folder_labels(std::string_view csv_text);
  // Columns image_local_path,true_label: one true label per image path.
  static Result<TruthSource> from_true_labels(std::string_view csv_text);

  // This source's entries, with those of `preferred` replacing its own for the same folder or path.
  TruthSource overridden_by(const TruthSource& preferred) const;

  bool is_correct(std::string_view image_local_path, std::string_view label) const;

 private:
  using LabelMap = std::unordered_map<std::string, std::string>;  // folder or path -> label

  LabelMap folder_labels_;
  LabelMap path_labels_;
};

struct SimulatedReviewer {
  std::string worker_id;
  double error_rate = 0;  // the chance, in [0, 1], of answering an image wrongly
  std::uint64_t seed = 1;
};

// The annotation content the worker template submits for `batch`: a JSON object text with one
// checkbox per image, named "<label>-<index>" (the image's 0-based position in the batch), valued
// {"Confirmed": true} when the label is correct for the image (its path being the key of its
// s3_image_url) and false otherwise. Each answer is flipped with the reviewer's error_rate, decided
// by a stable hash of the seed, worker id and image URL. An image URL that is not an S3 URI has no
// path, hence no correct label.
std::string simulated_annotation(const std::vector<BatchItem>& batch, const TruthSource& truth,
                                 const SimulatedReviewer& reviewer);

}  // namespace bulkqa
