#pragma once
// Checkpoints: the model's parameters and buffers, the optimizer's state, the number of epochs
// done and the Recorder's history, in one file written atomically (a temporary file, then a
// rename), so a crash leaves the previous checkpoint whole. Loading checks that the tensors fit
// the Learner's model and throws lb::Error with a sentence when they do not.
#include <filesystem>
#include <memory>

#include "engine/train/learner.h"

namespace lb {

// `epochsDone` is the number of finished epochs of the current fit.
void saveCheckpoint(Learner& learn, int epochsDone, const std::filesystem::path& file);
// Returns epochsDone; resume with learn.fitOneCycle(epochs, options, {}, epochsDone).
int loadCheckpoint(Learner& learn, const std::filesystem::path& file);

// Model weights only (parameters and buffers), for SaveBestModel and transfer.
void saveModelWeights(torch::nn::Module& model, const std::filesystem::path& file);
void loadModelWeights(torch::nn::Module& model, const std::filesystem::path& file);

// Saves a checkpoint after every epoch, to the same file.
class CheckpointEveryEpoch : public Callback {
 public:
  explicit CheckpointEveryEpoch(std::filesystem::path file) : m_file(std::move(file)) {}
  int order() const override { return 70; }
  void afterEpoch(Learner& learn) override { saveCheckpoint(learn, learn.epoch + 1, m_file); }

 private:
  std::filesystem::path m_file;
};

}  // namespace lb
