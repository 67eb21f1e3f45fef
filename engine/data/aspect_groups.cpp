#include "engine/data/aspect_groups.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace lb {

namespace {

// The grid the items are first sorted onto: ratios 2^(k/3), k = -3..3 (1:2 to 2:1).
constexpr int kGridHalf = 3;
const double kGridStep = std::log(2.0) / kGridHalf;

struct Group {
  std::vector<int> positions;
  std::vector<double> logRatios;
  double median() const {
    std::vector<double> r = logRatios;
    auto mid = r.begin() + std::ptrdiff_t(r.size() / 2);
    std::nth_element(r.begin(), mid, r.end());
    return *mid;
  }
  void absorb(Group& other) {
    positions.insert(positions.end(), other.positions.begin(), other.positions.end());
    logRatios.insert(logRatios.end(), other.logRatios.begin(), other.logRatios.end());
  }
};

}  // namespace

int aspectStep(int width, int height) {
  const double eighth = std::sqrt(double(width) * height) / 8.0;
  const int power = int(std::lround(std::log2(std::max(1.0, eighth))));
  return std::clamp(1 << std::clamp(power, 0, 5), 4, 32);
}

ImageSize aspectShape(double ratio, int width, int height) {
  const int step = aspectStep(width, height);
  const double scale = std::sqrt(ratio * height / width);  // keeps width x height pixels
  auto side = [step](int set, double wanted) {
    return std::max(step, set + step * int(std::lround((wanted - set) / step)));
  };
  return {side(width, width * scale), side(height, height / scale)};
}

std::vector<AspectGroup> groupByAspect(const std::vector<ImageSize>& sizes, int width, int height,
                                       int batchSize) {
  const double setRatio = std::log(double(width) / height);
  std::vector<Group> grid(2 * kGridHalf + 1);
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    const ImageSize s = sizes[k];
    const double r = s.width > 0 && s.height > 0 ? std::log(double(s.width) / s.height) : setRatio;
    const int cell = std::clamp(int(std::lround(r / kGridStep)), -kGridHalf, kGridHalf);
    grid[std::size_t(cell + kGridHalf)].positions.push_back(int(k));
    grid[std::size_t(cell + kGridHalf)].logRatios.push_back(r);
  }
  std::vector<Group> groups;
  for (Group& g : grid)
    if (!g.positions.empty()) groups.push_back(std::move(g));
  // A group too small for a batch joins the neighbour (in ratio order) nearest in median ratio.
  for (;;) {
    auto smallest = std::min_element(groups.begin(), groups.end(), [](auto& a, auto& b) {
      return a.positions.size() < b.positions.size();
    });
    if (groups.size() < 2 || int(smallest->positions.size()) >= batchSize) break;
    const std::size_t i = std::size_t(smallest - groups.begin());
    std::size_t into = i == 0 ? 1 : i - 1;
    if (i > 0 && i + 1 < groups.size() &&
        std::abs(groups[i + 1].median() - groups[i].median()) <
            std::abs(groups[i - 1].median() - groups[i].median()))
      into = i + 1;
    groups[into].absorb(groups[i]);
    groups.erase(groups.begin() + std::ptrdiff_t(i));
  }
  std::vector<AspectGroup> out;
  for (Group& g : groups) {
    const ImageSize shape = aspectShape(std::exp(g.median()), width, height);
    if (!out.empty() && out.back().width == shape.width && out.back().height == shape.height) {
      out.back().positions.insert(out.back().positions.end(), g.positions.begin(),
                                  g.positions.end());
    } else {
      out.push_back({shape.width, shape.height, std::move(g.positions)});
    }
  }
  for (AspectGroup& g : out) std::sort(g.positions.begin(), g.positions.end());
  return out;
}

std::vector<AspectBatch> planAspectEpoch(const std::vector<AspectGroup>& groups, int batchSize,
                                         std::uint64_t seed, std::vector<int>& order,
                                         bool shuffle) {
  std::mt19937_64 rng(seed);
  std::vector<std::pair<const AspectGroup*, std::vector<int>>> batches;
  for (const AspectGroup& g : groups) {
    std::vector<int> positions = g.positions;
    if (shuffle) std::shuffle(positions.begin(), positions.end(), rng);
    const std::size_t n = positions.size();
    const std::size_t count = (n + std::size_t(batchSize) - 1) / std::size_t(batchSize);
    for (std::size_t j = 0; j < count; ++j)
      batches.emplace_back(&g, std::vector<int>(positions.begin() + std::ptrdiff_t(j * n / count),
                                                positions.begin() + std::ptrdiff_t((j + 1) * n / count)));
  }
  if (shuffle) std::shuffle(batches.begin(), batches.end(), rng);
  order.clear();
  std::vector<AspectBatch> plan;
  for (const auto& [group, positions] : batches) {
    plan.push_back({order.size(), order.size() + positions.size(), group->width, group->height});
    order.insert(order.end(), positions.begin(), positions.end());
  }
  return plan;
}

std::size_t nearestAspectGroup(const std::vector<AspectGroup>& groups, ImageSize size, int width,
                               int height) {
  const double r = size.width > 0 && size.height > 0 ? std::log(double(size.width) / size.height)
                                                     : std::log(double(width) / height);
  auto distance = [r](const AspectGroup& g) {
    return std::abs(std::log(double(g.width) / g.height) - r);
  };
  return std::size_t(std::min_element(groups.begin(), groups.end(),
                                      [&](auto& a, auto& b) { return distance(a) < distance(b); }) -
                     groups.begin());
}

std::vector<AspectGroup> assignToAspectGroups(const std::vector<AspectGroup>& groups,
                                              const std::vector<ImageSize>& sizes, int width,
                                              int height) {
  std::vector<AspectGroup> out;
  for (const AspectGroup& g : groups) out.push_back({g.width, g.height, {}});
  for (std::size_t k = 0; k < sizes.size(); ++k)
    out[nearestAspectGroup(groups, sizes[k], width, height)].positions.push_back(int(k));
  std::erase_if(out, [](const AspectGroup& g) { return g.positions.empty(); });
  return out;
}

int aspectBatches(const std::vector<AspectGroup>& groups, int batchSize) {
  int count = 0;
  for (const AspectGroup& g : groups)
    count += int((g.positions.size() + std::size_t(batchSize) - 1) / std::size_t(batchSize));
  return count;
}

}  // namespace lb
