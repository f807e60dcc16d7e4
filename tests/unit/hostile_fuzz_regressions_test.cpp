// Inputs the fuzz targets (fuzz/) found to break a parser or an invariant, kept so the defect
// stays fixed. Each test names its target and holds the reproducer as found.
#include <string>

#include <gtest/gtest.h>

#include "bulkqa/qa/corpus.hpp"
#include "bulkqa/util/csv_records.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa {
namespace {

// corpus_fuzz: a quoted label with blanks around it read back without them once written as CSV,
// because the writer left it unquoted and the reader trims unquoted fields. (The finding had a
// tab after the label; labels may no longer hold control characters, so spaces stand in for it.)
TEST(HostileFuzzRegressionsTest, CorpusFieldWithOuterBlanksReadsBackAfterWriting) {
  const auto rows = parse_corpus("image_local_path,label,confidence\n\"x.jpg\",\" Crab  \",5\n");
  ASSERT_TRUE(rows.ok()) << rows.error().describe();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].label, " Crab  ");

  const auto again = parse_corpus("image_local_path,label,confidence\n" +
                                  CsvCell::text((*rows)[0].image_local_path).written() + "," +
                                  CsvCell::text((*rows)[0].label).written() + ",5\n");
  ASSERT_TRUE(again.ok()) << again.error().describe();
  EXPECT_EQ((*again)[0].label, " Crab  ");
}

}  // namespace
}  // namespace bulkqa
