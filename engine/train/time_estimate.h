#pragma once
// How long a fit will take, told before Train is pressed: one training item's cost measured on
// this machine with the real model, times the items of the planned epochs (estimateFitSeconds in
// progress.h, torch-free for the window). Image decoding is not in the measurement, so for files
// read from disk the figure is a lower bound; the time left during training corrects it.
#include <torch/nn/modules/container/sequential.h>

#include "engine/core/image_shape.h"

namespace lb {

// Seconds per item of a forward and backward pass over a batch of `batchSize` random inputs of
// `input`'s shape: the fastest of three passes after one that pays for the allocations (fewer
// when the passes have already taken a second). The model's
// parameters, buffers (batch-norm statistics), gradients and train/eval mode come back as they
// were; no optimizer step runs.
double measureSecondsPerItem(torch::nn::Sequential& model, const ImageShape& input, int batchSize);

}  // namespace lb
