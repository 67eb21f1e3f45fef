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

}  // namespace lb
