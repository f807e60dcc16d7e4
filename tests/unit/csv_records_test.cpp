// CSV records with the line each starts on: the reader the core's CSV parsers share, whole or in
// pieces.
#include "bulkqa/util/csv_records.hpp"

#include <gtest/gtest.h>

#include "support/result_assertions.hpp"

namespace bulkqa {
namespace {

TEST(CsvRecords, EachRecordKnowsTheLineItStartsOn) {
  const auto records = read_csv_records(
      "\xEF\xBB\xBF"
      "a,b\r\n\r\n\"multi\nline\",x\n\n\"q\"\"uote\",\n",
      "TestError");
  ASSERT_TRUE(records.ok()) << records.error().message;
  ASSERT_EQ(records->size(), 3u);
  EXPECT_EQ((*records)[0].line, 1u);
  EXPECT_EQ((*records)[0].fields, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ((*records)[1].line, 3u);
  EXPECT_EQ((*records)[1].fields, (std::vector<std::string>{"multi\nline", "x"}));
  EXPECT_EQ((*records)[2].line, 6u);
  EXPECT_EQ((*records)[2].fields, (std::vector<std::string>{"q\"uote", ""}));
}

TEST(CsvRecords, MalformedQuotingNamesTheLineWithTheCallersCode) {
  EXPECT_TRUE(testing::fails_with(read_csv_records("a,b\nx,\"y\"z\n", "TestError"), "TestError",
                                  {"line 2", "malformed quoting"}));
  EXPECT_TRUE(testing::fails_with(read_csv_records("a,b\n\nx,\"y\n", "TestError"), "TestError",
                                  {"line 3", "never closed"}));
}

// The records CsvReader hands over when given `text` in pieces of `piece_size` bytes.
Result<std::vector<CsvRecord>> read_in_pieces(std::string_view text, std::size_t piece_size) {
  std::vector<CsvRecord> records;
  CsvReader reader("TestError", [&records](const CsvRecordView& record) {
    records.push_back({record.line, {record.fields.begin(), record.fields.end()}});
    return Status{};
  });
  for (std::size_t at = 0; at < text.size(); at += piece_size) {
    if (Status fed = reader.feed(text.substr(at, piece_size)); !fed) return fed.error();
  }
  if (Status finished = reader.finish(); !finished) return finished.error();
  return records;
}

TEST(CsvReader, PiecesSplitAnywhereGiveTheSameRecordsAsTheWholeText) {
  const std::string text =
      "\xEF\xBB\xBF"
      "a,b\r\n\r\n\"multi\nline\",x\n  \n\"q\"\"uote\",\nlast,\"no line end\"";
  const auto whole = read_csv_records(text, "TestError");
  ASSERT_TRUE(whole.ok()) << whole.error().message;
  ASSERT_EQ(whole->size(), 4u);
  EXPECT_EQ((*whole)[3].line, 7u);
  EXPECT_EQ((*whole)[3].fields, (std::vector<std::string>{"last", "no line end"}));
  for (std::size_t piece_size = 1; piece_size <= text.size(); ++piece_size) {
    const auto pieces = read_in_pieces(text, piece_size);
    ASSERT_TRUE(pieces.ok()) << "pieces of " << piece_size << ": " << pieces.error().message;
    ASSERT_EQ(pieces->size(), whole->size()) << "pieces of " << piece_size;
    for (std::size_t at = 0; at < whole->size(); ++at) {
      EXPECT_EQ((*pieces)[at].line, (*whole)[at].line) << "pieces of " << piece_size;
      EXPECT_EQ((*pieces)[at].fields, (*whole)[at].fields) << "pieces of " << piece_size;
    }
  }
}

TEST(CsvReader, TextThatOnlyBeginsLikeAByteOrderMarkIsKept) {
  const auto records = read_in_pieces("\xEF\xBBx,y\n", 1);
  ASSERT_TRUE(records.ok()) << records.error().message;
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ(records->front().fields, (std::vector<std::string>{"\xEF\xBBx", "y"}));
}

TEST(CsvReader, MalformedQuotingInALaterPieceNamesItsLine) {
  EXPECT_TRUE(testing::fails_with(read_in_pieces("a,b\nx,\"y\"z\n", 3), "TestError",
                                  {"line 2", "malformed quoting"}));
  EXPECT_TRUE(testing::fails_with(read_in_pieces("a,b\n\nx,\"y\n", 2), "TestError",
                                  {"line 3", "never closed"}));
}

TEST(CsvReader, AnErrorFromTheHandlerEndsTheReading) {
  std::vector<std::size_t> lines;
  CsvReader reader("TestError", [&lines](const CsvRecordView& record) -> Status {
    lines.push_back(record.line);
    if (record.fields.front() == "stop") return make_error("Stopped", "stopped at the handler");
    return {};
  });
  EXPECT_TRUE(testing::fails_with(reader.feed("a\nstop\nb\n"), "Stopped", {"at the handler"}));
  EXPECT_TRUE(testing::fails_with(reader.feed("c\n"), "Stopped", {"at the handler"}));
  EXPECT_TRUE(testing::fails_with(reader.finish(), "Stopped", {"at the handler"}));
  EXPECT_EQ(lines, (std::vector<std::size_t>{1, 2}));
}

TEST(CsvRecords, EmptyTextHasNoRecords) {
  const auto records = read_csv_records("", "TestError");
  ASSERT_TRUE(records.ok());
  EXPECT_TRUE(records->empty());
}

TEST(CsvCell, QuotesWhatAReaderWouldChange) {
  EXPECT_EQ(CsvCell::text("Crab").written(), "Crab");
  EXPECT_EQ(CsvCell::text("in Crab").written(), "in Crab");
  EXPECT_EQ(CsvCell::text("a,b").written(), "\"a,b\"");
  EXPECT_EQ(CsvCell::text("say \"hi\"").written(), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvCell::text("two\nlines").written(), "\"two\nlines\"");
  EXPECT_EQ(CsvCell::text(" Crab").written(), "\" Crab\"");
  EXPECT_EQ(CsvCell::text("Crab\t").written(), "\"Crab\t\"");
}

}  // namespace
}  // namespace bulkqa
