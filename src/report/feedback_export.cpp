#include "bulkqa/report/feedback_export.hpp"

#include <algorithm>
#include <set>
#include <tuple>

namespace bulkqa {

namespace {

// Ordered, so that each line starts with its source-ref as Ground Truth's own manifests do.
std::string json_line(const nlohmann::ordered_json& value) {
  return value.dump() + "\n";
}

}  // namespace

std::vector<std::string> corpus_labels(const std::vector<ReviewedImage>& images) {
  std::set<std::string> labels;
  for (const auto& image : images) labels.insert(image.label);
  return {labels.begin(), labels.end()};
}

std::string confirmed_manifest(const std::vector<ReviewedImage>& images) {
  const std::vector<std::string> labels = corpus_labels(images);
  std::vector<const ReviewedImage*> confirmed;
  for (const auto& image : images) {
    if (image.status() == ImageStatus::confirmed) confirmed.push_back(&image);
  }
  std::sort(confirmed.begin(), confirmed.end(), [](const auto* a, const auto* b) {
    return std::tie(a->label, a->s3_image_url) < std::tie(b->label, b->s3_image_url);
  });
  const std::string attribute = kConfirmedLabelAttribute;
  std::string manifest;
  for (const ReviewedImage* image : confirmed) {
    const auto class_id =
        std::lower_bound(labels.begin(), labels.end(), image->label) - labels.begin();
    manifest += json_line({{"source-ref", image->s3_image_url},
                           {attribute, class_id},
                           {attribute + "-metadata",
                            {{"class-name", image->label},
                             {"confidence", image->confidence / 100},
                             {"type", "groundtruth/image-classification"},
                             {"human-annotated", "yes"},
                             {"confirm-count", image->confirm_count}}}});
  }
  return manifest;
}

std::string relabel_manifest(const std::vector<ReviewedImage>& images) {
  std::set<std::string> settled;
  std::set<std::string> rejected;
  for (const auto& image : images) {
    const ImageStatus status = image.status();
    if (status == ImageStatus::confirmed) {
      settled.insert(image.s3_image_url);
    } else if (status != ImageStatus::unreviewed) {
      rejected.insert(image.s3_image_url);
    }
  }
  std::string manifest;
  for (const auto& url : rejected) {
    if (!settled.contains(url)) manifest += json_line({{"source-ref", url}});
  }
  return manifest;
}

nlohmann::json label_categories(const std::vector<ReviewedImage>& images) {
  nlohmann::json labels = nlohmann::json::array();
  for (const auto& label : corpus_labels(images)) labels.push_back({{"label", label}});
  return {{"document-version", "2018-11-28"}, {"labels", labels}};
}

}  // namespace bulkqa
