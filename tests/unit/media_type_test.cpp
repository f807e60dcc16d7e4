#include "bulkqa/review/media_type.hpp"

#include <string>

#include <gtest/gtest.h>

#include "bulkqa/review/placeholder_image.hpp"

namespace bulkqa {
namespace {

using namespace std::string_literals;

TEST(ImageMediaType, KnownSignatures) {
  EXPECT_EQ(image_media_type("\xFF\xD8\xFF\xE0\x00\x10JFIF"s), "image/jpeg");
  EXPECT_EQ(image_media_type(placeholder_png("crab/image_0001.jpg")), "image/png");
  EXPECT_EQ(image_media_type("GIF89a\x01\x00"s), "image/gif");
  EXPECT_EQ(image_media_type("RIFF\x24\x00\x00\x00WEBPVP8 "s), "image/webp");
}

TEST(ImageMediaType, AnythingElseIsOctetStream) {
  EXPECT_EQ(image_media_type(""), "application/octet-stream");
  EXPECT_EQ(image_media_type("\xFF\xD8"s), "application/octet-stream");
  EXPECT_EQ(image_media_type("RIFF\x24\x00\x00\x00WAVE"s), "application/octet-stream");
  EXPECT_EQ(image_media_type("<html>"), "application/octet-stream");
}

}  // namespace
}  // namespace bulkqa
