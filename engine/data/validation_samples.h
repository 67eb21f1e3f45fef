#pragma once
// A few validation items as the user knows them, to predict one by hand on the Export page: the
// image as stored (decoded, not resized) and its actual label. Torch-free, so widgets can hold
// them. Folder and CSV sources give their files; the built-in example has none, so its items
// come as pixels only.
#include <filesystem>
#include <string>
#include <vector>

#include "engine/core/image8.h"
#include "engine/data/data_block_spec.h"

namespace lb {

struct ValidationSample {
  Image8 image;                // gray or RGB
  std::string label;           // the actual label(s), "; "-joined; regression: the value
  std::string name;            // what to call it: the file relative to the source, or "item N"
  std::filesystem::path file;  // empty for the built-in example
};

// Up to `count` validation items spread over the split (so most classes show up); unreadable
// files are left out. Throws DataBlockError when the data block itself does not load.
std::vector<ValidationSample> validationSamples(const DataBlockSpec& spec,
                                                const std::filesystem::path& baseDir, int count);

// The validation items at `positions` of the validation loader's order (the order a run's stored
// predictions number them), unreadable files left out of the split first as training leaves
// them out. `loaderItems` is how many items that loader held: when the split has as many, no
// file was left out and none is decoded to find out. Throws DataBlockError when the data block
// does not load, lb::Error when a position is past the split or its file cannot be read now.
std::vector<ValidationSample> validationItemsAt(const DataBlockSpec& spec,
                                                const std::filesystem::path& baseDir,
                                                const std::vector<long>& positions,
                                                long loaderItems);

// The label(s) the data block gives `file` ("; "-joined), or "" when the file is not one of its
// items (or the data block does not load): what a chosen image is known to be.
std::string knownLabel(const DataBlockSpec& spec, const std::filesystem::path& baseDir,
                       const std::filesystem::path& file);

}  // namespace lb
