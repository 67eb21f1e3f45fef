#include "engine/data/data_preview.h"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <sstream>
#include <thread>

#include "engine/data/batch_transforms.h"
#include "engine/data/data_loaders.h"
#include "engine/data/file_check.h"
#include "engine/data/image_loader.h"
#include "engine/util/thousands.h"

namespace lb {

namespace {

std::string shapeText(const torch::Tensor& t) {
  std::string s = "[";
  for (int d = 0; d < t.dim(); ++d) s += (d ? ", " : "") + std::to_string(t.size(d));
  return s + "]";
}

std::string fixed(double v, int digits = 3) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string labelText(const DataItems& items, TargetKind target, int item) {
  if (target == TargetKind::Regression) return fixed(items.values[item]);
  std::string text;
  for (int c : items.labels[item]) text += (text.empty() ? "" : ";") + items.vocab[c];
  return text.empty() ? "(none)" : text;
}

// A float image [C, H, W] on the 0..1 scale as 8-bit pixels.
PreviewImage fromTensor(const torch::Tensor& chw, std::string caption) {
  auto hwc = chw.mul(255.0f).round().clamp(0, 255).to(torch::kByte).permute({1, 2, 0}).contiguous();
  PreviewImage p{int(hwc.size(1)), int(hwc.size(0)), int(hwc.size(2)), {}, std::move(caption)};
  p.pixels.assign(hwc.data_ptr<std::uint8_t>(), hwc.data_ptr<std::uint8_t>() + hwc.numel());
  return p;
}

std::string sourceText(const DataBlockSpec& spec, const std::filesystem::path& baseDir) {
  const std::string path = resolvePath(spec.path, baseDir).string();
  switch (spec.source) {
    case SourceKind::FashionMnist: return "the built-in Fashion-MNIST example (" + path + ")";
    case SourceKind::Folder: return "the folder " + path;
    case SourceKind::Csv: return "the CSV file " + path;
  }
  return path;
}

std::string splitText(const DataBlockSpec& spec) {
  if (spec.source == SourceKind::FashionMnist) return "the official training and test sets";
  const auto& s = spec.split;
  switch (s.kind) {
    case SplitKind::Random:
      return "at random, " + fixed(s.validPct * 100, 0) + "% for validation (seed " +
             std::to_string(s.seed) + ")";
    case SplitKind::Grandparent:
      return "by folder: " + s.trainName + "/ for training, " + s.validName + "/ for validation";
    case SplitKind::CsvColumn: return "by the CSV column " + spec.csv.validColumn;
    case SplitKind::FileList: return "by the list of validation files " + s.file;
  }
  return "";
}

std::string labelRuleText(const DataBlockSpec& spec) {
  if (spec.source == SourceKind::FashionMnist) return "the labels that come with the data";
  switch (spec.label.kind) {
    case LabelKind::ParentFolder: return "the parent folder's name";
    case LabelKind::Regex: return "the first group of " + spec.label.regex + " on the file name";
    case LabelKind::CsvColumn: return "the CSV column " + spec.csv.labelColumn;
  }
  return "";
}

std::string augmentText(const AugmentOptions& a) {
  if (!a.enabled) return "none (augmentation is off)";
  std::string t;
  if (a.flip) t += "flip, ";
  if (a.flipVertical) t += "vertical flip, ";
  t += "rotate up to " + fixed(a.maxRotate, 0) + " degrees, zoom " + fixed(a.minZoom, 2) + "-" +
       fixed(a.maxZoom, 2) + ", warp " + fixed(a.maxWarp, 2) + " (p " + fixed(a.pAffine, 2) +
       "); brightness and contrast " + fixed(a.maxLighting, 2) + " (p " + fixed(a.pLighting, 2) + ")";
  return t;
}

std::string itemTransformText(const DataBlockSpec& spec) {
  std::string t;
  if (spec.randomResizedCrop.enabled)
    t = "RandomResizedCrop (scale " + fixed(spec.randomResizedCrop.minScale, 2) +
        "-1, training; center crop for validation)";
  if (spec.resize.active()) {
    t += (t.empty() ? "Resize " : " to ") + std::to_string(spec.resize.width) + "x" +
         std::to_string(spec.resize.height);
    if (!spec.randomResizedCrop.enabled) {
      t += std::string(" (") + resizeMethodName(spec.resize.method);
      if (spec.resize.method == ResizeMethod::Pad) t += std::string(", ") + padModeName(spec.resize.pad);
      t += ")";
    }
  }
  return t.empty() ? "none (images keep their size)" : t;
}

}  // namespace

bool DataPreview::ok() const { return firstFailure() == nullptr && !steps.empty(); }

const StepCheck* DataPreview::firstFailure() const {
  for (const auto& s : steps)
    if (s.state == StepCheck::State::Failed) return &s;
  return nullptr;
}

DataPreview previewDataBlock(const DataBlockSpec& spec, const std::filesystem::path& baseDir,
                             const PreviewOptions& options, const std::atomic<bool>* cancel) {
  DataPreview out;
  for (int s = 0; s <= int(DataStep::BatchTransforms); ++s) out.steps.push_back({DataStep(s), StepCheck::State::NotChecked, {}});
  auto pass = [&](DataStep step, std::string message) {
    out.steps[int(step)] = {step, StepCheck::State::Ok, std::move(message)};
  };
  auto cancelled = [&] { return cancel && cancel->load(); };
  std::ostringstream walk;
  try {
    DataItems items = collectItems(spec, baseDir);
    const std::size_t total = items.size();
    pass(DataStep::Source, "Reading " + sourceText(spec, baseDir) + ".");
    out.trainItems = int(items.train.size());
    out.validItems = int(items.valid.size());
    out.skipped = items.skipped;
    out.vocab = items.vocab;
    pass(DataStep::Items, withThousands(static_cast<long long>(total)) + " items" +
                              (items.skipped.empty() ? "" : ", " + withThousands(static_cast<long long>(items.skipped.size())) + " skipped") + ".");
    pass(DataStep::Split, withThousands(out.trainItems) + " for training, " + withThousands(out.validItems) +
                              " for validation.");
    if (spec.target == TargetKind::Regression) {
      pass(DataStep::Label, "A number per item.");
    } else {
      std::string names;
      for (std::size_t v = 0; v < items.vocab.size() && v < 6; ++v) names += (v ? ", " : "") + items.vocab[v];
      if (items.vocab.size() > 6) names += ", ...";
      pass(DataStep::Label, std::to_string(items.vocab.size()) + " classes: " + names + ".");
      out.counts.resize(items.vocab.size());
      for (std::size_t v = 0; v < items.vocab.size(); ++v) out.counts[v].name = items.vocab[v];
      for (int i : items.train) for (int c : items.labels[i]) ++out.counts[c].train;
      for (int i : items.valid) for (int c : items.labels[i]) ++out.counts[c].valid;
    }
    if (cancelled()) return out;

    walk << "Source       " << sourceText(spec, baseDir) << "\n"
         << "Items        " << withThousands(static_cast<long long>(total)) << " found";
    if (!items.skipped.empty()) walk << ", " << items.skipped.size() << " skipped (first: "
                                     << items.skipped.front().file << ": "
                                     << items.skipped.front().reason << ")";
    walk << "\nSplit        " << splitText(spec) << ": " << out.trainItems << " training, "
         << out.validItems << " validation\n"
         << "Label        " << labelRuleText(spec);
    if (spec.target != TargetKind::Regression) walk << ": " << items.vocab.size() << " classes";
    walk << "\n\n";

    // One item through every step, as fastai's DataBlock.summary walks one.
    DataBlockSpec display = spec;
    display.normalize = NormalizeKind::None;  // the preview shows pixels, not normalised values
    // The built-in example's pipeline holds its images in memory: a small part is enough to show.
    if (spec.source == SourceKind::FashionMnist && (spec.limit == 0 || spec.limit > 600)) {
      display.limit = 600;
      items = collectItems(display, baseDir);
    }
    auto pipeline = makePipeline(display, items, baseDir, 0);
    const std::string channelText = pipeline->channels() == 1 ? "grayscale" : "RGB";
    pass(DataStep::Blocks, "Image (" + channelText + ") -> " +
                               (spec.target == TargetKind::Category ? std::string("Category")
                                : spec.target == TargetKind::MultiCategory ? std::string("MultiCategory")
                                                                             : std::string("Regression")) +
                               ".");
    // The first training image that can be read (the others before it are listed as skipped).
    int first = -1;
    cv::Mat decoded;
    for (std::size_t k = 0; k < items.train.size() && k < 50 && first < 0; ++k) {
      try {
        decoded = pipeline->decode(items.train[k]);
        first = items.train[k];
      } catch (const Error& e) {
        out.skipped.push_back({items.names[items.train[k]], e.what()});
      }
    }
    if (first < 0)
      throw DataBlockError(
          DataStep::Items,
          "None of the first " +
              countOf(static_cast<long long>(std::min<std::size_t>(items.train.size(), 50)),
                      "training image") +
              " can be read (" + out.skipped.back().file + " is " + out.skipped.back().reason +
              "): check the files.");
    walk << "Building one sample: " << items.names[first] << "\n";
    walk << "  decode        " << channelText << " " << decoded.cols << "x" << decoded.rows << "\n"
         << "  label         " << labelText(items, spec.target, first) << "\n";
    const cv::Mat transformed = pipeline->transform(decoded, true, options.seed);
    walk << "  item tfms     " << itemTransformText(spec) << " -> " << transformed.cols << "x"
         << transformed.rows << "\n";

    // A training batch of the first items of a seeded shuffle, to show and to check sizes.
    std::vector<int> order = items.train;
    std::mt19937_64 rng(options.seed);
    std::shuffle(order.begin(), order.end(), rng);
    order.resize(std::min<std::size_t>(order.size(), std::size_t(std::max(1, options.batchItems))));
    std::vector<cv::Mat> images;
    // Unchecked files: one that cannot be read is listed and left out of the shown batch.
    std::vector<int> shownItems;
    for (std::size_t p = 0; p < order.size() && !cancelled(); ++p) {
      try {
        images.push_back(pipeline->load(order, p, true, mixSeed(options.seed, p, 1)));
        shownItems.push_back(order[p]);
      } catch (const DataBlockError&) {
        throw;
      } catch (const Error& e) {
        out.skipped.push_back({items.names[order[p]], e.what()});
      }
    }
    order = shownItems;
    if (images.empty())
      throw DataBlockError(DataStep::Items, "None of the training images tried can be read: check "
                                            "the files (see the skipped list).");
    if (cancelled()) return out;
    const auto batch = pipeline->collate(images);  // with the training split's augmentation
    out.channels = int(batch.size(1));
    out.height = int(batch.size(2));
    out.width = int(batch.size(3));
    // Grouping needs every image's size, which only the whole data's check reads: the shapes
    // are named in the data summary once the data loads.
    const std::string grouped =
        spec.groupByAspect && spec.resize.active() && spec.source != SourceKind::FashionMnist
            ? " here; training batches take the shape of their aspect-ratio group, named once "
              "the data loads"
            : "";
    pass(DataStep::ItemTransforms, itemTransformText(spec) + "; every item " +
                                       std::to_string(batch.size(3)) + "x" +
                                       std::to_string(batch.size(2)) + grouped + ".");
    walk << "  to tensor     uint8 " << shapeText(batch[0]) << "\n"
         << "  collate       uint8 " << shapeText(batch) << " (a batch of " << batch.size(0) << ")\n";
    const auto augmented = batch.to(torch::kFloat).div(255.0f);
    walk << "  augment       " << augmentText(spec.augment) << " (training items only)\n";
    walk << "  normalize     "
         << (spec.normalize == NormalizeKind::Data       ? "with the training data's mean and std"
             : spec.normalize == NormalizeKind::ImageNet ? "with ImageNet's mean and std"
                                                         : "none")
         << " -> float " << shapeText(augmented) << "\n";
    pass(DataStep::BatchTransforms, (spec.augment.enabled ? "Augmenting training batches; " : "No augmentation; ") +
                                        std::string("normalising ") +
                                        (spec.normalize == NormalizeKind::Data ? "with the data's statistics."
                                         : spec.normalize == NormalizeKind::ImageNet ? "with ImageNet's statistics."
                                                                                     : "off."));
    for (std::size_t p = 0; p < order.size(); ++p)
      out.batch.push_back(fromTensor(augmented[int(p)], labelText(items, spec.target, order[p])));

    // One item under several augmentations (the same item each time, different draws); shown
    // even before augmentation is switched on, to tell what it would do.
    AugmentOptions aug = spec.augment;
    aug.enabled = true;
    const cv::Mat item = pipeline->transform(pipeline->decode(order[0]), false, 0);
    std::vector<cv::Mat> variants;
    for (int i = 0; i < std::max(1, options.augmentations); ++i)
      variants.push_back(augmentImage(item, aug, mixSeed(options.seed, std::uint64_t(i), 4)));
    const auto shown = pipeline->collate(variants).to(torch::kFloat).div(255.0f);
    for (int i = 0; i < shown.size(0); ++i)
      out.augmented.push_back(fromTensor(shown[i], i == 0 ? labelText(items, spec.target, order[0]) : ""));
  } catch (const DataBlockError& e) {
    const int failed = int(e.step());
    for (int s = 0; s < failed; ++s)
      if (out.steps[s].state == StepCheck::State::NotChecked) out.steps[s].state = StepCheck::State::Ok;
    out.steps[failed].state = StepCheck::State::Failed;
    out.steps[failed].message = e.what();
    walk << "\nFailed at " << dataStepName(e.step()) << ": " << e.what() << "\n";
  } catch (const std::exception& e) {
    out.steps[0].state = StepCheck::State::Failed;
    out.steps[0].message = std::string("The data could not be read: ") + e.what();
    walk << "\nFailed: " << e.what() << "\n";
  }
  out.summary = walk.str();
  return out;
}

std::vector<SkippedFile> checkFiles(const DataItems& items, int threads,
                                    const std::function<void(int, int)>& progress) {
  std::vector<SkippedFile> skipped;
  for (const auto& [item, why] : checkImageFiles(items, threads, progress).unreadable)
    skipped.push_back({items.names[item], why});
  return skipped;
}

}  // namespace lb
