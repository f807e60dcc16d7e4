// The core's hot paths at launch and post-labeling scale: reading a million-row corpus, batching
// it, and reading one reviewer's answer to a full batch.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulkqa/qa/batching.hpp"
#include "bulkqa/qa/corpus.hpp"
#include "bulkqa/qa/ground_truth.hpp"
#include "bulkqa/qa/launch_plan.hpp"
#include "support/generated_corpus.hpp"

namespace bulkqa {
namespace {

constexpr std::size_t kCorpusRows = 1'000'000;
constexpr std::size_t kBatchSize = 25;

const std::string& generated_corpus() {
  static const std::string text = bench::generated_corpus(kCorpusRows);
  return text;
}

void BM_ParseCorpus(benchmark::State& state) {
  const std::string& text = generated_corpus();
  for (auto _ : state) {
    auto corpus = parse_compact_corpus(text);
    if (!corpus) state.SkipWithError(corpus.error().message.c_str());
    benchmark::DoNotOptimize(corpus);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kCorpusRows));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ParseCorpus)->Unit(benchmark::kMillisecond);

// Laying out the batches and materializing each, as launch does.
void BM_LayOutBatches(benchmark::State& state) {
  const auto corpus = parse_compact_corpus(generated_corpus());
  const ImagePlacement placement{"stack", "images", "", true};
  for (auto _ : state) {
    const LaunchPlan plan(*corpus, placement, kBatchSize);
    for (std::size_t index = 0; index < plan.batch_count(); ++index) {
      benchmark::DoNotOptimize(plan.batch(index));
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * corpus->size()));
}
BENCHMARK(BM_LayOutBatches)->Unit(benchmark::kMillisecond);

void BM_ParseVotes(benchmark::State& state) {
  nlohmann::json answer = nlohmann::json::object();
  std::vector<BatchItem> batch;
  for (std::size_t image = 0; image < kBatchSize; ++image) {
    answer["Soccer Ball-" + std::to_string(image)] = {{"Confirmed", image % 7 != 3}};
    batch.push_back({"s3://bench/" + std::to_string(image) + ".jpg", "Soccer Ball", 90});
  }
  const std::string content = answer.dump();
  for (auto _ : state) {
    auto votes = parse_votes(content, batch);
    if (!votes) state.SkipWithError(votes.error().message.c_str());
    benchmark::DoNotOptimize(votes);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatchSize));
}
BENCHMARK(BM_ParseVotes);

}  // namespace
}  // namespace bulkqa
