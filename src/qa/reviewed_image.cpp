#include "bulkqa/qa/reviewed_image.hpp"

#include <algorithm>
#include <tuple>

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
    csv += csv_field(image.s3_image_url) + "," + csv_field(image.label) + "," +
           shortest_decimal(image.confidence) + "," + std::to_string(image.confirm_count) + "," +
           std::to_string(image.disconfirm_count) + "," + std::string(status_name(image.status())) +
           "\n";
  }
  return csv;
}

}  // namespace bulkqa
