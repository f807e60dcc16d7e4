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

TEST(CsvField, QuotesWhatAReaderWouldChange) {
  EXPECT_EQ(csv_field("Crab"), "Crab");
  EXPECT_EQ(csv_field("in Crab"), "in Crab");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field(" Crab"), "\" Crab\"");
  EXPECT_EQ(csv_field("Crab\t"), "\"Crab\t\"");
}

}  // namespace
}  // namespace bulkqa
