#include "bulkqa/util/stable_hash.hpp"

namespace bulkqa {

StableHash& StableHash::add(std::string_view bytes) {
  for (const char byte : bytes) add_byte(static_cast<unsigned char>(byte));
  return *this;
}

StableHash& StableHash::add(std::uint64_t value) {
  for (int shift = 0; shift < 64; shift += 8) add_byte(static_cast<unsigned char>(value >> shift));
  return *this;
}

std::uint64_t StableHash::value() const {
  std::uint64_t mixed = state_;
  mixed ^= mixed >> 33;
  mixed *= 0xff51afd7ed558ccd;
  mixed ^= mixed >> 33;
  mixed *= 0xc4ceb9fe1a85ec53;
  mixed ^= mixed >> 33;
  return mixed;
}

void StableHash::add_byte(unsigned char byte) {
  constexpr std::uint64_t kFnvPrime = 0x100000001b3;
  state_ ^= byte;
  state_ *= kFnvPrime;
}

}  // namespace bulkqa
