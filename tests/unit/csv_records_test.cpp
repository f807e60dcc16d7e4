// CSV records with the line each starts on: the reader the core's CSV parsers share.
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

TEST(CsvRecords, EmptyTextHasNoRecords) {
  const auto records = read_csv_records("", "TestError");
  ASSERT_TRUE(records.ok());
  EXPECT_TRUE(records->empty());
}

}  // namespace
}  // namespace bulkqa
