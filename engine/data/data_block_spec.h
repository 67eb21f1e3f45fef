#pragma once
// The data block, as plain data: where the items come from, what they are, how they are split,
// labelled, resized and augmented (fastai's DataBlock, as options). Stored as the project's
// "data" object; torch-free, so the project file and the editor can hold it. data_block.h turns
// it into items, data_loaders.h into batches.
#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/enum_names.h"
#include "engine/data/transform_options.h"

namespace lb {

inline constexpr const char* kDefaultFashionMnistDir = "/usr/share/datasets/fashion-mnist";

enum class SourceKind { FashionMnist, Folder, Csv };
enum class InputKind { Auto, Grayscale, Rgb };
enum class TargetKind { Category, MultiCategory, Regression };
enum class SplitKind { Random, Grandparent, CsvColumn, FileList };
enum class LabelKind { ParentFolder, Regex, CsvColumn };
enum class NormalizeKind { Data, ImageNet, None };

// The steps of the block, in the order the editor shows them as cards; errors name one.
enum class DataStep { Source, Blocks, Items, Split, Label, ItemTransforms, BatchTransforms };

// Each enum's name in the project file ("fashion-mnist", "folder", "csv", ...), in the enum's
// order (engine/core/enum_names.h).
inline constexpr EnumNames<SourceKind, 3> kSourceKindNames{{
    {SourceKind::FashionMnist, "fashion-mnist"},
    {SourceKind::Folder, "folder"},
    {SourceKind::Csv, "csv"},
}};
inline constexpr EnumNames<InputKind, 3> kInputKindNames{{
    {InputKind::Auto, "auto"},
    {InputKind::Grayscale, "grayscale"},
    {InputKind::Rgb, "rgb"},
}};
inline constexpr EnumNames<TargetKind, 3> kTargetKindNames{{
    {TargetKind::Category, "category"},
    {TargetKind::MultiCategory, "multi-category"},
    {TargetKind::Regression, "regression"},
}};
inline constexpr EnumNames<SplitKind, 4> kSplitKindNames{{
    {SplitKind::Random, "random"},
    {SplitKind::Grandparent, "grandparent"},
    {SplitKind::CsvColumn, "csv"},
    {SplitKind::FileList, "file-list"},
}};
inline constexpr EnumNames<LabelKind, 3> kLabelKindNames{{
    {LabelKind::ParentFolder, "parent"},
    {LabelKind::Regex, "regex"},
    {LabelKind::CsvColumn, "csv"},
}};
inline constexpr EnumNames<NormalizeKind, 3> kNormalizeKindNames{{
    {NormalizeKind::Data, "data"},
    {NormalizeKind::ImageNet, "imagenet"},
    {NormalizeKind::None, "none"},
}};
// The steps' names as errors and the editor's cards show them ("Source", "Blocks", ...).
inline constexpr EnumNames<DataStep, 7> kDataStepNames{{
    {DataStep::Source, "Source"},
    {DataStep::Blocks, "Blocks"},
    {DataStep::Items, "Items"},
    {DataStep::Split, "Split"},
    {DataStep::Label, "Label"},
    {DataStep::ItemTransforms, "Item transforms"},
    {DataStep::BatchTransforms, "Batch transforms"},
}};

inline const char* dataStepName(DataStep step) { return nameOf(kDataStepNames, step); }
inline const char* sourceKindName(SourceKind kind) { return nameOf(kSourceKindNames, kind); }
inline const char* inputKindName(InputKind kind) { return nameOf(kInputKindNames, kind); }
inline const char* targetKindName(TargetKind kind) { return nameOf(kTargetKindNames, kind); }
inline const char* splitKindName(SplitKind kind) { return nameOf(kSplitKindNames, kind); }
inline const char* labelKindName(LabelKind kind) { return nameOf(kLabelKindNames, kind); }
inline const char* normalizeKindName(NormalizeKind kind) {
  return nameOf(kNormalizeKindNames, kind);
}
inline const char* resizeMethodName(ResizeMethod method) {
  return nameOf(kResizeMethodNames, method);
}
inline const char* padModeName(PadMode mode) { return nameOf(kPadModeNames, mode); }

struct CsvOptions {
  std::string pathColumn = "name";   // file names, relative to `folder`
  std::string labelColumn = "label";
  std::string validColumn = "is_valid";  // for SplitKind::CsvColumn: true/false, 1/0, yes/no
  std::string labelDelimiter;        // non-empty: several labels per row (multi-label)
  std::string folder;                // where the files are; "" = the CSV's folder
  bool operator==(const CsvOptions&) const = default;
};

struct SplitOptions {
  SplitKind kind = SplitKind::Random;
  double validPct = 0.2;       // Random
  std::uint64_t seed = 42;     // Random
  std::string trainName = "train";  // Grandparent: the folder names of the two splits
  std::string validName = "valid";
  std::string file;            // FileList: a text file naming the validation files, one a line
  bool operator==(const SplitOptions&) const = default;
};

struct LabelOptions {
  LabelKind kind = LabelKind::ParentFolder;
  std::string regex;  // Regex: applied to the file name; the first group is the label
  bool operator==(const LabelOptions&) const = default;
};

struct DataBlockSpec {
  SourceKind source = SourceKind::FashionMnist;
  std::string path = kDefaultFashionMnistDir;  // folder, CSV file or IDX folder; relative paths
                                               // are relative to the project file
  static constexpr int kMaxLimit = 1 << 30;  // the largest limit a project or command takes
  int limit = 0;  // 0 = all; else training items kept at random (Fashion-MNIST: class-balanced),
                  // validation in proportion
  std::vector<std::string> extensions = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"};
  CsvOptions csv;
  InputKind input = InputKind::Auto;
  TargetKind target = TargetKind::Category;
  SplitOptions split;
  LabelOptions label;
  ResizeOptions resize;
  RandomResizedCropOptions randomResizedCrop;
  AugmentOptions augment;
  NormalizeKind normalize = NormalizeKind::Data;
  bool cache = false;  // keep every decoded image in memory, whatever cacheMb says
  // Decoded images are kept in memory up to this many MiB (engine/data/decode_cache.h), so a
  // data set that fits is decoded once; -1 = a quarter of the machine's memory, 0 = never.
  int cacheMb = -1;
  int workers = 0;     // loader threads; 0 = chosen from the cores and the cache
  // Training batches of a folder or CSV source drawn from groups of similar aspect ratio, each
  // resized to its group's shape at about the pixel count of `resize` (engine/data/aspect_groups.h);
  // validation and prediction give each image the group shape nearest its own.
  bool groupByAspect = false;
  std::vector<std::string> vocab;  // the class names found when the data was last built

  bool operator==(const DataBlockSpec&) const = default;
};

// Reads the project's "data" object, checking every field (lb::Error names it and `where`).
DataBlockSpec dataBlockFromJson(const nlohmann::json& object, const std::string& where,
                                const DataBlockSpec& defaults = {});
void dataBlockToJson(const DataBlockSpec& spec, nlohmann::json& out);

}  // namespace lb
