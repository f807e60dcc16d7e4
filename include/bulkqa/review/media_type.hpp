// The media type of an image from its first bytes, for serving objects whose stored type is not
// known (the review page's images, read back from S3).
#pragma once

#include <string_view>

namespace bulkqa {

// "image/jpeg", "image/png", "image/gif" or "image/webp" by their signatures;
// "application/octet-stream" for anything else.
std::string_view image_media_type(std::string_view bytes);

}  // namespace bulkqa
