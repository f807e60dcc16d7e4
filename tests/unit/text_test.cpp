#include "bulkqa/util/text.hpp"

#include <gtest/gtest.h>

namespace bulkqa {
namespace {

TEST(TrimBlanks, SpacesAndTabsOnly) {
  EXPECT_EQ(trim_blanks(" \t label \t"), "label");
  EXPECT_EQ(trim_blanks("a b"), "a b");
  EXPECT_EQ(trim_blanks("  "), "");
  EXPECT_EQ(trim_blanks("\nx\n"), "\nx\n");
}

TEST(TrimWhitespace, SpacesTabsAndLineBreaks) {
  EXPECT_EQ(trim_whitespace(" \t\r\nvalue \r\n"), "value");
  EXPECT_EQ(trim_whitespace("a \t b"), "a \t b");
  EXPECT_EQ(trim_whitespace("\r\n"), "");
  EXPECT_EQ(trim_whitespace("\vx\f"), "\vx\f");
}

TEST(IsBlank, OnlySpacesTabsAndLineBreaks) {
  EXPECT_TRUE(is_blank(""));
  EXPECT_TRUE(is_blank(" \t\r\n"));
  EXPECT_FALSE(is_blank(" x "));
  EXPECT_FALSE(is_blank("\v"));
}

TEST(AsciiCase, LowersAsciiCapitalsOnly) {
  EXPECT_EQ(to_ascii_lower("Content-Type: X-Amz"), "content-type: x-amz");
  // UTF-8 bytes pass through, whatever a locale would make of them as single bytes.
  EXPECT_EQ(to_ascii_lower("\xC3\x89T\xC3\xA9"), "\xC3\x89t\xC3\xA9");
  EXPECT_EQ(to_ascii_lower('Q'), 'q');
  EXPECT_EQ(to_ascii_lower('@'), '@');
  EXPECT_EQ(to_ascii_lower('['), '[');
  EXPECT_TRUE(equals_ignoring_ascii_case("S3_Image_URL", "s3_image_url"));
  EXPECT_FALSE(equals_ignoring_ascii_case("label", "labels"));
  EXPECT_FALSE(equals_ignoring_ascii_case("\xC3\x89", "\xC3\xA9"));
}

TEST(AsciiClasses, LettersDigitsAndControls) {
  for (const char c : std::string_view("azAZ09")) EXPECT_TRUE(is_ascii_alphanumeric(c)) << c;
  for (const char c : std::string_view("-_ /@[`{\xC3\xA9")) {
    EXPECT_FALSE(is_ascii_alphanumeric(c)) << c;
  }
  for (const char c : std::string_view("\x01\t\n\r\x1F\x7F")) EXPECT_TRUE(is_ascii_control(c));
  EXPECT_TRUE(is_ascii_control('\0'));
  for (const char c : std::string_view(" ~\x80\x9F\xFF")) EXPECT_FALSE(is_ascii_control(c));
  EXPECT_TRUE(contains_ascii_control("arn\n"));
  EXPECT_FALSE(contains_ascii_control("arn:aws:lambda:\xC3\xA9"));
}

TEST(ParseFiniteNumber, WholeTextOnly) {
  EXPECT_EQ(parse_finite_number("97.74715424"), 97.74715424);
  EXPECT_EQ(parse_finite_number("-1"), -1);
  EXPECT_EQ(parse_finite_number("1e2"), 100);
  for (const char* text :
       {"", " 1", "1 ", "+1", "1x", "nan", "inf", "-infinity", "0x1p3", "1e999"}) {
    EXPECT_FALSE(parse_finite_number(text).has_value()) << text;
  }
}

TEST(ParseUnsigned, DigitsOnly) {
  EXPECT_EQ(parse_unsigned("0"), 0u);
  EXPECT_EQ(parse_unsigned("0042"), 42u);
  EXPECT_EQ(parse_unsigned("18446744073709551615"), 18446744073709551615u);
  for (const char* text : {"", "-1", "+1", "1.0", " 1", "18446744073709551616"}) {
    EXPECT_FALSE(parse_unsigned(text).has_value()) << text;
  }
}

TEST(FixedDecimal, ExactlyTheDigitsAskedFor) {
  EXPECT_EQ(fixed_decimal(82.5, 2), "82.50");
  EXPECT_EQ(fixed_decimal(2.96, 1), "3.0");
  EXPECT_EQ(fixed_decimal(0.04, 1), "0.0");
  EXPECT_EQ(fixed_decimal(2.5001, 0), "3");
}

TEST(Utf8, Validity) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("é 画像 \xF0\x9F\xA6\x80"));
  for (const char* bad :
       {"\xFF", "\xC3", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "a\x80"}) {
    EXPECT_FALSE(is_valid_utf8(bad)) << bad;
  }
}

TEST(Utf8, PrefixNeverSplitsACharacter) {
  const std::string text = "a画b";  // 'a', three bytes, 'b'
  EXPECT_EQ(utf8_prefix(text, 10), text);
  EXPECT_EQ(utf8_prefix(text, 5), text);
  EXPECT_EQ(utf8_prefix(text, 4), "a画");
  EXPECT_EQ(utf8_prefix(text, 3), "a");
  EXPECT_EQ(utf8_prefix(text, 2), "a");
  EXPECT_EQ(utf8_prefix(text, 1), "a");
  EXPECT_EQ(utf8_prefix(text, 0), "");
}

TEST(QuoteValue, QuotesEscapesAndShortens) {
  EXPECT_EQ(quote_value("Crab"), "'Crab'");
  EXPECT_EQ(quote_value("a\tb\x7F"), "'a\\x09b\\x7F'");
  const std::string shown = quote_value(std::string(200, 'x'));
  EXPECT_EQ(shown, "'" + std::string(80, 'x') + "...'");
}

}  // namespace
}  // namespace bulkqa
