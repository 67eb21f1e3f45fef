#pragma once
// Grouping training images by aspect ratio, fastai's rectangular-training idea: each training
// batch draws from one group of similarly shaped images and is resized to that group's shape
// (its images' median aspect ratio at about the pixel count of the set size), so wide and tall
// photos are squished, cropped or padded much less than into one shape for all. Pure functions
// over image sizes; ImageLoader (engine/data/image_loader.h) applies them.
#include <cstdint>
#include <vector>

namespace lb {

struct ImageSize {
  int width = 0, height = 0;
};

// One group: the positions (into the training split) of its items and the shape they are
// resized to.
struct AspectGroup {
  int width = 0, height = 0;
  std::vector<int> positions;
};

// One batch of an epoch's plan: positions [start, end) of that epoch's order, of one shape.
struct AspectBatch {
  std::size_t start = 0, end = 0;
  int width = 0, height = 0;
};

// The side lengths are rounded to: a power of two near a tenth of the set size's side, 4 to 32
// (4 at 28x28, 8 at 64x64, 32 from 224x224 up).
int aspectStep(int width, int height);

// The shape of aspect ratio `ratio` (width / height) with about the pixel count of width x
// height: each side moved from the set size's by a multiple of aspectStep, so the group of the
// set size's own ratio gets the set size itself. Each side at least one step.
ImageSize aspectShape(double ratio, int width, int height);

// Groups the items whose sizes are `sizes` (position k of the training split has sizes[k]; a
// 0 side counts as the set size's ratio): each to the nearest of seven ratios from 1:2 to 2:1
// (log scale), a group smaller than `batchSize` merged into its nearest neighbour until every
// group holds a batch (or one group is left), groups of the same shape merged. Groups are
// ordered by ratio, widest last. Requires width, height, batchSize > 0.
std::vector<AspectGroup> groupByAspect(const std::vector<ImageSize>& sizes, int width, int height,
                                       int batchSize);

// The batches one epoch takes from `groups`: each group's positions cut into ceil(n /
// batchSize) batches of near-equal size (every item once per epoch; none larger than
// batchSize); `order` receives the positions batch after batch. With `shuffle`, each group's
// positions and then the batches are shuffled, seeded: the same seed gives the same plan;
// without, groups and positions stay in their order (validation).
std::vector<AspectBatch> planAspectEpoch(const std::vector<AspectGroup>& groups, int batchSize,
                                         std::uint64_t seed, std::vector<int>& order,
                                         bool shuffle = true);

// The index of the shape among `groups` nearest in aspect ratio (log scale) to `size` (a 0
// side: the ratio of width x height, the set size). Requires groups non-empty.
std::size_t nearestAspectGroup(const std::vector<AspectGroup>& groups, ImageSize size, int width,
                               int height);

// Groups of the shapes of `groups` holding the items of `sizes` (positions into their list),
// each in the group nearest its ratio; groups left empty are dropped.
std::vector<AspectGroup> assignToAspectGroups(const std::vector<AspectGroup>& groups,
                                              const std::vector<ImageSize>& sizes, int width,
                                              int height);

// How many batches planAspectEpoch makes (the same every epoch).
int aspectBatches(const std::vector<AspectGroup>& groups, int batchSize);

}  // namespace lb
