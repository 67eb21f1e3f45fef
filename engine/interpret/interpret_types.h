#pragma once
// The value types of fastai's ClassificationInterpretation (FASTAI_NOTES.md, "Interpretation"):
// top losses, the confusion matrix, the most confused pairs, and the images and Grad-CAM maps
// to draw them with. Free of torch and Qt, so the Experiment facade, the CLI and the GUI can hold
// them without compiling LibTorch. Class indices index Interpretation::classes.
#include <cstdint>
#include <string>
#include <vector>

namespace lb {

// One validation item among the largest losses.
struct TopLoss {
  long index = 0;            // position in the validation set (its loader keeps order)
  int predicted = 0;         // the class with the highest probability
  int actual = 0;            // the target class
  double loss = 0;           // the item's own cross-entropy
  double probability = 0;    // probability of the predicted class (the maximum)
  bool correct() const { return predicted == actual; }
};

// An off-diagonal cell of the confusion matrix: `count` items of `actual` predicted as `predicted`.
struct ConfusedPair {
  int actual = 0;
  int predicted = 0;
  long count = 0;
};

// counts[actual][predicted], numClasses x numClasses.
struct Confusion {
  std::vector<std::vector<long>> counts;
  long total() const {
    long n = 0;
    for (const auto& row : counts)
      for (long c : row) n += c;
    return n;
  }
  long correct() const {
    long n = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) n += counts[i][i];
    return n;
  }
  double accuracy() const { return total() > 0 ? double(correct()) / double(total()) : 0.0; }
};

// 8-bit image, rows top to bottom, channels interleaved (1 = grayscale, 3 = RGB).
struct Image8 {
  int width = 0, height = 0, channels = 1;
  std::vector<std::uint8_t> pixels;  // width * height * channels
};

// A Grad-CAM map on the image's grid, values in [0, 1], rows top to bottom.
struct HeatMap {
  int width = 0, height = 0;
  std::vector<float> values;  // width * height
};

// Which validation items the top losses are drawn from: class indices, -1 for any. A click on a
// confusion-matrix cell asks for the items of that (actual, predicted) pair.
struct ItemFilter {
  int actual = -1;
  int predicted = -1;
  bool any() const { return actual < 0 && predicted < 0; }
};

struct Interpretation {
  std::vector<std::string> classes;
  ItemFilter filter;               // what topLosses were drawn from
  std::vector<TopLoss> topLosses;  // largest loss first
  std::vector<Image8> images;      // one per top loss: the image as it was loaded
  std::vector<HeatMap> gradCams;   // one per top loss: Grad-CAM for its predicted class
  Confusion confusion;
  std::vector<ConfusedPair> mostConfused;  // every off-diagonal pair with count >= 1
  long validItems = 0;
};

}  // namespace lb
