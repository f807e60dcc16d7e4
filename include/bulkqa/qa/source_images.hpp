// Whether every source image of a corpus exists, found before launch writes anything, without a
// request per image: pages of ListObjectsV2 over the image source prefix (up to 1,000 keys each,
// in UTF-8 binary order) are merged with the images' keys sorted the same way, one page at a time,
// so memory grows with the corpus and never with the listing.
//
// A prefix holding far more objects than the corpus names would make a plain listing slower than
// a HEAD per image. So each page starts (StartAfter) just before the next image not yet found,
// skipping the unrelated keys in between: a check never needs many more pages than there are
// images, and a dense prefix needs one page per 1,000 images. The sorted images are cut into
// ranges listed side by side, in rounds of one page per range: as many ranges as pages of the
// density seen so far would take (first guess: a dense prefix), up to the number of requests that
// may be in flight, so a sparse corpus costs about the time of concurrent HEADs and a dense one
// lists each key about once.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "bulkqa/qa/corpus.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa {

struct SourceImage {
  std::string_view image_local_path;  // a view into the corpus; its key is the prefix, then this
  std::size_t line;                   // the first corpus line naming the image
};

// The distinct images of the corpus, sorted by path in S3's listing order (which is their keys'
// order too, all keys starting with the same prefix). They view the corpus, which must outlive
// them.
std::vector<SourceImage> source_images(const CompactCorpus& corpus);

// A listing page that a range of images needs next.
struct ListingPage {
  std::size_t range;
  std::string start_after;  // ListObjectsV2's StartAfter; "" for the prefix's first key
};

class SourceImageCheck {
 public:
  // `images` as source_images gives them, under `image_source_prefix`; at most `max_ranges` pages
  // in a round.
  SourceImageCheck(std::vector<SourceImage> images, std::string image_source_prefix,
                   std::size_t max_ranges);

  // The next round: one page for each range with images not yet accounted for; empty when the
  // check is done.
  std::vector<ListingPage> next_pages();

  // The keys of a page that next_pages asked for, in listing order; `truncated` when the listing
  // goes on after them.
  void add_page(std::size_t range, const std::vector<std::string>& keys, bool truncated);

  // Once done: success, or an Error (code errc::kMissingSourceImages) with the number of images
  // missing and the first few by key, each with its corpus line.
  Status result(std::string_view bucket) const;

 private:
  struct Range {
    std::size_t next;  // the first image not yet found or missed
    std::size_t end;
    std::string listed_up_to;  // the last key listed for this range
  };

  // Cuts the open ranges in two, largest first, until there are as many as the density seen so
  // far calls for.
  void split_ranges();

  // The key of images_[index] in the image source.
  std::string key_of(std::size_t index) const;

  std::vector<SourceImage> images_;
  std::string prefix_;
  std::size_t max_ranges_;
  std::vector<Range> ranges_;
  std::vector<std::size_t> missing_;  // indexes into images_
  std::size_t pages_ = 0;             // pages added so far
  std::size_t accounted_ = 0;         // images found or missed so far
};

}  // namespace bulkqa
