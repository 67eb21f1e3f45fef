#pragma once
// Transfer learning from another Learnbench model file: copies the body's weights (the model's
// top-level entries [0, headStart), see model_builder.h) from a checkpoint
// (engine/train/checkpoint.h: saveCheckpoint or saveModelWeights) or an exported TorchScript
// file (engine/experiment/export.h), and leaves the head as it was initialised, so its class count
// may differ. Every body parameter and buffer must be in the file under its name, with the same
// shape. Throws lb::Error with a sentence when the file is missing, is not a Learnbench model,
// holds nothing of the body, or a tensor does not fit; the model is then unchanged.
#include <torch/nn/modules/container/sequential.h>

#include <cstddef>
#include <filesystem>

namespace lb {

struct TransferReport {
  std::size_t tensorsCopied = 0;  // parameters and buffers of the body
  std::size_t headTensors = 0;    // left as initialised
};

TransferReport loadPretrainedBody(torch::nn::Sequential& model, std::size_t headStart,
                                  const std::filesystem::path& file);

}  // namespace lb
