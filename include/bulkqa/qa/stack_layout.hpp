// The stack bucket's own objects, and the limits of the keys launch writes. Launch copies each
// image to the stack bucket under its image_local_path, next to the objects below; an image at
// one of their keys would overwrite them, be overwritten, or be deleted with them.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace bulkqa {

// The batch objects; launch deletes every object under it that the new manifest does not name.
inline constexpr const char* kBatchPrefix = "batches/";
// The labeling job's input manifest.
inline constexpr const char* kManifestKey = "manifest.json";
// The worker UI template.
inline constexpr const char* kWorkerTemplateKey = "templates/bulkqa.liquid.html";
// Where the labeling job writes its output (the stack's OutputPath).
inline constexpr const char* kGroundTruthOutputPrefix = "ground-truth-output/";

// S3's limit on an object key, in bytes of UTF-8.
inline constexpr std::size_t kMaxS3KeyBytes = 1024;
// DynamoDB's limits on the image table's keys, in bytes of UTF-8: s3_image_url is the partition
// key, label the sort key.
inline constexpr std::size_t kMaxPartitionKeyBytes = 2048;
inline constexpr std::size_t kMaxSortKeyBytes = 1024;

// What the stack keeps at `key` ("the manifest", "the batch objects under 'batches/'", ...), or
// nullopt when `key` is free for an image.
std::optional<std::string> stack_object_at(std::string_view key);

}  // namespace bulkqa
