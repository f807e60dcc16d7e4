#include "bulkqa/qa/source_images.hpp"

#include <algorithm>
#include <utility>

#include "bulkqa/qa/s3_uri.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa {

namespace {

// Missing images named in the error; the rest are counted.
constexpr std::size_t kMissingNamed = 3;

// Keys in a full ListObjectsV2 page: the images a page accounts for in a dense prefix.
constexpr std::size_t kKeysPerPage = 1000;

// The key with its last character dropped: it sorts just before the key, and it is valid UTF-8
// as StartAfter must be.
std::string just_before(const std::string& key) {
  return std::string(utf8_prefix(key, key.size() - 1));
}

}  // namespace

std::vector<SourceImage> source_images(const CompactCorpus& corpus) {
  std::vector<SourceImage> images;
  images.reserve(corpus.size());
  for (std::size_t index = 0; index < corpus.size(); ++index) {
    const CorpusRowView row = corpus.row(index);
    images.push_back({row.image_local_path, row.line});
  }
  // std::string_view compares bytes as unsigned char: S3's UTF-8 binary order. Stable, so the
  // image that unique keeps is the one of the first line naming it.
  const auto by_path = [](const SourceImage& a, const SourceImage& b) {
    return a.image_local_path < b.image_local_path;
  };
  std::stable_sort(images.begin(), images.end(), by_path);
  images.erase(std::unique(images.begin(), images.end(),
                           [](const SourceImage& a, const SourceImage& b) {
                             return a.image_local_path == b.image_local_path;
                           }),
               images.end());
  return images;
}

SourceImageCheck::SourceImageCheck(std::vector<SourceImage> images, std::string image_source_prefix,
                                   std::size_t max_ranges)
    : images_(std::move(images)),
      prefix_(std::move(image_source_prefix)),
      max_ranges_(std::max<std::size_t>(max_ranges, 1)) {
  if (!images_.empty()) ranges_.push_back({0, images_.size(), ""});
}

std::string SourceImageCheck::key_of(std::size_t index) const {
  return prefix_ + std::string(images_[index].image_local_path);
}

void SourceImageCheck::split_ranges() {
  const std::size_t per_page =
      pages_ == 0 ? kKeysPerPage : std::max<std::size_t>(accounted_ / pages_, 1);
  const std::size_t open = images_.size() - accounted_;
  const std::size_t wanted = std::min(max_ranges_, (open + per_page - 1) / per_page);
  std::erase_if(ranges_, [](const Range& range) { return range.next == range.end; });
  while (ranges_.size() < wanted) {
    auto largest = std::max_element(
        ranges_.begin(), ranges_.end(),
        [](const Range& a, const Range& b) { return a.end - a.next < b.end - b.next; });
    if (largest->end - largest->next < 2) return;
    const std::size_t middle = largest->next + (largest->end - largest->next) / 2;
    const std::size_t end = std::exchange(largest->end, middle);
    ranges_.push_back({middle, end, ""});
  }
}

std::vector<ListingPage> SourceImageCheck::next_pages() {
  split_ranges();
  std::vector<ListingPage> pages;
  for (std::size_t index = 0; index < ranges_.size(); ++index) {
    const Range& range = ranges_[index];
    // Every image up to the last key listed is accounted for, so the next one sorts after it.
    pages.push_back({index, std::max(just_before(key_of(range.next)), range.listed_up_to)});
  }
  return pages;
}

void SourceImageCheck::add_page(std::size_t index, const std::vector<std::string>& keys,
                                bool truncated) {
  Range& range = ranges_.at(index);
  const std::size_t first = range.next;
  ++pages_;
  for (const std::string& key : keys) {
    // A listing of the prefix holds only keys under it; the rest of a key is an image's path.
    if (!key.starts_with(prefix_)) continue;
    const std::string_view path = std::string_view(key).substr(prefix_.size());
    while (range.next < range.end && images_[range.next].image_local_path < path) {
      missing_.push_back(range.next++);
    }
    if (range.next < range.end && images_[range.next].image_local_path == path) ++range.next;
    if (range.next == range.end) break;
  }
  if (!keys.empty()) range.listed_up_to = keys.back();
  if (!truncated) {
    while (range.next < range.end) missing_.push_back(range.next++);
  }
  accounted_ += range.next - first;
}

Status SourceImageCheck::result(std::string_view bucket) const {
  if (missing_.empty()) return {};
  std::vector<std::size_t> missing = missing_;
  std::sort(missing.begin(), missing.end());
  std::string named;
  for (std::size_t at = 0; at < std::min(missing.size(), kMissingNamed); ++at) {
    named += (named.empty() ? "" : ", ") + S3Uri{std::string(bucket), key_of(missing[at])}.str() +
             " (corpus line " + std::to_string(images_[missing[at]].line) + ")";
  }
  if (missing.size() > kMissingNamed) {
    named += " and " + std::to_string(missing.size() - kMissingNamed) + " more";
  }
  return make_error(errc::kMissingSourceImages, std::to_string(missing.size()) + " of " +
                                                    std::to_string(images_.size()) +
                                                    " source images do not exist: " + named);
}

}  // namespace bulkqa
