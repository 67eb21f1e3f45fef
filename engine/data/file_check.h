#pragma once
// The check of every file a data block will train on, before training: each file of the
// training and validation splits is decoded once (engine/data/image_file.h), so the unreadable
// ones can be left out of every split, counted and named (never replaced by a neighbour), and so
// every image, not the first, decides whether the data is colour or grey.
#include <functional>
#include <map>
#include <string>

#include "engine/data/data_block.h"

namespace lb {

struct FileCheck {
  std::map<int, std::string> unreadable;  // item index -> why it cannot be used
  int colourImages = 0;                   // readable files with more than one channel
  int greyImages = 0;                     // readable files with one channel
  // 3 when any readable image has colour (the grey ones are then expanded), else 1.
  int channels() const { return colourImages > 0 ? 3 : 1; }
};

// Decodes the files of items.train and items.valid on `threads` threads. `progress(done,
// total)` is called now and then from the calling thread. File sources only (items.files).
FileCheck checkImageFiles(const DataItems& items, int threads,
                          const std::function<void(int, int)>& progress = {});

}  // namespace lb
