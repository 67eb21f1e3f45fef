#pragma once
// Checkpoints: the model's parameters and buffers, the optimizer's state, the number of epochs
// done and the Recorder's history, in one file with checksums of its tensors, serialized in
// memory and written atomically (engine/util/atomic_file.h), so a crash, a kill or a full disk
// leaves the previous checkpoint whole; a write that fails is an lb::Error, never an abort. The
// checkpoint before the latest is kept beside it (FILE.previous) for when the latest is damaged.
// Loading checks the checksums and that the tensors fit the Learner's model, and throws lb::Error
// with a sentence when they do not, leaving the model as it was.
#include <filesystem>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/train/learner.h"

namespace lb {

// `epochsDone` is the number of finished epochs of the current fit.
void saveCheckpoint(Learner& learn, int epochsDone, const std::filesystem::path& file);
// Returns epochsDone; resume with learn.fitOneCycle(epochs, options, {}, epochsDone).
int loadCheckpoint(Learner& learn, const std::filesystem::path& file);

// The checkpoint to load for `file`: `file` when it is whole (every tensor read and its
// checksums match), else the previous one saveCheckpoint kept beside it (file + ".previous").
// Throws lb::Error: the file does not exist, or (when neither is whole) it is damaged.
std::filesystem::path loadableCheckpoint(const std::filesystem::path& file);
std::filesystem::path previousCheckpoint(const std::filesystem::path& file);

// A checksum of one named tensor (its name, type, size and bytes); the sum over a file's
// tensors finds a damaged file.
std::uint64_t tensorChecksum(const std::string& key, const torch::Tensor& tensor);

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
