#include "bulkqa/review/placeholder_image.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>

#include "bulkqa/util/stable_hash.hpp"

namespace bulkqa {

namespace {

constexpr int kMaxSide = 4096;  // keeps the whole image in one IDAT chunk, far below 2^31 bytes

struct Rgb {
  std::uint8_t red;
  std::uint8_t green;
  std::uint8_t blue;
};

// The colour of `hue` (degrees, [0, 360)) at the given saturation and value (percent), in
// integers so every platform draws the same bytes.
Rgb colour_of(int hue, int saturation_percent, int value_percent) {
  const int high = 255 * value_percent / 100;
  const int low = high * (100 - saturation_percent) / 100;
  const int rising = low + (high - low) * (hue % 60) / 60;
  const int falling = high - (high - low) * (hue % 60) / 60;
  const auto rgb = [](int red, int green, int blue) {
    return Rgb{static_cast<std::uint8_t>(red), static_cast<std::uint8_t>(green),
               static_cast<std::uint8_t>(blue)};
  };
  switch (hue / 60) {
    case 0:
      return rgb(high, rising, low);
    case 1:
      return rgb(falling, high, low);
    case 2:
      return rgb(low, high, rising);
    case 3:
      return rgb(low, falling, high);
    case 4:
      return rgb(rising, low, high);
    default:
      return rgb(high, low, falling);
  }
}

// What the picture looks like, all chosen from the seed.
struct Design {
  Rgb background;
  Rgb stripe;
  Rgb square;
  int stripe_width;
  int stripe_offset;
  bool stripes_rise;  // bottom-left to top-right, else top-left to bottom-right
  int square_side;
};

std::string_view folder_of(std::string_view seed) {
  return seed.substr(0, seed.find('/'));
}

// Draws bits from a hash, a few at a time.
class HashBits {
 public:
  explicit HashBits(std::uint64_t hash) : hash_(hash) {}
  int next(int bound) {
    const int value = static_cast<int>(hash_ % static_cast<std::uint64_t>(bound));
    hash_ /= static_cast<std::uint64_t>(bound);
    return value;
  }

 private:
  std::uint64_t hash_;
};

Design design_for(std::string_view seed, int width, int height) {
  const int hue = static_cast<int>(StableHash().add(folder_of(seed)).value() % 360);
  HashBits bits(StableHash().add(seed).value());
  Design design{};
  design.background = colour_of(hue, 35, 92);
  design.stripe = colour_of(hue, 55, 72);
  design.square = colour_of((hue + 150 + bits.next(60)) % 360, 60, 50);
  design.stripe_width = 4 + bits.next(10);
  design.stripe_offset = bits.next(2 * design.stripe_width);
  design.stripes_rise = bits.next(2) == 1;
  const int shorter_side = std::min(width, height);
  design.square_side = std::max(1, shorter_side * (25 + bits.next(26)) / 100);
  return design;
}

Rgb pixel_at(const Design& design, int x, int y, int width, int height) {
  const int square_left = (width - design.square_side) / 2;
  const int square_top = (height - design.square_side) / 2;
  if (x >= square_left && x < square_left + design.square_side && y >= square_top &&
      y < square_top + design.square_side) {
    return design.square;
  }
  const int diagonal = (design.stripes_rise ? x + y : x + (height - 1 - y)) + design.stripe_offset;
  return (diagonal / design.stripe_width) % 2 == 0 ? design.stripe : design.background;
}

// PNG scanlines, each a filter-type byte (0: none) and the row's RGB bytes.
std::string scanlines(const Design& design, int width, int height) {
  std::string raw;
  raw.reserve(static_cast<std::size_t>(height) * (1 + 3 * static_cast<std::size_t>(width)));
  for (int y = 0; y < height; ++y) {
    raw.push_back('\0');
    for (int x = 0; x < width; ++x) {
      const Rgb colour = pixel_at(design, x, y, width, height);
      raw.push_back(static_cast<char>(colour.red));
      raw.push_back(static_cast<char>(colour.green));
      raw.push_back(static_cast<char>(colour.blue));
    }
  }
  return raw;
}

void append_u32_big_endian(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

void append_u16_little_endian(std::string& out, std::uint16_t value) {
  out.push_back(static_cast<char>(value & 0xFF));
  out.push_back(static_cast<char>(value >> 8));
}

// CRC-32 as PNG defines it (ISO 3309, reflected polynomial 0xEDB88320).
constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t byte = 0; byte < 256; ++byte) {
    std::uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
    table[byte] = crc;
  }
  return table;
}

constexpr std::array<std::uint32_t, 256> kCrcTable = make_crc_table();

std::uint32_t crc32(std::string_view bytes) {
  std::uint32_t crc = 0xFFFFFFFF;
  for (const char byte : bytes) {
    crc = kCrcTable[(crc ^ static_cast<unsigned char>(byte)) & 0xFF] ^ (crc >> 8);
  }
  return crc ^ 0xFFFFFFFF;
}

std::uint32_t adler32(std::string_view bytes) {
  constexpr std::uint32_t kModulus = 65521;
  // The most bytes after which the sums still fit in 32 bits before reducing (zlib's NMAX).
  constexpr std::size_t kMaxRun = 5552;
  std::uint32_t low = 1;
  std::uint32_t high = 0;
  while (!bytes.empty()) {
    const std::string_view run = bytes.substr(0, kMaxRun);
    for (const char byte : run) {
      low += static_cast<unsigned char>(byte);
      high += low;
    }
    low %= kModulus;
    high %= kModulus;
    bytes.remove_prefix(run.size());
  }
  return (high << 16) | low;
}

// A zlib stream (RFC 1950) of stored deflate blocks (RFC 1951, BTYPE 00): valid without a
// compressor, and the pictures are small.
std::string zlib_stored(std::string_view raw) {
  constexpr std::size_t kMaxBlock = 65535;
  std::string out;
  out.push_back('\x78');  // CMF: deflate, 32 KiB window
  out.push_back('\x01');  // FLG: no dictionary, check bits making CMF*256+FLG a multiple of 31
  std::string_view rest = raw;
  do {
    const std::string_view block = rest.substr(0, kMaxBlock);
    rest.remove_prefix(block.size());
    out.push_back(rest.empty() ? '\x01' : '\x00');  // BFINAL on the last block, BTYPE 00
    const auto length = static_cast<std::uint16_t>(block.size());
    append_u16_little_endian(out, length);
    append_u16_little_endian(out, static_cast<std::uint16_t>(~length));
    out.append(block);
  } while (!rest.empty());
  append_u32_big_endian(out, adler32(raw));
  return out;
}

void append_chunk(std::string& png, std::string_view type, std::string_view data) {
  append_u32_big_endian(png, static_cast<std::uint32_t>(data.size()));
  std::string typed(type);
  typed.append(data);
  png.append(typed);
  append_u32_big_endian(png, crc32(typed));
}

std::string image_header(int width, int height) {
  std::string header;
  append_u32_big_endian(header, static_cast<std::uint32_t>(width));
  append_u32_big_endian(header, static_cast<std::uint32_t>(height));
  header.push_back('\x08');  // bit depth
  header.push_back('\x02');  // colour type: RGB
  header.push_back('\x00');  // compression: deflate
  header.push_back('\x00');  // filter method: adaptive (each row names its filter)
  header.push_back('\x00');  // no interlace
  return header;
}

}  // namespace

std::string placeholder_png(std::string_view seed, int width, int height) {
  if (width < 1 || width > kMaxSide || height < 1 || height > kMaxSide) {
    throw std::invalid_argument("placeholder_png: size " + std::to_string(width) + "x" +
                                std::to_string(height) + " is outside 1.." +
                                std::to_string(kMaxSide));
  }
  const Design design = design_for(seed, width, height);
  std::string png("\x89PNG\r\n\x1A\n", 8);
  append_chunk(png, "IHDR", image_header(width, height));
  append_chunk(png, "IDAT", zlib_stored(scanlines(design, width, height)));
  append_chunk(png, "IEND", {});
  return png;
}

}  // namespace bulkqa
