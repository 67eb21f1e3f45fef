#pragma once
// A finished run replayed epoch by epoch from its stored files (run_store.h), without the model:
// the confusion matrix and the top losses after any epoch come from that epoch's stored
// predictions, so they are the ones the run showed live at that epoch. The Grad-CAM of an
// image at an epoch needs that epoch's checkpoint (epochCheckpoint) and the data
// (Experiment::gradCamOf). Category runs only; throws lb::Error otherwise.
#include <vector>

#include "engine/interpret/interpret_types.h"
#include "engine/project/run_store.h"

namespace lb {

// counts[actual][predicted] over `predictions`, `classes` x `classes`. Throws lb::Error naming
// the item when a class index is outside 0..classes-1 (not a category run, or damaged files).
Confusion storedConfusion(const std::vector<StoredPrediction>& predictions, int classes);

// The k largest losses, largest first (ties by item), as fastai's top_losses orders them, with
// the stored probability of the predicted class. A run stored before it was kept has none: a
// right prediction's is then exp(-loss) (the cross-entropy of the class it predicted), a wrong
// one's is NaN (unknown, shown as no probability rather than a false 0).
std::vector<TopLoss> storedTopLosses(const std::vector<StoredPrediction>& predictions, int k);

// The stored batches of epochs 0..epoch (batches.csv holds them in order).
std::vector<StoredBatch> batchesUpTo(const std::vector<StoredBatch>& batches, int epoch);

}  // namespace lb
