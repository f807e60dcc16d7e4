// A hash that is the same on every platform, compiler and run (unlike std::hash), for choices
// that must reproduce: simulated answers, placeholder pictures.
#pragma once

#include <cstdint>
#include <string_view>

namespace bulkqa {

// FNV-1a, 64-bit, over the bytes added, with a final bit mix.
class StableHash {
 public:
  StableHash& add(std::string_view bytes);
  // The value's 8 bytes, little-endian whatever the machine's byte order.
  StableHash& add(std::uint64_t value);

  // FNV-1a barely changes its high bits when only the last bytes differ ("image_0001.jpg",
  // "image_0002.jpg"), so the state goes through MurmurHash3's finalizer, which spreads every bit
  // over all 64.
  std::uint64_t value() const;

 private:
  void add_byte(unsigned char byte);

  std::uint64_t state_ = 0xcbf29ce484222325;  // the FNV-1a 64 offset basis
};

}  // namespace bulkqa
