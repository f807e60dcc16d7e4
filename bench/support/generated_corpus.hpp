// A labeled corpus of any size for the benchmarks, shaped like the samples: 101 classes (one folder
// of images each, as Caltech 101), labels that sometimes need CSV quoting, confidences 50–100.
#pragma once

#include <cstddef>
#include <string>

namespace bulkqa::bench {

// The image of data row `row` (from 0): "class_<class>/image_<row>.jpg", distinct per row.
std::string generated_image_path(std::size_t row);

// The corpus CSV with `rows` data rows, CRLF line ends, one row per image.
std::string generated_corpus(std::size_t rows);

}  // namespace bulkqa::bench
