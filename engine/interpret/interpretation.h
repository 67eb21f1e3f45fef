#pragma once
// fastai's ClassificationInterpretation on a Learner (FASTAI_NOTES.md, "Interpretation"):
// predictions over the validation set in order with one loss per item, the top losses, the
// confusion matrix and its most confused pairs, and Grad-CAM for one image; for multi-label and
// regression projects their own reports (per-label scores; predicted against actual).
// Requires: a Learner whose model is a Sequential (logits [N, classes], one output for
// regression) with at least one conv layer for Grad-CAM. Throws lb::Error with a sentence for
// arguments that do not fit.
#include <torch/nn/modules/container/sequential.h>
#include <torch/types.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/data/data_block_spec.h"
#include "engine/interpret/interpret_types.h"
#include "engine/train/learner.h"

namespace lb {

// Everything on the CPU, in validation order. Shapes are for categories; multi-label and
// regression differ where noted.
struct Predictions {
  torch::Tensor probabilities;  // float [N, C], softmax of the logits (multi-label: sigmoid;
                                // regression: undefined)
  torch::Tensor predicted;      // int64 [N], argmax (multi-label: int64 [N, C], p > 0.5;
                                // regression: float [N], the model's output)
  torch::Tensor targets;        // int64 [N] (multi-label: float 0/1 [N, C]; regression: float [N])
  torch::Tensor losses;         // float [N], per item: cross-entropy (multi-label: binary
                                // cross-entropy averaged over labels; regression: squared error)
  torch::Tensor inputs;         // float [N, C, H, W], the normalised images the model saw
  torch::Tensor images;         // uint8 [N, C, H, W], the inputs mapped back to 0..255
  std::int64_t size() const { return targets.defined() ? targets.size(0) : 0; }
};

// Runs the model in eval mode without gradients over the validation loader, in order. The
// model is left in eval mode.
Predictions predictValidation(Learner& learn, TargetKind target = TargetKind::Category);

// The k largest per-item losses, largest first (ties: lower index first), optionally only items
// of one actual and/or predicted class. Fewer than k when fewer items match.
std::vector<TopLoss> topLosses(const Predictions& preds, int k,
                               std::optional<int> actual = std::nullopt,
                               std::optional<int> predicted = std::nullopt);

// double [C, C], cm[actual][predicted]: counts, or with `normalize` each row divided by its sum
// (rows without items stay 0).
torch::Tensor confusionMatrix(const Predictions& preds, int numClasses, bool normalize = false);
Confusion toConfusion(const torch::Tensor& counts);

// Off-diagonal (actual, predicted, count) with count >= minCount, largest count first (ties by
// actual, then predicted). Takes counts, not a normalised matrix.
std::vector<ConfusedPair> mostConfused(const Confusion& cm, long minCount = 1);

// Grad-CAM: the class score's gradients at the output of the last conv block (the last top-level
// layer whose output is still a feature map larger than 1 x 1: in the simple CNN the last block's
// ReLU), averaged over H and W, weight that block's channels; relu of the sum, bilinearly
// upsampled to the image's H x W and scaled to [0, 1]. image: [1, C, H, W] as the model takes
// it. Returns float [H, W] on the CPU (all zeros when nothing supports the class). Leaves no
// gradients on the model's parameters and puts the model in eval mode.
torch::Tensor gradCam(torch::nn::Sequential& model, const torch::Tensor& image, int classIndex);

// The torch-free form for plots: item `index` of preds.images, and a [H, W] map.
Image8 toImage8(const Predictions& preds, std::int64_t index);
HeatMap toHeatMap(const torch::Tensor& map);

// All of the above in one value: top k losses (of the items `filter` lets through) with their
// images and Grad-CAM maps (for the predicted class), the confusion counts and every confused pair.
// Multi-label: every label's scores (multiLabel). Regression: predicted against actual with the
// k worst residuals and their images (regression). Both leave the category parts empty.
Interpretation interpretLearner(Learner& learn, const std::vector<std::string>& classes, int k,
                                const ItemFilter& filter = {},
                                TargetKind target = TargetKind::Category);

}  // namespace lb
