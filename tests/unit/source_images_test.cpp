#include "bulkqa/qa/source_images.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/result_assertions.hpp"

namespace bulkqa {
namespace {

using testing::fails_with;

// A bucket as ListObjectsV2 shows it: keys in UTF-8 binary order, pages of up to 1,000 keys under
// the prefix that follow StartAfter. Counts the pages it serves.
class FakeBucket {
 public:
  explicit FakeBucket(std::vector<std::string> keys) : keys_(std::move(keys)) {
    std::sort(keys_.begin(), keys_.end());
  }

  // Runs the check to its end, as launch does, one round of pages at a time.
  Status check(const CompactCorpus& corpus, const std::string& prefix, std::size_t ranges) {
    SourceImageCheck check(source_images(corpus), prefix, ranges);
    for (auto pages = check.next_pages(); !pages.empty(); pages = check.next_pages()) {
      ++rounds;
      for (const auto& page : pages) {
        const auto [keys, truncated] = list(prefix, page.start_after);
        check.add_page(page.range, keys, truncated);
      }
    }
    return check.result("images");
  }

  std::size_t pages = 0;
  std::size_t rounds = 0;

 private:
  std::pair<std::vector<std::string>, bool> list(const std::string& prefix,
                                                 const std::string& start_after) {
    ++pages;
    auto at = std::max(std::lower_bound(keys_.begin(), keys_.end(), prefix),
                       std::upper_bound(keys_.begin(), keys_.end(), start_after));
    std::vector<std::string> page;
    for (; at != keys_.end() && at->starts_with(prefix) && page.size() < 1000; ++at) {
      page.push_back(*at);
    }
    const bool truncated = at != keys_.end() && at->starts_with(prefix);
    return {page, truncated};
  }

  std::vector<std::string> keys_;
};

CompactCorpus rows_for(const std::vector<std::string>& paths) {
  CompactCorpus corpus;
  for (std::size_t i = 0; i < paths.size(); ++i) corpus.add(paths[i], "Crab", 90, i + 2);
  return corpus;
}

std::string numbered(const std::string& stem, std::size_t number) {
  std::string digits = std::to_string(number);
  return stem + std::string(7 - digits.size(), '0') + digits + ".jpg";
}

TEST(SourceImages, SortedInUtf8BinaryOrderOncePerKeyWithTheFirstLine) {
  CompactCorpus corpus;
  corpus.add("z.jpg", "A", 90, 2);
  corpus.add("\xC3\xA9.jpg", "A", 90, 3);  // U+00E9 sorts after 'z'
  corpus.add("a.jpg", "A", 90, 4);
  corpus.add("z.jpg", "B", 90, 5);
  const auto images = source_images(corpus);
  ASSERT_EQ(images.size(), 3u);
  EXPECT_EQ(images[0].image_local_path, "a.jpg");
  EXPECT_EQ(images[1].image_local_path, "z.jpg");
  EXPECT_EQ(images[1].line, 2u);
  EXPECT_EQ(images[2].image_local_path, "\xC3\xA9.jpg");
}

TEST(SourceImages, EveryImagePresentPassesAcrossManyPages) {
  std::vector<std::string> paths, keys;
  for (std::size_t i = 0; i < 2500; ++i) {
    paths.push_back(numbered("crab/", i));
    keys.push_back("src/" + paths.back());
  }
  FakeBucket bucket(keys);
  const Status status = bucket.check(rows_for(paths), "src/", 4);
  EXPECT_TRUE(status.ok()) << status.error().describe();
  // A dense prefix: about one page per 1,000 images.
  EXPECT_LE(bucket.pages, 4u);
}

TEST(SourceImages, MissingImagesAreCountedAndTheFirstNamedWithTheirLines) {
  std::vector<std::string> paths, keys;
  for (std::size_t i = 0; i < 1500; ++i) {
    paths.push_back(numbered("crab/", i));
    if (i != 10 && i != 1200 && i != 1201 && i != 1499) keys.push_back("src/" + paths.back());
  }
  FakeBucket bucket(keys);
  EXPECT_TRUE(fails_with(
      bucket.check(rows_for(paths), "src/", 3), errc::kMissingSourceImages,
      {"4 of 1500 source images do not exist", "s3://images/src/crab/0000010.jpg (corpus line 12)",
       "s3://images/src/crab/0001200.jpg (corpus line 1202)",
       "s3://images/src/crab/0001201.jpg (corpus line 1203)", "and 1 more"}));
}

TEST(SourceImages, ImagesAfterTheLastListedKeyAreMissing) {
  FakeBucket bucket({"src/a.jpg"});
  EXPECT_TRUE(fails_with(bucket.check(rows_for({"a.jpg", "b.jpg"}), "src/", 1),
                         errc::kMissingSourceImages,
                         {"1 of 2", "s3://images/src/b.jpg (corpus line 3)"}));
}

TEST(SourceImages, KeysOutsideThePrefixDoNotCount) {
  FakeBucket bucket({"other/a.jpg", "src-old/a.jpg", "srca.jpg"});
  EXPECT_TRUE(fails_with(bucket.check(rows_for({"a.jpg"}), "src/", 8), errc::kMissingSourceImages,
                         {"1 of 1", "src/a.jpg"}));
}

TEST(SourceImages, AnEmptyCorpusNeedsNoListing) {
  FakeBucket bucket({});
  EXPECT_TRUE(bucket.check({}, "src/", 8).ok());
  EXPECT_EQ(bucket.pages, 0u);
}

TEST(SourceImages, AFewImagesInAHugePrefixSkipTheUnrelatedKeys) {
  // 200,000 unrelated keys around 50 images spread through them: a plain listing would take 200
  // pages; starting each page just before the next image takes about one page per image.
  std::vector<std::string> keys, paths;
  for (std::size_t i = 0; i < 200000; ++i) keys.push_back("src/" + numbered("other/", i));
  for (std::size_t i = 0; i < 50; ++i) {
    paths.push_back(numbered("other/", i * 4000) + ".crab");
    keys.push_back("src/" + paths.back());
  }
  FakeBucket bucket(keys);
  const Status status = bucket.check(rows_for(paths), "src/", 8);
  EXPECT_TRUE(status.ok()) << status.error().describe();
  EXPECT_LE(bucket.pages, paths.size());
  // Once the first page shows the prefix is sparse, eight ranges are listed side by side.
  EXPECT_LE(bucket.rounds, 2 + paths.size() / 8);
}

TEST(SourceImages, MultiByteKeysStartTheirPageOnACharacterBoundary) {
  // The page before "src/日.jpg"... starts after the key without its last character.
  const CompactCorpus corpus = rows_for({"\xE6\x97\xA5"});
  SourceImageCheck check(source_images(corpus), "src/", 1);
  const auto pages = check.next_pages();
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_EQ(pages[0].start_after, "src/");
  check.add_page(0, {"src/\xE6\x97\xA5"}, true);
  EXPECT_TRUE(check.next_pages().empty());
  EXPECT_TRUE(check.result("images").ok());
}

}  // namespace
}  // namespace bulkqa
