#pragma once
// fastai's learning-rate finder (lr_find): a short fit with the lr growing exponentially from
// startLr to endLr over numIt batches, no validation, stopping early when the smoothed loss
// diverges (> 4 x its best) or turns NaN; then the model (parameters and buffers) and the
// optimizer are put back exactly as they were, gradients zeroed. See FASTAI_NOTES.md, "LR finder".
// Requires: a Learner with at least one training batch. Throws lb::Error for bad options or
// data; anything thrown by the fit propagates after the model and optimizer are restored.
#include <atomic>
#include <functional>

#include "engine/train/learner.h"
#include "engine/train/lr_find_types.h"

namespace lb {

// `stop` is read before every batch (the sweep ends within one batch, still restoring);
// `onPoint` is called on the calling thread after every recorded batch.
LrFindResult findLearningRate(Learner& learn, const LrFinderOptions& options = {},
                              const std::atomic<bool>* stop = nullptr,
                              std::function<void(const LrFindPoint&)> onPoint = {});

}  // namespace lb
