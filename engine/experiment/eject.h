#pragma once
// "Show as fastai code": a project written as a Python script for fastai 2.7 that builds the
// same DataBlock (blocks, items, splitter, labeller, item and batch transforms, normalisation),
// the same model (an nn.Sequential of the same layers, with torchvision's ResNets for resnet18/34),
// the same loss, optimizer, metric and schedule (fit_one_cycle, or fine_tune for a pretrained
// project), with a comment per card naming the Learnbench setting it comes from. Files that
// Learnbench skips are listed in the script and left out there too (fastai stops on the first
// file it cannot open). A teacher hands it to students moving on to notebooks. Torch-free.
#include <filesystem>
#include <string>
#include <vector>

#include "engine/core/image_shape.h"
#include "engine/data/data_block.h"
#include "engine/data/item_overrides.h"
#include "engine/project/project.h"

namespace lb {

// What the script needs that the project file does not say, found by loading the data as
// training loads it.
struct EjectData {
  std::vector<std::string> vocab;     // the class names (empty for regression)
  ImageShape shape;                   // one item as the model sees it
  std::vector<float> mean, std;       // the normalisation training uses, per channel (0..1 scale)
  std::vector<SkippedFile> skipped;   // what training leaves out, with the reason (the items
                                      // excluded while cleaning among them)
  ItemOverrides cleaning;             // the project's cleaning decisions (cleaning_journal.h)
};

// Loads the project's data as training does (every file decoded once, the unreadable ones listed
// as training lists them). Throws lb::Error (a DataBlockError naming the step) when the data cannot
// be loaded.
EjectData ejectData(const Project& project);

// The script for `project` over `data`. Throws lb::Error when the model does not fit the data
// (the sentence `summary` gives).
std::string fastaiScript(const Project& project, const EjectData& data);

// ejectData and fastaiScript, written atomically to `out` (a file there is replaced). Returns the
// data it found, so a caller can say how many files the script leaves out. Throws lb::Error with
// a sentence.
EjectData ejectFastaiScript(const Project& project, const std::filesystem::path& out);

}  // namespace lb
