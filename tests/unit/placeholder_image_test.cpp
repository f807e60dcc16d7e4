#include "bulkqa/review/placeholder_image.hpp"

#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

namespace bulkqa {
namespace {

// A minimal PNG reader written apart from the writer (bitwise CRC, per-byte Adler-32), which
// accepts only what placeholder_png promises: RGB, 8 bits, no interlace, one IDAT of stored
// deflate blocks. Failed checks are reported as test failures.

std::uint32_t big_endian_u32(std::string_view bytes, std::size_t at) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i)
    value = (value << 8) | static_cast<std::uint8_t>(bytes[at + i]);
  return value;
}

std::uint16_t little_endian_u16(std::string_view bytes, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<std::uint8_t>(bytes[at]) |
                                    (static_cast<std::uint8_t>(bytes[at + 1]) << 8));
}

std::uint32_t bitwise_crc32(std::string_view bytes) {
  std::uint32_t crc = 0xFFFFFFFF;
  for (const char byte : bytes) {
    crc ^= static_cast<std::uint8_t>(byte);
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) ? 0xEDB88320 : 0);
  }
  return ~crc;
}

std::uint32_t per_byte_adler32(std::string_view bytes) {
  std::uint32_t low = 1;
  std::uint32_t high = 0;
  for (const char byte : bytes) {
    low = (low + static_cast<std::uint8_t>(byte)) % 65521;
    high = (high + low) % 65521;
  }
  return (high << 16) | low;
}

struct Chunk {
  std::string type;
  std::string data;
};

std::vector<Chunk> read_chunks(std::string_view png) {
  std::vector<Chunk> chunks;
  EXPECT_EQ(png.substr(0, 8), std::string_view("\x89PNG\r\n\x1A\n", 8));
  std::size_t at = 8;
  while (at < png.size()) {
    if (png.size() - at < 12) {
      ADD_FAILURE() << "truncated chunk at byte " << at;
      break;
    }
    const std::uint32_t length = big_endian_u32(png, at);
    if (png.size() - at - 12 < length) {
      ADD_FAILURE() << "chunk at byte " << at << " overruns the file";
      break;
    }
    const std::string_view typed = png.substr(at + 4, 4 + length);
    EXPECT_EQ(big_endian_u32(png, at + 8 + length), bitwise_crc32(typed))
        << "CRC of chunk " << typed.substr(0, 4);
    chunks.push_back({std::string(typed.substr(0, 4)), std::string(typed.substr(4))});
    at += 12 + length;
  }
  return chunks;
}

struct StoredStream {
  std::string data;
  std::vector<std::size_t> block_lengths;
};

// The zlib stream's content, checking its header, each stored block's LEN/NLEN and BFINAL, and
// the Adler-32 trailer.
StoredStream inflate_stored(std::string_view zlib) {
  StoredStream stream;
  if (zlib.size() < 6) {
    ADD_FAILURE() << "zlib stream of " << zlib.size() << " bytes";
    return stream;
  }
  const auto cmf = static_cast<std::uint8_t>(zlib[0]);
  const auto flg = static_cast<std::uint8_t>(zlib[1]);
  EXPECT_EQ(cmf & 0x0F, 8) << "compression method deflate";
  EXPECT_LE(cmf >> 4, 7) << "window size";
  EXPECT_EQ((cmf * 256 + flg) % 31, 0) << "header check bits";
  EXPECT_EQ(flg & 0x20, 0) << "no preset dictionary";
  std::size_t at = 2;
  bool final_block = false;
  while (!final_block) {
    if (zlib.size() - at < 5) {
      ADD_FAILURE() << "truncated block header at byte " << at;
      return stream;
    }
    const auto header = static_cast<std::uint8_t>(zlib[at]);
    EXPECT_EQ(header & 0xF8, 0) << "stored block header padding";
    EXPECT_EQ((header >> 1) & 0x03, 0) << "BTYPE stored";
    final_block = (header & 1) != 0;
    const std::uint16_t length = little_endian_u16(zlib, at + 1);
    EXPECT_EQ(little_endian_u16(zlib, at + 3), static_cast<std::uint16_t>(~length)) << "NLEN";
    at += 5;
    if (zlib.size() - at < length) {
      ADD_FAILURE() << "stored block overruns the stream";
      return stream;
    }
    stream.data.append(zlib.substr(at, length));
    stream.block_lengths.push_back(length);
    at += length;
  }
  EXPECT_EQ(zlib.size() - at, 4u) << "only the Adler-32 follows the last block";
  if (zlib.size() - at >= 4) {
    EXPECT_EQ(big_endian_u32(zlib, at), per_byte_adler32(stream.data));
  }
  return stream;
}

struct DecodedImage {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::vector<std::size_t> block_lengths;
  std::string pixels;  // RGB, rows top to bottom, filter bytes removed
};

DecodedImage decode(std::string_view png) {
  DecodedImage image;
  const std::vector<Chunk> chunks = read_chunks(png);
  std::vector<std::string> types;
  for (const Chunk& chunk : chunks) types.push_back(chunk.type);
  EXPECT_EQ(types, (std::vector<std::string>{"IHDR", "IDAT", "IEND"}));
  if (types.size() != 3) return image;
  const std::string& header = chunks[0].data;
  EXPECT_EQ(header.size(), 13u);
  if (header.size() != 13) return image;
  image.width = big_endian_u32(header, 0);
  image.height = big_endian_u32(header, 4);
  EXPECT_EQ(header.substr(8), std::string("\x08\x02\x00\x00\x00", 5))
      << "bit depth 8, RGB, deflate, adaptive filtering, no interlace";
  EXPECT_TRUE(chunks[2].data.empty());
  const StoredStream stream = inflate_stored(chunks[1].data);
  image.block_lengths = stream.block_lengths;
  const std::size_t row_size = 1 + 3 * static_cast<std::size_t>(image.width);
  EXPECT_EQ(stream.data.size(), image.height * row_size);
  if (stream.data.size() != image.height * row_size) return image;
  for (std::size_t row = 0; row < image.height; ++row) {
    EXPECT_EQ(stream.data[row * row_size], '\0') << "filter type of row " << row;
    image.pixels.append(stream.data, row * row_size + 1, row_size - 1);
  }
  return image;
}

using Colour = std::tuple<char, char, char>;

std::set<Colour> colours_of(const std::string& pixels) {
  std::set<Colour> colours;
  for (std::size_t at = 0; at + 2 < pixels.size(); at += 3) {
    colours.emplace(pixels[at], pixels[at + 1], pixels[at + 2]);
  }
  return colours;
}

TEST(PlaceholderPng, IsAValidRgbPngOfTheRequestedSize) {
  const DecodedImage image = decode(placeholder_png("crayfish/image_0002.jpg", 40, 30));
  EXPECT_EQ(image.width, 40u);
  EXPECT_EQ(image.height, 30u);
  EXPECT_EQ(image.block_lengths, (std::vector<std::size_t>{30 * (1 + 3 * 40)}));
  EXPECT_EQ(image.pixels.size(), 40u * 30u * 3u);
}

TEST(PlaceholderPng, DefaultSizeIs96Square) {
  const DecodedImage image = decode(placeholder_png("crab/image_0001.jpg"));
  EXPECT_EQ(image.width, 96u);
  EXPECT_EQ(image.height, 96u);
}

TEST(PlaceholderPng, LargeImagesSplitIntoStoredBlocksOfAtMost65535Bytes) {
  const DecodedImage image = decode(placeholder_png("lobster/image_0001.jpg", 300, 200));
  const std::size_t raw_size = 200 * (1 + 3 * 300);  // 180200 bytes
  EXPECT_EQ(image.block_lengths, (std::vector<std::size_t>{65535, 65535, raw_size - 2 * 65535}));
  EXPECT_EQ(image.pixels.size(), 300u * 200u * 3u);
}

TEST(PlaceholderPng, SinglePixel) {
  const DecodedImage image = decode(placeholder_png("", 1, 1));
  EXPECT_EQ(image.width, 1u);
  EXPECT_EQ(image.height, 1u);
  EXPECT_EQ(image.pixels.size(), 3u);
}

TEST(PlaceholderPng, SameSeedGivesTheSameBytes) {
  EXPECT_EQ(placeholder_png("crab/image_0001.jpg"), placeholder_png("crab/image_0001.jpg"));
}

TEST(PlaceholderPng, DifferentSeedsGiveDifferentPixels) {
  const std::string crab = decode(placeholder_png("crab/image_0001.jpg")).pixels;
  const std::string other_crab = decode(placeholder_png("crab/image_0002.jpg")).pixels;
  const std::string lobster = decode(placeholder_png("lobster/image_0001.jpg")).pixels;
  EXPECT_NE(crab, other_crab);
  EXPECT_NE(crab, lobster);
  // Images of different folders are painted in different colours, not just another pattern.
  EXPECT_NE(colours_of(crab), colours_of(lobster));
  EXPECT_GE(colours_of(crab).size(), 2u) << "a pattern, not a flat colour";
}

TEST(PlaceholderPng, RejectsSizesOutsideTheLimits) {
  EXPECT_THROW(placeholder_png("a", 0, 10), std::invalid_argument);
  EXPECT_THROW(placeholder_png("a", 10, -1), std::invalid_argument);
  EXPECT_THROW(placeholder_png("a", 4097, 10), std::invalid_argument);
}

}  // namespace
}  // namespace bulkqa
