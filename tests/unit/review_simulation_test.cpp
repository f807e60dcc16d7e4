#include "bulkqa/review/review_simulation.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bulkqa/qa/ground_truth.hpp"
#include "support/result_assertions.hpp"
#include "support/test_paths.hpp"

namespace bulkqa {
namespace {

using testing::fails_with;

constexpr std::string_view kShellfishMap =
    "folder,label\n"
    "crayfish,Crawdad\n"
    "crab,Crab\n"
    "lobster,Lobster\n";

TruthSource shellfish_truth() {
  Result<TruthSource> truth = TruthSource::from_folder_labels(kShellfishMap);
  EXPECT_TRUE(truth.ok()) << truth.error().message;
  return std::move(truth).value();
}

TEST(FolderLabels, TheSampleMapNamesTheTrueCategories) {
  const auto truth = TruthSource::from_folder_labels(
      testing::read_file(testing::source_path("samples/caltech101_labels.csv")));
  ASSERT_TRUE(truth.ok()) << truth.error().message;
  EXPECT_TRUE(truth->is_correct("crayfish/image_0002.jpg", "Crawdad"));
  EXPECT_TRUE(truth->is_correct("brontosaurus/image_0010.jpg", "Dinosaur"));
  EXPECT_TRUE(truth->is_correct("stegosaurus/image_0010.jpg", "Dinosaur"));
  EXPECT_TRUE(truth->is_correct("soccer_ball/image_0001.jpg", "Soccer Ball"));
  EXPECT_FALSE(truth->is_correct("lobster/image_0002.jpg", "Crawdad"));
  EXPECT_FALSE(truth->is_correct("airplanes/image_0001.jpg", "Seaplane"));
  EXPECT_FALSE(truth->is_correct("BACKGROUND_Google/image_0062.jpg", "Dog"));
}

TEST(FolderLabels, ColumnsByNameInAnyOrderWithQuotingAndCrlf) {
  const auto truth = TruthSource::from_folder_labels(
      "\xEF\xBB\xBF"
      "note, label ,folder\r\n"
      "\r\n"
      "x,\"Soccer, Ball\",soccer_ball\r\n"
      "y,Crawdad,crayfish\r\n");
  ASSERT_TRUE(truth.ok()) << truth.error().message;
  EXPECT_TRUE(truth->is_correct("soccer_ball/a.jpg", "Soccer, Ball"));
  EXPECT_TRUE(truth->is_correct("crayfish/a.jpg", "Crawdad"));
  EXPECT_FALSE(truth->is_correct("crayfish/a.jpg", "x"));
}

TEST(FolderLabels, ErrorsNameTheLine) {
  const auto fails = [](std::string_view csv, std::initializer_list<std::string_view> parts) {
    return fails_with(TruthSource::from_folder_labels(csv), "InvalidTruthSource", parts);
  };
  EXPECT_TRUE(fails("", {"line 1", "no header"}));
  EXPECT_TRUE(fails("folder,name\ncrab,Crab\n", {"line 1", "no column 'label'"}));
  EXPECT_TRUE(fails("folder,label,folder\n", {"line 1", "duplicate column 'folder'", "1 and 3"}));
  EXPECT_TRUE(fails("folder,label\ncrab,Crab\nlobster\n", {"line 3", "expected 2", "found 1"}));
  EXPECT_TRUE(fails("folder,label\n\ncrab,\n", {"line 3", "'label'", "empty"}));
  EXPECT_TRUE(fails("folder,label\n,Crab\n", {"line 2", "'folder'", "empty"}));
  EXPECT_TRUE(fails("folder,label\ncrab/x,Crab\n", {"line 2", "'folder'", "'/'", "crab/x"}));
  EXPECT_TRUE(fails("folder,label\ncrab,\xFF\n", {"line 2", "'label'", "UTF-8"}));
  EXPECT_TRUE(fails("folder,label\ncrab,Crab\nlobster,Lobster\ncrab,Crawdad\n",
                    {"line 4", "'crab'", "repeats line 2"}));
  EXPECT_TRUE(fails("folder,label\ncrab,Crab\nlob\"ster,Lobster\n", {"line 3", "quoting"}));
  EXPECT_TRUE(fails("folder,label\ncrab,Crab\nlobster,\"Lob\nster\n", {"line 3", "never closed"}));
}

TEST(TrueLabels, ColumnsByNameAndErrorsNameTheLine) {
  const auto truth = TruthSource::from_true_labels(
      "true_label,image_local_path\nLobster,crayfish/image_0002.jpg\n");
  ASSERT_TRUE(truth.ok()) << truth.error().message;
  EXPECT_TRUE(truth->is_correct("crayfish/image_0002.jpg", "Lobster"));
  EXPECT_FALSE(truth->is_correct("crayfish/image_0002.jpg", "Crawdad"));
  EXPECT_FALSE(truth->is_correct("crayfish/image_0003.jpg", "Lobster"));

  const auto fails = [](std::string_view csv, std::initializer_list<std::string_view> parts) {
    return fails_with(TruthSource::from_true_labels(csv), "InvalidTruthSource", parts);
  };
  EXPECT_TRUE(fails("image_local_path,label\na.jpg,Crab\n", {"line 1", "no column 'true_label'"}));
  EXPECT_TRUE(fails("image_local_path,true_label\na.jpg,Crab\nb.jpg\n", {"line 3", "expected 2"}));
  EXPECT_TRUE(fails("image_local_path,true_label\n,Crab\n", {"line 2", "'image_local_path'"}));
  EXPECT_TRUE(fails("image_local_path,true_label\na.jpg,Crab\nb.jpg,Crab\na.jpg,Lobster\n",
                    {"line 4", "'a.jpg'", "repeats line 2"}));
}

TEST(IsCorrect, FolderDecidesUnlessThePathHasAnExplicitLabel) {
  const TruthSource folders = shellfish_truth();
  EXPECT_TRUE(folders.is_correct("crayfish/image_0002.jpg", "Crawdad"));
  EXPECT_FALSE(folders.is_correct("lobster/image_0002.jpg", "Crawdad"));
  EXPECT_FALSE(folders.is_correct("octopus/image_0001.jpg", "Crab"));
  EXPECT_FALSE(folders.is_correct("crayfish", "Crawdad"));  // no folder in the path
  EXPECT_FALSE(folders.is_correct("crayfish/image_0002.jpg", "crawdad"));

  const auto explicit_labels = TruthSource::from_true_labels(
      "image_local_path,true_label\ncrayfish/image_0002.jpg,Lobster\nocto/1.jpg,Crab\n");
  ASSERT_TRUE(explicit_labels.ok()) << explicit_labels.error().message;
  const TruthSource merged = folders.overridden_by(*explicit_labels);
  EXPECT_TRUE(merged.is_correct("crayfish/image_0002.jpg", "Lobster"));
  EXPECT_FALSE(merged.is_correct("crayfish/image_0002.jpg", "Crawdad"));
  EXPECT_TRUE(merged.is_correct("crayfish/image_0003.jpg", "Crawdad"));
  EXPECT_TRUE(merged.is_correct("octo/1.jpg", "Crab"));
  EXPECT_TRUE(merged.is_correct("lobster/image_0002.jpg", "Lobster"));
}

TEST(IsCorrect, PreferredFolderLabelsReplaceTheBaseOnes) {
  const auto preferred = TruthSource::from_folder_labels("folder,label\ncrayfish,Lobster\n");
  ASSERT_TRUE(preferred.ok()) << preferred.error().message;
  const TruthSource merged = shellfish_truth().overridden_by(*preferred);
  EXPECT_TRUE(merged.is_correct("crayfish/1.jpg", "Lobster"));
  EXPECT_FALSE(merged.is_correct("crayfish/1.jpg", "Crawdad"));
  EXPECT_TRUE(merged.is_correct("crab/1.jpg", "Crab"));
}

struct Image {
  std::string path;
  bool label_is_correct;  // for the label "Crawdad" under shellfish_truth()
};

// `count` images labeled Crawdad, cycling through folders where that is right or wrong.
std::vector<Image> crawdad_images(std::size_t count) {
  const std::vector<std::pair<std::string, bool>> folders{
      {"crayfish", true}, {"lobster", false}, {"crab", false}, {"BACKGROUND_Google", false}};
  std::vector<Image> images;
  for (std::size_t at = 0; at < count; ++at) {
    const auto& [folder, correct] = folders[at % folders.size()];
    images.push_back({folder + "/image_" + std::to_string(at) + ".jpg", correct});
  }
  return images;
}

std::vector<BatchItem> batch_of(const std::vector<Image>& images) {
  std::vector<BatchItem> batch;
  for (const Image& image : images) {
    batch.push_back({"s3://bucket/" + image.path, "Crawdad", 90});
  }
  return batch;
}

std::vector<Vote> votes_of(const std::string& annotation, const std::vector<BatchItem>& batch) {
  Result<std::vector<Vote>> votes = parse_votes(annotation, batch);
  EXPECT_TRUE(votes.ok()) << votes.error().message;
  EXPECT_EQ(votes.ok() ? votes->size() : 0, batch.size());
  return votes.ok() ? std::move(votes).value() : std::vector<Vote>{};
}

// How many of the votes disagree with the images' truth; every image must have its vote.
std::size_t wrong_answers(const std::vector<Image>& images, const std::vector<Vote>& votes) {
  EXPECT_EQ(votes.size(), images.size());
  std::size_t wrong = 0;
  for (std::size_t at = 0; at < votes.size(); ++at) {
    EXPECT_EQ(votes[at].image_index, at);
    if (votes[at].confirmed != images[votes[at].image_index].label_is_correct) ++wrong;
  }
  return wrong;
}

TEST(SimulatedAnnotation, OneCheckboxPerImageNamedByItsPosition) {
  const std::vector<Image> images = crawdad_images(14);
  const std::string annotation =
      simulated_annotation(batch_of(images), shellfish_truth(), {"worker-a", 0.3, 7});
  const auto answer = nlohmann::json::parse(annotation);
  ASSERT_TRUE(answer.is_object());
  EXPECT_EQ(answer.size(), images.size());
  for (std::size_t index = 0; index < images.size(); ++index) {
    const std::string name = "Crawdad-" + std::to_string(index);
    ASSERT_TRUE(answer.contains(name)) << name << " missing in " << annotation;
    EXPECT_TRUE(answer[name].at("Confirmed").is_boolean());
  }
}

TEST(SimulatedAnnotation, NoErrorsGiveExactlyTheTruth) {
  const std::vector<Image> images = crawdad_images(13);
  const std::string annotation =
      simulated_annotation(batch_of(images), shellfish_truth(), {"worker-a", 0, 1});
  const std::vector<Vote> votes = votes_of(annotation, batch_of(images));
  EXPECT_EQ(wrong_answers(images, votes), 0u);
}

TEST(SimulatedAnnotation, CertainErrorsGiveExactlyTheNegation) {
  const std::vector<Image> images = crawdad_images(13);
  const std::string annotation =
      simulated_annotation(batch_of(images), shellfish_truth(), {"worker-a", 1, 1});
  const std::vector<Vote> votes = votes_of(annotation, batch_of(images));
  EXPECT_EQ(wrong_answers(images, votes), images.size());
}

TEST(SimulatedAnnotation, ErrorRateIsTheShareOfWrongAnswers) {
  const std::vector<Image> images = crawdad_images(2000);
  const std::string annotation =
      simulated_annotation(batch_of(images), shellfish_truth(), {"worker-a", 0.3, 42});
  const std::size_t wrong = wrong_answers(images, votes_of(annotation, batch_of(images)));
  // 30% of 2000 is 600, with a binomial standard deviation near 20.5.
  EXPECT_GE(wrong, 500u);
  EXPECT_LE(wrong, 700u);
}

TEST(SimulatedAnnotation, SameInputsSameAnswerOtherSeedOrWorkerAnother) {
  const std::vector<BatchItem> batch = batch_of(crawdad_images(200));
  const TruthSource truth = shellfish_truth();
  const std::string first = simulated_annotation(batch, truth, {"worker-a", 0.3, 42});
  EXPECT_EQ(simulated_annotation(batch, truth, {"worker-a", 0.3, 42}), first);
  EXPECT_NE(simulated_annotation(batch, truth, {"worker-a", 0.3, 43}), first);
  EXPECT_NE(simulated_annotation(batch, truth, {"worker-b", 0.3, 42}), first);
}

TEST(SimulatedAnnotation, AnImageUrlThatIsNotS3HasNoCorrectLabel) {
  const std::vector<BatchItem> batch{{"https://example.com/crayfish/1.jpg", "Crawdad", 90},
                                     {"s3://bucket/crayfish/1.jpg", "Crawdad", 90}};
  const std::vector<Vote> votes =
      votes_of(simulated_annotation(batch, shellfish_truth(), {"worker-a", 0, 1}), batch);
  EXPECT_EQ(votes, (std::vector<Vote>{{0, false}, {1, true}}));
}

TEST(SimulatedAnnotation, AnEmptyBatchGivesAnEmptyObject) {
  EXPECT_EQ(simulated_annotation({}, shellfish_truth(), {"worker-a", 0.5, 1}), "{}");
}

}  // namespace
}  // namespace bulkqa
