#pragma once
// Export of a trained project as one TorchScript file that plain PyTorch can load
// (torch.jit.load) without Learnbench: forward(x) gives the model's raw outputs for a normalised
// float batch [N, C, H, W], predict_proba(x) the probabilities (softmax for category, sigmoid
// for multi-category, the outputs for regression), and attributes say how to prepare an image:
// labels, channels, height, width, resize_method ("squish", "crop", "pad"), pad_mode, mean, std
// (per channel, on the 0..1 scale), target and format_version, and weights_checksum (the sum of
// tensorChecksum over its parameters and buffers, engine/train/checkpoint.h), checked on load.
// LibTorch cannot script a C++ module, so the TorchScript code is generated from the Sequential's
// layers; a layer it does not know gives an lb::Error naming it, never a different model. Every function throws lb::Error
// with a sentence; the file is written atomically. Torch-free, so command-line code stays light.
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/image8.h"
#include "engine/data/aspect_groups.h"
#include "engine/project/project.h"

namespace torch::nn {
class SequentialImpl;
}
namespace torch::jit {
struct Module;
}

namespace lb {

inline constexpr int kExportFormatVersion = 1;

// What the file stores beside the weights.
struct ExportInfo {
  std::vector<std::string> labels;
  int channels = 1;
  int height = 28;
  int width = 28;
  std::string resizeMethod = "squish";  // how predict brings any image to width x height
  std::string padMode = "zeros";        // for "pad": "zeros" or "reflection"
  std::vector<double> mean, std;        // per channel
  TargetKind target = TargetKind::Category;  // stored by its name: "category", ...
  // Trained grouped by aspect ratio: the groups' shapes; predict gives each image the one
  // nearest its ratio (engine/data/aspect_groups.h). Empty: width x height for every image.
  std::vector<ImageSize> aspectShapes;
  int formatVersion = kExportFormatVersion;
};

// Builds the project's learner, loads `checkpoint` and writes the TorchScript model to `out`.
void exportModel(const Project& project, const std::filesystem::path& checkpoint,
                 const std::filesystem::path& out);

// The lower half of exportModel: writes `model` (its weights as they are, evaluated as in eval
// mode) with `info`. The tests use it for hand-made models.
void exportSequential(torch::nn::SequentialImpl& model, const ExportInfo& info,
                      const std::filesystem::path& out);

struct ExportedModel {
  ExportInfo info;
  std::shared_ptr<torch::jit::Module> module;
};

// Loads a file exportModel wrote; a file that is not one, from a newer version, or damaged (its
// weights do not match their checksum) is an error.
ExportedModel loadExportedModel(const std::filesystem::path& file);

struct Prediction {
  std::filesystem::path file;
  std::vector<std::pair<std::string, double>> top;  // (label, probability), best first
  std::string error;  // non-empty when the image could not be read; `top` is then empty
};

// Decodes, resizes and normalises each image as training did, and returns its k most likely
// classes (for regression, the one predicted value, labelled "value"). One Prediction per image,
// in order; an unreadable image gets its reason instead of classes.
std::vector<Prediction> predictImages(const ExportedModel& model,
                                      const std::vector<std::filesystem::path>& images, int k);

// One image already in memory (gray or RGB, converted to the model's channels), prepared as
// predictImages prepares a file; `file` stays empty. A malformed image gets its reason.
Prediction predictImage(const ExportedModel& model, const Image8& image, int k);

}  // namespace lb
