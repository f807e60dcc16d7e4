// Inputs the fuzz targets (fuzz/) found to break a parser or an invariant, kept so the defect
// stays fixed. Each test names its target and holds the reproducer as found.
#include <string>

#include <gtest/gtest.h>

#include "bulkqa/aws/sts.hpp"
#include "bulkqa/qa/corpus.hpp"
#include "bulkqa/review/portal_requests.hpp"
#include "bulkqa/util/csv_records.hpp"
#include "bulkqa/util/text.hpp"
#include "support/result_assertions.hpp"

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

// s3_response_fuzz: an AssumeRole answer whose Expiration lies a thousand years back overflowed
// system_clock's nanoseconds (undefined behaviour) instead of being refused.
TEST(HostileFuzzRegressionsTest, TimestampsOutsideTheClocksRangeAreRefused) {
  for (const char* text :
       {"1010-03-04T05:06:07Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z"}) {
    EXPECT_TRUE(testing::fails_with(aws::parse_utc_timestamp(text), "InvalidTimestamp", {text}))
        << text;
  }
  EXPECT_TRUE(aws::parse_utc_timestamp("2026-12-02T06:00:00Z").ok());
}

// review_request_fuzz: "Host: REVIEW.example.com:" (an empty port after the ':') matched the
// portal's origin. Valid URI syntax that no browser sends; the portal's Host check refuses it.
TEST(HostileFuzzRegressionsTest, AHostWithAnEmptyPortMatchesNoOrigin) {
  auto origin = parse_web_origin("https://review.example.com", "--public-origin");
  ASSERT_TRUE(origin.ok());
  EXPECT_FALSE(host_matches("REVIEW.example.com:", *origin));
  EXPECT_FALSE(host_matches("review.example.com:", *origin));
  EXPECT_TRUE(host_matches("review.example.com:443", *origin));
}

}  // namespace
}  // namespace bulkqa
