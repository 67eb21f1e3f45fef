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
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/data/data_block_spec.h"
#include "engine/data/tensor_loader.h"
#include "engine/interpret/interpret_types.h"
#include "engine/train/learner.h"

namespace lb {

// Everything on the CPU, in validation order. Shapes are for categories; multi-label and
// regression differ where noted. The images stay with the loader (validationInputs fetches the
// few an interpretation shows), so a set of large photos costs no more memory than its scores.
struct Predictions {
  torch::Tensor probabilities;  // float [N, C], softmax of the logits (multi-label: sigmoid;
                                // regression: undefined)
  torch::Tensor predicted;      // int64 [N], argmax (multi-label: int64 [N, C], p > 0.5;
                                // regression: float [N], the model's output)
  torch::Tensor targets;        // int64 [N] (multi-label: float 0/1 [N, C]; regression: float [N])
  torch::Tensor losses;         // float [N], per item: cross-entropy (multi-label: binary
                                // cross-entropy averaged over labels; regression: squared error)
  std::int64_t size() const { return targets.defined() ? targets.size(0) : 0; }
};

// Gathers Predictions batch by batch from the model's outputs and the targets: the one place the
// per-item losses and probabilities of each target kind are computed.
class PredictionCollector {
 public:
  explicit PredictionCollector(TargetKind target = TargetKind::Category) : m_target(target) {}
  void add(const torch::Tensor& outputs, const torch::Tensor& targets);
  std::int64_t size() const { return m_size; }
  void clear();
  // Everything added so far, in order; throws lb::Error when nothing was.
  Predictions take();

 private:
  TargetKind m_target;
  std::int64_t m_size = 0;
  std::vector<torch::Tensor> m_probs, m_preds, m_targets, m_losses;
};

// Runs the model in eval mode without gradients over the validation loader, in order. The
// model is left in eval mode.
Predictions predictValidation(Learner& learn, TargetKind target = TargetKind::Category);

// The validation items at `indices` as the model takes them (normalised), on the CPU:
// float [k, C, H, W].
torch::Tensor validationInputs(Learner& learn, const std::vector<long>& indices);

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

// Whether the model has a Conv2d anywhere, so Grad-CAM has feature maps to explain.
bool hasConvolution(torch::nn::Sequential& model);

// The torch-free forms for plots: one normalised input [C, H, W] mapped back to 0..255 with the
// statistics it was normalised with, and a [H, W] map.
Image8 toImage8(const torch::Tensor& input, const Normalization& stats);
HeatMap toHeatMap(const torch::Tensor& map);

// All of the above in one value: top k losses (of the items `filter` lets through) with their
// images and Grad-CAM maps (for the predicted class), the confusion counts and every confused pair.
// Multi-label: every label's scores (multiLabel). Regression: predicted against actual with the
// k worst residuals and their images (regression). Both leave the category parts empty.
// `preds` are the learner's current model's over its validation loader; `stats` what that
// loader normalises with.
Interpretation interpretPredictions(Learner& learn, const Predictions& preds,
                                    const std::vector<std::string>& classes, int k,
                                    const ItemFilter& filter, TargetKind target,
                                    const Normalization& stats);
// The same from a fresh pass over the validation set (predictValidation).
Interpretation interpretLearner(Learner& learn, const std::vector<std::string>& classes, int k,
                                const ItemFilter& filter, TargetKind target,
                                const Normalization& stats);

// Interprets after every epoch, from the predictions the epoch's own validation made (no second
// pass over the data), and hands the result to `report` on the training thread. An epoch whose
// validation was cut short reports nothing. Runs after the epoch's report and checkpoint.
class InterpretEachEpoch : public Callback {
 public:
  using Report = std::function<void(const Interpretation&)>;
  InterpretEachEpoch(std::vector<std::string> classes, int k, TargetKind target,
                     Normalization stats, Report report);
  int order() const override { return 80; }
  void beforeValidate(Learner&) override { m_collector.clear(); }
  void afterLoss(Learner& learn) override;
  void afterEpoch(Learner& learn) override;

 private:
  std::vector<std::string> m_classes;
  int m_k;
  TargetKind m_target;
  Normalization m_stats;
  Report m_report;
  PredictionCollector m_collector;
};

}  // namespace lb
