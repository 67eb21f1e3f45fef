#include "engine/project/run_replay.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "engine/util/error.h"

namespace lb {

Confusion storedConfusion(const std::vector<StoredPrediction>& predictions, int classes) {
  Confusion out;
  out.counts.assign(std::size_t(std::max(0, classes)), std::vector<long>(std::size_t(std::max(0, classes)), 0));
  for (const StoredPrediction& p : predictions) {
    const long actual = std::lround(p.actual), predicted = std::lround(p.predicted);
    if (actual < 0 || actual >= classes || predicted < 0 || predicted >= classes)
      throw Error("Validation item " + std::to_string(p.item + 1) +
                  " has no class in the stored predictions: only runs of a category target "
                  "can be replayed.");
    ++out.counts[std::size_t(actual)][std::size_t(predicted)];
  }
  return out;
}

std::vector<TopLoss> storedTopLosses(const std::vector<StoredPrediction>& predictions, int k) {
  std::vector<std::size_t> order(predictions.size());
  std::iota(order.begin(), order.end(), 0);
  const std::size_t kept = std::min(order.size(), std::size_t(std::max(0, k)));
  std::partial_sort(order.begin(), order.begin() + long(kept), order.end(),
                    [&](std::size_t a, std::size_t b) {
                      return predictions[a].loss != predictions[b].loss
                                 ? predictions[a].loss > predictions[b].loss
                                 : a < b;
                    });
  std::vector<TopLoss> out;
  for (std::size_t i = 0; i < kept; ++i) {
    const StoredPrediction& p = predictions[order[i]];
    TopLoss t;
    t.index = p.item;
    t.actual = int(std::lround(p.actual));
    t.predicted = int(std::lround(p.predicted));
    t.loss = p.loss;
    t.probability = std::isfinite(p.probability) ? p.probability
                    : t.correct()                 ? std::exp(-p.loss)
                                                  : std::nan("");
    out.push_back(t);
  }
  return out;
}

std::vector<StoredBatch> batchesUpTo(const std::vector<StoredBatch>& batches, int epoch) {
  std::vector<StoredBatch> out;
  for (const StoredBatch& b : batches)
    if (b.epoch <= epoch) out.push_back(b);
  return out;
}

}  // namespace lb
