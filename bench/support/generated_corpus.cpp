#include "support/generated_corpus.hpp"

namespace bulkqa::bench {
namespace {

constexpr std::size_t kClasses = 101;

std::size_t class_of(std::size_t row) {
  return row % kClasses;
}

// Every tenth class's label holds a comma, so the parser's quoted path is measured too.
std::string label_of(std::size_t row) {
  const std::size_t label = class_of(row);
  return label % 10 == 0 ? "\"Label, number " + std::to_string(label) + "\""
                         : "Label " + std::to_string(label);
}

}  // namespace

std::string generated_image_path(std::size_t row) {
  return "class_" + std::to_string(class_of(row)) + "/image_" + std::to_string(row) + ".jpg";
}

std::string generated_corpus(std::size_t rows) {
  std::string csv = "image_local_path,label,confidence\r\n";
  csv.reserve(rows * 48);
  for (std::size_t row = 0; row < rows; ++row) {
    csv += generated_image_path(row) + ',' + label_of(row) + ',' +
           std::to_string(50 + static_cast<double>(row % 5000) / 100.0) + "\r\n";
  }
  return csv;
}

}  // namespace bulkqa::bench
