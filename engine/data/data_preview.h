#pragma once
// What the data block editor shows beside its cards, computed off the GUI thread: the check of
// every step, a show_batch grid, one item under several augmentations, the counts per class and
// the summary walk-through. Torch-free (images are plain 8-bit pixel buffers) so widgets can
// hold the result. Also the full file check `learnbench-cli summary` runs.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "engine/data/data_block.h"
#include "engine/data/data_block_spec.h"

namespace lb {

struct PreviewImage {
  int width = 0, height = 0, channels = 0;  // channels 1 (gray) or 3 (RGB, in that order)
  std::vector<std::uint8_t> pixels;         // row-major, height x width x channels
  std::string caption;                      // the label(s) as text
};

struct ClassCount {
  std::string name;
  int train = 0, valid = 0;
};

struct StepCheck {
  DataStep step = DataStep::Source;
  enum class State { Ok, Failed, NotChecked } state = State::NotChecked;
  std::string message;  // Ok: what the step produced ("1,200 images in 10 folders");
                        // Failed: the sentence saying what to change
};

struct PreviewOptions {
  int batchItems = 16;     // show_batch tiles
  int augmentations = 8;   // tiles of the one augmented item
  std::uint64_t seed = 0;  // which items and which augmentations
};

struct DataPreview {
  std::vector<StepCheck> steps;  // one per DataStep, in order
  std::vector<PreviewImage> batch;
  std::vector<PreviewImage> augmented;
  std::vector<ClassCount> counts;  // per vocabulary entry (regression: empty)
  int trainItems = 0, validItems = 0;
  int channels = 0, height = 0, width = 0;  // one item as the model will see it
  std::vector<std::string> vocab;
  std::vector<SkippedFile> skipped;
  std::string summary;  // the walk-through of one item (fastai's DataBlock.summary)
  bool ok() const;
  const StepCheck* firstFailure() const;
};

// Runs the data block on a few items (and keeps the items, for checkFiles). Never throws for bad data: the failing step carries the
// sentence. `cancel` (may be null) is polled so a stale preview stops early.
DataPreview previewDataBlock(const DataBlockSpec& spec, const std::filesystem::path& baseDir,
                             const PreviewOptions& options = {},
                             const std::atomic<bool>* cancel = nullptr);

// Decodes every file of `items` on `threads` threads and returns those that cannot be used, with
// the reason. `progress(done, total)` is called now and then from the calling thread.
std::vector<SkippedFile> checkFiles(const DataItems& items, int threads,
                                    const std::function<void(int, int)>& progress = {});

}  // namespace lb
