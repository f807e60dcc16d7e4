#include "bulkqa/util/text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace bulkqa {

namespace {

constexpr std::size_t kMaxQuotedBytes = 80;
constexpr std::string_view kWhitespace = " \t\r\n";

bool is_continuation_byte(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

// Length of the UTF-8 sequence a lead byte starts, or 0 for a byte that cannot start one.
std::size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// Rejects overlong forms, UTF-16 surrogates and code points above U+10FFFF, which the continuation
// byte pattern alone would let through.
bool second_byte_in_range(unsigned char lead, unsigned char second) {
  switch (lead) {
    case 0xE0:
      return second >= 0xA0;
    case 0xED:
      return second <= 0x9F;
    case 0xF0:
      return second >= 0x90;
    case 0xF4:
      return second <= 0x8F;
    default:
      return true;
  }
}

}  // namespace

bool is_ascii_alphanumeric(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_ascii_control(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7F;
}

bool contains_ascii_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return is_ascii_control(c); });
}

bool contains_control_character(std::string_view utf8) {
  for (std::size_t at = 0; at < utf8.size(); ++at) {
    if (is_ascii_control(utf8[at])) return true;
    // C1 (U+0080-U+009F) is 0xC2 followed by 0x80-0x9F in UTF-8.
    if (static_cast<unsigned char>(utf8[at]) == 0xC2 && at + 1 < utf8.size() &&
        static_cast<unsigned char>(utf8[at + 1]) <= 0x9F) {
      return true;
    }
  }
  return false;
}

char to_ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string to_ascii_lower(std::string_view text) {
  std::string lowered(text);
  for (char& c : lowered) c = to_ascii_lower(c);
  return lowered;
}

std::string_view trim_blanks(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

std::string_view trim_whitespace(std::string_view text) {
  const auto first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kWhitespace);
  return text.substr(first, last - first + 1);
}

bool is_blank(std::string_view text) {
  return text.find_first_not_of(kWhitespace) == std::string_view::npos;
}

std::optional<double> parse_finite_number(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc{} || stop != end || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc{} || stop != end) return std::nullopt;
  return value;
}

bool equals_ignoring_ascii_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return to_ascii_lower(x) == to_ascii_lower(y); });
}

std::string shortest_decimal(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string fixed_decimal(double value, int decimals) {
  char buffer[64];
  const auto result =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, decimals);
  return std::string(buffer, result.ptr);
}

bool is_valid_utf8(std::string_view text) {
  std::size_t at = 0;
  while (at < text.size()) {
    const auto lead = static_cast<unsigned char>(text[at]);
    const std::size_t length = sequence_length(lead);
    if (length == 0 || at + length > text.size()) return false;
    for (std::size_t i = 1; i < length; ++i) {
      if (!is_continuation_byte(static_cast<unsigned char>(text[at + i]))) return false;
    }
    if (length > 1 && !second_byte_in_range(lead, static_cast<unsigned char>(text[at + 1]))) {
      return false;
    }
    at += length;
  }
  return true;
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t cut = max_bytes;
  while (cut > 0 && is_continuation_byte(static_cast<unsigned char>(text[cut]))) --cut;
  return text.substr(0, cut);
}

std::string quote_value(std::string_view text) {
  const std::string_view shown = utf8_prefix(text, kMaxQuotedBytes);
  std::string result = "'";
  for (const char c : shown) {
    if (is_ascii_control(c)) {
      const auto byte = static_cast<unsigned char>(c);
      constexpr std::string_view kHexDigits = "0123456789ABCDEF";
      result += "\\x";
      result += kHexDigits[byte >> 4];
      result += kHexDigits[byte & 0xF];
    } else {
      result += c;
    }
  }
  result += shown.size() < text.size() ? "...'" : "'";
  return result;
}

}  // namespace bulkqa
