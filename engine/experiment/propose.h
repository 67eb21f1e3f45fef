#pragma once
// proposeDataBlock: what a beginner's folder of images (or CSV) most likely means, as a data
// block and a model, so File > New project and `learnbench-cli new` start from a project that
// checks out. The rules, in fastai's habits:
//   - split: top-level folders named as a pair (train/valid, training/validation, train/val,
//     train/test, training/testing) -> by grandparent folder; otherwise a seeded random 20%;
//   - labels: the parent folder; when every image sits in one folder but the names read
//     "<label>_<n>.<ext>" (as fastai's pets), the regex ^(.+)_\d+\.\w+$ on the file name;
//   - item size: the median shorter side of a sample of images, kept as it is up to 64 pixels,
//     else rounded to a multiple of 32 and capped at 224;
//   - model: simple_cnn below 96 pixels, resnet18 (smallImages off) for photos of 96 and more.
// The proposal is checked by collecting the items (engine/data/data_block.h), so it carries the
// class counts of each split. Throws DataBlockError (a sentence naming the step) when the data
// cannot make a project: no images, one class only, a CSV without a column of file names.
#include <filesystem>
#include <string>
#include <vector>

#include "engine/data/data_block.h"
#include "engine/data/data_preview.h"  // ClassCount
#include "engine/models/model_spec.h"
#include "engine/project/project.h"

namespace lb {

struct DataProposal {
  DataBlockSpec data;  // data.path is the source as given (absolute when it was)
  ModelSpec model;
  std::vector<ClassCount> classes;  // in the vocabulary's order; empty for regression
  int trainItems = 0;
  int validItems = 0;
  std::vector<SkippedFile> skipped;
  DataItems items;  // what the proposed data block collects (train, valid, names, skipped)
  int sampled = 0;         // images decoded to choose the size
  int medianSide = 0;      // their median shorter side, in pixels
  bool grayscale = false;  // every sampled image had one channel
  // The proposal in words, one line per choice ("Split: by folder: train/ for training, ...").
  std::vector<std::string> lines;
};

// The choices already made (on a command line): the proposal keeps those of `start` and `model`.
struct ProposalGiven {
  bool split = false;
  bool label = false;    // the label rule (and the target)
  bool columns = false;  // a CSV's columns and label delimiter
  bool size = false;
  bool model = false;
};

// Looks at `source` (a folder of images or a CSV file, by its extension) and proposes the rest
// of `start` (its transforms, seed and extensions are kept) and a model.
DataProposal proposeDataBlock(const std::filesystem::path& source, const DataBlockSpec& start = {},
                              const ModelSpec& model = {}, const ProposalGiven& given = {});

// The project a proposal makes when written to `file`: named after the file, the data path
// relative to the file's folder when the data is inside it (the two can move together), else
// absolute. Throws nothing.
Project proposedProject(const DataProposal& proposal, const std::filesystem::path& file);
// The file a new project for `source` is saved to unless the user picks another: beside the
// folder or CSV, not inside it ("~/pets" -> "~/pets.lbproj").
std::filesystem::path proposedProjectFile(const std::filesystem::path& source);

// The item size for images whose median shorter side is `medianSide` (rules above).
int proposedSize(int medianSide);
// The model for items of `size` pixels and `classes` classes (rules above).
ModelSpec proposedModel(int size, int classes);

}  // namespace lb
