#pragma once
// The check of every file a data block will train on, before training: each file of the
// training and validation splits is decoded once (engine/data/image_file.h), so the unreadable
// ones can be left out of every split, counted and named (never replaced by a neighbour), and so
// every image, not the first, decides whether the data is colour or grey.
#include <functional>
#include <map>
#include <string>

#include "engine/data/aspect_groups.h"
#include "engine/data/data_block.h"
#include "engine/data/decode_cache.h"

namespace lb {

struct FileCheck {
  std::map<int, std::string> unreadable;  // item index -> why it cannot be used
  int colourImages = 0;                   // readable files with more than one channel
  int greyImages = 0;                     // readable files with one channel
  std::vector<ImageSize> sizes;  // item index -> its size as decoded (0 x 0: unchecked, unreadable)
  // 3 when any readable image has colour (the grey ones are then expanded), else 1.
  int channels() const { return colourImages > 0 ? 3 : 1; }
};

// Decodes the files of items.train and items.valid on `threads` threads. `progress(done,
// total)` is called now and then from the calling thread. File sources only (items.files).
// `keep` (sized items.size(), indexed as items) is offered the decodes that are the pixels
// themselves (keptByCheck), so training need not decode those files again.
FileCheck checkImageFiles(const DataItems& items, int threads,
                          const std::function<void(int, int)>& progress = {},
                          DecodeCache* keep = nullptr);

// Whether the check's raw decode (cv::IMREAD_UNCHANGED) of `file` is the image training decodes,
// up to its channel order: an 8-bit grey or colour PNG or BMP. JPEG, TIFF and WebP may carry an
// orientation only the training decode applies; 16-bit and alpha images are converted by it.
bool keptByCheck(const std::filesystem::path& file, const cv::Mat& raw);

}  // namespace lb
