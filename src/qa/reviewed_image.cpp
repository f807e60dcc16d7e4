#include "bulkqa/qa/reviewed_image.hpp"

#include <algorithm>
#include <tuple>

#include "bulkqa/util/csv_records.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa {

ImageStatus ReviewedImage::status() const {
  return image_status(confirm_count, disconfirm_count);
}

std::string reviewed_images_csv(std::vector<ReviewedImage> images) {
  std::sort(images.begin(), images.end(), [](const ReviewedImage& a, const ReviewedImage& b) {
    return std::tie(a.label, a.s3_image_url) < std::tie(b.label, b.s3_image_url);
  });
  std::string csv = "s3_image_url,label,confidence,confirm_count,disconfirm_count,status\n";
  for (const ReviewedImage& image : images) {
    csv += csv_line({CsvCell::text(image.s3_image_url), CsvCell::text(image.label),
                     CsvCell::number(shortest_decimal(image.confidence)),
                     CsvCell::number(std::to_string(image.confirm_count)),
                     CsvCell::number(std::to_string(image.disconfirm_count)),
                     CsvCell::text(status_name(image.status()))});
  }
  return csv;
}

}  // namespace bulkqa
