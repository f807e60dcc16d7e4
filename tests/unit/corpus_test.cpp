#include "bulkqa/qa/corpus.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "support/result_assertions.hpp"

namespace bulkqa {
namespace {

using testing::fails_with;

std::string read_sample(const std::string& name) {
  const char* source_dir = std::getenv("BULKQA_SOURCE_DIR");
  EXPECT_NE(source_dir, nullptr) << "BULKQA_SOURCE_DIR is not set";
  std::ifstream file(std::string(source_dir ? source_dir : ".") + "/samples/" + name,
                     std::ios::binary);
  EXPECT_TRUE(file) << "cannot open samples/" << name;
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

void expect_row(const CorpusRow& row, const std::string& path, const std::string& label,
                double confidence, std::size_t line) {
  EXPECT_EQ(row.image_local_path, path);
  EXPECT_EQ(row.label, label);
  EXPECT_DOUBLE_EQ(row.confidence, confidence);
  EXPECT_EQ(row.line, line);
}

bool fails_corpus(std::string_view text, std::initializer_list<std::string_view> parts) {
  const auto result = parse_corpus(text);
  const auto check = fails_with(result, "InvalidCorpus", parts);
  EXPECT_TRUE(check);
  return bool(check);
}

TEST(CorpusSamples, SmallSampleHasEveryRowInFileOrder) {
  const auto corpus = parse_corpus(read_sample("smallsample.csv"));
  ASSERT_TRUE(corpus.ok()) << corpus.error().message;
  ASSERT_EQ(corpus->size(), 189u);
  expect_row(corpus->front(), "beaver/image_0003.jpg", "Beaver", 97.74715424, 2);
  expect_row((*corpus)[99], "saxophone/image_0031.jpg", "Saxophone", 92.28338623, 101);
  expect_row(corpus->back(), "stop_sign/image_0051.jpg", "Stopsign", 80.20331573, 190);
}

TEST(CorpusSamples, ShellfishColumnsInAnotherOrder) {
  const auto corpus = parse_corpus(read_sample("shellfish.csv"));
  ASSERT_TRUE(corpus.ok()) << corpus.error().message;
  ASSERT_EQ(corpus->size(), 367u);
  expect_row(corpus->front(), "crab/image_0064.jpg", "Crab", 98.76229095, 2);
  expect_row((*corpus)[99], "crayfish/image_0031.jpg", "Crawdad", 97.31298828, 101);
  expect_row(corpus->back(), "crayfish/image_0011.jpg", "Shrimp", 50.64606857, 368);
}

TEST(CorpusSamples, LargeSampleWithLabelsHoldingSpaces) {
  const auto corpus = parse_corpus(read_sample("sample.csv"));
  ASSERT_TRUE(corpus.ok()) << corpus.error().message;
  ASSERT_EQ(corpus->size(), 513u);
  expect_row(corpus->front(), "BACKGROUND_Google/image_0062.jpg", "Dog", 99.29439545, 2);
  expect_row((*corpus)[99], "crayfish/image_0041.jpg", "Crawdad", 98.98761749, 101);
  expect_row(corpus->back(), "yin_yang/image_0047.jpg", "Soccer Ball", 89.12518311, 514);
}

TEST(CorpusFormat, QuotedFieldsKeepCommasQuotesAndNewlines) {
  // Labels and paths may not hold line breaks (control characters); other columns may.
  const auto corpus = parse_corpus(
      "image_local_path,label,confidence,note\n"
      "\"a,b/1.jpg\",\"Say \"\"cheese\"\"\",50,\n"
      "\"b c.jpg\",Crab,\"60.5\",\"two\r\nlines\"\n"
      "c.jpg,Crab,70,\n");
  ASSERT_TRUE(corpus.ok()) << corpus.error().message;
  ASSERT_EQ(corpus->size(), 3u);
  expect_row((*corpus)[0], "a,b/1.jpg", "Say \"cheese\"", 50, 2);
  expect_row((*corpus)[1], "b c.jpg", "Crab", 60.5, 3);
  // The quoted line break above pushes the next row one line further down.
  expect_row((*corpus)[2], "c.jpg", "Crab", 70, 5);
}

TEST(CorpusFormat, ByteOrderMarkCrlfAndBlankTrailingLines) {
  const auto corpus = parse_corpus(
      "\xEF\xBB\xBFimage_local_path,label,confidence\r\n"
      "a.jpg,Crab,10\r\n"
      "b.jpg,Lobster,20\r\n"
      "\r\n"
      "\n");
  ASSERT_TRUE(corpus.ok()) << corpus.error().message;
  ASSERT_EQ(corpus->size(), 2u);
  expect_row((*corpus)[0], "a.jpg", "Crab", 10, 2);
  expect_row((*corpus)[1], "b.jpg", "Lobster", 20, 3);
}

TEST(CorpusFormat, LastLineWithoutNewline) {
  const auto corpus = parse_corpus("image_local_path,label,confidence\na.jpg,Crab,10");
  ASSERT_TRUE(corpus.ok()) << corpus.error().message;
  ASSERT_EQ(corpus->size(), 1u);
  expect_row((*corpus)[0], "a.jpg", "Crab", 10, 2);
}

TEST(CorpusFormat, BlankLinesBetweenRowsAreSkippedAndLinesStillCounted) {
  const auto corpus = parse_corpus("image_local_path,label,confidence\n\n  \na.jpg,Crab,10\n");
  ASSERT_TRUE(corpus.ok()) << corpus.error().message;
  ASSERT_EQ(corpus->size(), 1u);
  EXPECT_EQ((*corpus)[0].line, 4u);
}

TEST(CorpusFormat, HeaderNamesTrimmedCaseInsensitiveAndExtraColumnsIgnored) {
  const auto corpus = parse_corpus(
      "id, Confidence ,notes,LABEL,Image_Local_Path\n"
      "7,88.5,\"looks fine, mostly\",Crab,x/y.jpg\n");
  ASSERT_TRUE(corpus.ok()) << corpus.error().message;
  ASSERT_EQ(corpus->size(), 1u);
  expect_row((*corpus)[0], "x/y.jpg", "Crab", 88.5, 2);
}

TEST(CorpusFormat, HeaderAloneIsAnEmptyCorpus) {
  const auto corpus = parse_corpus("image_local_path,label,confidence\n");
  ASSERT_TRUE(corpus.ok()) << corpus.error().message;
  EXPECT_TRUE(corpus->empty());
}

TEST(CorpusFormat, SamePathWithDifferentLabelsIsAllowed) {
  const auto corpus =
      parse_corpus("image_local_path,label,confidence\na.jpg,Crab,10\na.jpg,Lobster,20\n");
  ASSERT_TRUE(corpus.ok()) << corpus.error().message;
  EXPECT_EQ(corpus->size(), 2u);
}

TEST(CorpusFormat, ConfidenceBoundsAndUnquotedBlanksAccepted) {
  const auto corpus = parse_corpus(
      "image_local_path,label,confidence\na.jpg,Crab,0\nb.jpg,Crab,100\nc.jpg,Crab, 1e1 \n");
  ASSERT_TRUE(corpus.ok()) << corpus.error().message;
  ASSERT_EQ(corpus->size(), 3u);
  EXPECT_EQ((*corpus)[0].confidence, 0);
  EXPECT_EQ((*corpus)[1].confidence, 100);
  EXPECT_EQ((*corpus)[2].confidence, 10);
}

TEST(CorpusErrors, EmptyTextHasNoHeader) {
  fails_corpus("", {"no header"});
  fails_corpus("\xEF\xBB\xBF", {"no header"});
  fails_corpus("\n\r\n", {"no header"});
}

TEST(CorpusErrors, MissingColumnsAreNamed) {
  fails_corpus("image_local_path,confidence\na.jpg,10\n", {"line 1", "'label'"});
  fails_corpus("path,label\n", {"line 1", "'image_local_path'", "'confidence'"});
}

TEST(CorpusErrors, DuplicateColumn) {
  fails_corpus("image_local_path,label,confidence,Label\n",
               {"line 1", "duplicate column 'label'", "2", "4"});
}

TEST(CorpusErrors, WrongNumberOfFields) {
  fails_corpus("image_local_path,label,confidence\na.jpg,Crab,10\nb.jpg,Crab\n",
               {"line 3", "expected 3 fields", "found 2"});
  fails_corpus("image_local_path,label,confidence\na.jpg,Crab,10,extra\n", {"line 2", "found 4"});
}

TEST(CorpusErrors, EmptyPathOrLabel) {
  fails_corpus("image_local_path,label,confidence\n,Crab,10\n",
               {"line 2", "'image_local_path'", "empty"});
  fails_corpus("image_local_path,label,confidence\na.jpg,\"\",10\n",
               {"line 2", "'label'", "empty"});
}

TEST(CorpusErrors, AbsolutePath) {
  fails_corpus("image_local_path,label,confidence\na.jpg,Crab,1\n/etc/passwd,Crab,10\n",
               {"line 3", "'image_local_path'", "'/'"});
}

TEST(CorpusErrors, ControlCharacterInPath) {
  fails_corpus("image_local_path,label,confidence\n\"a\tb.jpg\",Crab,10\n",
               {"line 2", "'image_local_path'", "control character"});
  fails_corpus("image_local_path,label,confidence\n\"a\nb.jpg\",Crab,10\n",
               {"line 2", "control character", "'a\\x0Ab.jpg'"});
}

TEST(CorpusErrors, ParentSegmentInPath) {
  for (const char* path : {"../a.jpg", "a/../../b.jpg", "a/..", "a\\..\\b.jpg"}) {
    fails_corpus("image_local_path,label,confidence\n\"" + std::string(path) + "\",Crab,10\n",
                 {"line 2", "'..' segment"});
  }
  const auto dotted = parse_corpus("image_local_path,label,confidence\na..b/..c.jpg,Crab,1\n");
  EXPECT_TRUE(dotted.ok()) << "'..' inside a name is not a segment";
}

TEST(CorpusErrors, TextThatIsNotUtf8) {
  fails_corpus("image_local_path,label,confidence\na\xFF.jpg,Crab,10\n",
               {"line 2", "'image_local_path'", "UTF-8"});
  fails_corpus("image_local_path,label,confidence\na.jpg,Cr\xC3,10\n",
               {"line 2", "'label'", "UTF-8"});
}

TEST(CorpusErrors, ConfidenceNotAFiniteNumber) {
  for (const char* value : {"abc", "", "nan", "inf", "12abc", "0x10", "+5"}) {
    fails_corpus("image_local_path,label,confidence\na.jpg,Crab,\"" + std::string(value) + "\"\n",
                 {"line 2", "'confidence'", "not a finite number"});
  }
}

TEST(CorpusErrors, ConfidenceOutOfRange) {
  fails_corpus("image_local_path,label,confidence\na.jpg,Crab,100.5\n",
               {"line 2", "'confidence'", "'100.5'", "outside [0, 100]"});
  fails_corpus("image_local_path,label,confidence\na.jpg,Crab,-0.1\n",
               {"line 2", "outside [0, 100]"});
}

TEST(CorpusErrors, MalformedQuoting) {
  fails_corpus("image_local_path,label,confidence\na.jpg,Crab,10\na\"b.jpg,Crab,10\n",
               {"line 3", "quot"});
  fails_corpus("image_local_path,label,confidence\n\"a.jpg\"x,Crab,10\n", {"line 2", "quot"});
}

TEST(CorpusErrors, UnclosedQuoteNamesTheLineItStartsOn) {
  fails_corpus("image_local_path,label,confidence\na.jpg,Crab,10\n\"b.jpg,Crab,10\nc.jpg,Crab,10\n",
               {"line 3", "never closed"});
}

TEST(CorpusErrors, SameImageAndLabelTwiceNamesBothLines) {
  fails_corpus("image_local_path,label,confidence\na.jpg,Crab,10\nb.jpg,Crab,10\na.jpg,Crab,30\n",
               {"line 4", "'a.jpg'", "'Crab'", "line 2"});
}

TEST(CorpusErrors, TheFirstRepeatInFileOrderIsReported) {
  fails_corpus(
      "image_local_path,label,confidence\n"
      "a.jpg,Crab,1\nb.jpg,Crab,1\nb.jpg,Crab,2\na.jpg,Crab,3\nb.jpg,Crab,4\n",
      {"line 4", "'b.jpg'", "repeats line 3"});
  fails_corpus("image_local_path,label,confidence\nz.jpg,L,1\nz.jpg,L,1\nz.jpg,L,1\n",
               {"line 3", "repeats line 2"});
}

TEST(CorpusErrors, LongBadValueIsShortenedInTheMessage) {
  const std::string path = "/" + std::string(10000, 'x');
  const auto result = parse_corpus("image_local_path,label,confidence\n" + path + ",Crab,1\n");
  ASSERT_FALSE(result.ok());
  EXPECT_LT(result.error().message.size(), 300u);
}

// The rows CompactCorpus::keep_min_confidence keeps of `rows`.
std::vector<CorpusRow> filter_min_confidence(const std::vector<CorpusRow>& rows,
                                             double min_confidence) {
  CompactCorpus corpus;
  for (const CorpusRow& row : rows) {
    corpus.add(row.image_local_path, row.label, row.confidence, row.line);
  }
  corpus.keep_min_confidence(min_confidence);
  return corpus.rows();
}

TEST(CorpusFilter, KeepsRowsAtOrAboveTheMinimumInOrder) {
  std::vector<CorpusRow> rows{{"a.jpg", "Crab", 49.9, 2},
                              {"b.jpg", "Crab", 50, 3},
                              {"c.jpg", "Crab", 80, 4},
                              {"d.jpg", "Crab", 10, 5}};
  const auto kept = filter_min_confidence(rows, 50);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].image_local_path, "b.jpg");
  EXPECT_EQ(kept[1].image_local_path, "c.jpg");
  EXPECT_EQ(filter_min_confidence(rows, 0).size(), 4u);
  EXPECT_TRUE(filter_min_confidence(rows, 100).empty());
}

TEST(CorpusFilter, AppliesToASampleCorpus) {
  const auto corpus = parse_corpus(read_sample("shellfish.csv"));
  ASSERT_TRUE(corpus.ok()) << corpus.error().message;
  const auto kept = filter_min_confidence(*corpus, 90);
  std::size_t expected = 0;
  for (const auto& row : *corpus) expected += row.confidence >= 90 ? 1 : 0;
  EXPECT_EQ(kept.size(), expected);
  EXPECT_LT(kept.size(), corpus->size());
  for (const auto& row : kept) EXPECT_GE(row.confidence, 90);
}

}  // namespace
}  // namespace bulkqa
