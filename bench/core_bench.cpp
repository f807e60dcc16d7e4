// The core's hot paths at launch and post-labeling scale: reading a million-row corpus, batching
// it, and reading one reviewer's answer to a full batch.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulkqa/qa/batching.hpp"
#include "bulkqa/qa/corpus.hpp"
#include "bulkqa/qa/ground_truth.hpp"
#include "support/generated_corpus.hpp"

namespace bulkqa {
namespace {

constexpr std::size_t kCorpusRows = 1'000'000;
constexpr std::size_t kBatchSize = 25;

const std::string& generated_corpus() {
  static const std::string text = bench::generated_corpus(kCorpusRows);
  return text;
}

std::vector<BatchItem> generated_items() {
  const auto corpus = parse_corpus(generated_corpus());
  std::vector<BatchItem> items;
  items.reserve(corpus->size());
  for (const CorpusRow& row : *corpus) {
    items.push_back({"s3://images/" + row.image_local_path, row.label, row.confidence});
  }
  return items;
}

void BM_ParseCorpus(benchmark::State& state) {
  const std::string& text = generated_corpus();
  for (auto _ : state) {
    auto corpus = parse_corpus(text);
    if (!corpus) state.SkipWithError(corpus.error().message.c_str());
    benchmark::DoNotOptimize(corpus);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kCorpusRows));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ParseCorpus)->Unit(benchmark::kMillisecond);

void BM_MakeBatches(benchmark::State& state) {
  const std::vector<BatchItem> items = generated_items();
  for (auto _ : state) {
    auto batches = make_batches(items, kBatchSize);
    benchmark::DoNotOptimize(batches);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * items.size()));
}
BENCHMARK(BM_MakeBatches)->Unit(benchmark::kMillisecond);

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
