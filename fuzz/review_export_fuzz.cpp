// The table export that `bulkqa report --input` reads, as CSV or JSON Lines. Any text gives
// images or an InvalidReviewExport error; every image meets the documented constraints, and
// images written back in either format read back the same.
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulkqa/report/review_export.hpp"
#include "bulkqa/util/text.hpp"
#include "fuzz_input.hpp"

namespace {

using bulkqa::ReviewedImage;
using bulkqa::fuzz::require;
using Images = std::vector<ReviewedImage>;

std::string as_csv(const Images& images) {
  std::string csv = "s3_image_url,label,confidence,WorkerConfirmCount,WorkerDisconfirmCount\n";
  for (const ReviewedImage& image : images) {
    csv += bulkqa::fuzz::quoted_csv_field(image.s3_image_url) + ',' +
           bulkqa::fuzz::quoted_csv_field(image.label) + ',' +
           bulkqa::shortest_decimal(image.confidence) + ',' + std::to_string(image.confirm_count) +
           ',' + std::to_string(image.disconfirm_count) + '\n';
  }
  return csv;
}

std::string as_json_lines(const Images& images) {
  std::string lines;
  for (const ReviewedImage& image : images) {
    const nlohmann::json line = {{"s3_image_url", image.s3_image_url},
                                 {"label", image.label},
                                 {"confidence", image.confidence},
                                 {"WorkerConfirmCount", image.confirm_count},
                                 {"WorkerDisconfirmCount", image.disconfirm_count}};
    lines += line.dump() + '\n';
  }
  return lines;
}

bool same_images(const Images& a, const Images& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t at = 0; at < a.size(); ++at) {
    if (a[at].s3_image_url != b[at].s3_image_url || a[at].label != b[at].label ||
        a[at].confidence != b[at].confidence || a[at].confirm_count != b[at].confirm_count ||
        a[at].disconfirm_count != b[at].disconfirm_count) {
      return false;
    }
  }
  return true;
}

void check(const bulkqa::Result<Images>& images) {
  if (!bulkqa::fuzz::succeeded(images, "InvalidReviewExport")) return;
  for (const ReviewedImage& image : *images) {
    require(!image.s3_image_url.empty() && !image.label.empty(), "an image has a URL and label");
    require(std::isfinite(image.confidence) && image.confidence >= 0 && image.confidence <= 100,
            "an image's confidence is in [0, 100]");
  }
  const auto from_csv = bulkqa::parse_review_csv(as_csv(*images));
  require(from_csv.ok() && same_images(*from_csv, *images), "images written as CSV read back");
  const auto from_json = bulkqa::parse_review_json_lines(as_json_lines(*images));
  require(from_json.ok() && same_images(*from_json, *images),
          "images written as JSON Lines read back");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = bulkqa::fuzz::as_text(data, size);
  check(bulkqa::parse_review_export(text));
  check(bulkqa::parse_review_csv(text));
  check(bulkqa::parse_review_json_lines(text));
  return 0;
}
