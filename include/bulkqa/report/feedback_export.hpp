// What goes back into training after the review: the confirmed images as a cleaned training set,
// and the rejected ones as the input of a follow-up Ground Truth image-classification job.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulkqa/qa/reviewed_image.hpp"

namespace bulkqa {

// The labels of all the images (reviewed or not), sorted and without repeats: the classes of the
// follow-up job, whose positions are the class ids of the confirmed manifest.
std::vector<std::string> corpus_labels(const std::vector<ReviewedImage>& images);

// The attribute that holds the label in the confirmed manifest, as a Ground Truth job's
// LabelAttributeName would.
inline constexpr const char* kConfirmedLabelAttribute = "label";

// A JSON Lines augmented manifest of the confirmed images, sorted by label then URL, one line per
// (image, label):
//   {"source-ref": url, "label": <class id>, "label-metadata": {"class-name": label,
//    "confidence": <model confidence / 100>, "type": "groundtruth/image-classification",
//    "human-annotated": "yes", "confirm-count": n}}
// The class id is the label's position in corpus_labels(images).
std::string confirmed_manifest(const std::vector<ReviewedImage>& images);

// A JSON Lines input manifest, {"source-ref": url} per line, sorted by URL: every image that is
// disconfirmed or split under some label and confirmed under none (an image confirmed under one
// label is settled, whatever its other labels got). Each image once.
std::string relabel_manifest(const std::vector<ReviewedImage>& images);

// Ground Truth's label-categories file listing corpus_labels(images):
//   {"document-version": "2018-11-28", "labels": [{"label": "..."}, ...]}
nlohmann::json label_categories(const std::vector<ReviewedImage>& images);

}  // namespace bulkqa
