#pragma once
// The items of a data block: the files a source names, split into training and validation and
// labelled, with the sorted vocabulary (fastai's DataBlock up to the datasets). Torch-free.
// Every mistake the user can make is a DataBlockError naming the step (the editor's card) and
// saying what to do; files the source names but that cannot be used are skipped and listed.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "engine/data/data_block_spec.h"
#include "engine/util/error.h"

namespace lb {

class DataBlockError : public Error {
 public:
  DataBlockError(DataStep step, const std::string& sentence) : Error(sentence), m_step(step) {}
  DataStep step() const { return m_step; }

 private:
  DataStep m_step;
};

struct SkippedFile {
  std::string file;    // as the user knows it (relative to the source where possible)
  std::string reason;  // "not an image", "missing", "corrupt: ..."
};

struct DataItems {
  // Folder and CSV sources: one file per item. Fashion-MNIST: empty; items are the rows of the
  // official training set followed by those of the test set.
  std::vector<std::filesystem::path> files;
  std::vector<std::string> names;          // what to call each item (path relative to the source)
  std::vector<std::vector<int>> labels;    // Category: one class index; MultiCategory: any number
  std::vector<float> values;               // Regression targets
  std::vector<int> train, valid;           // item indices of each split
  std::vector<std::string> vocab;          // class names, sorted as fastai sorts them
  std::vector<SkippedFile> skipped;        // left out while collecting, with the reason
  std::size_t size() const { return names.size(); }
};

// Collects, splits and labels the items `spec` describes; relative paths are resolved against
// `baseDir` (the project's folder). Checks what can be checked without decoding every image
// (extensions, CSV columns, missing files, classes present in both splits); decoding is the
// loader's and checkFiles' job. Throws DataBlockError.
DataItems collectItems(const DataBlockSpec& spec, const std::filesystem::path& baseDir);

// Throws the DataBlockError collectItems throws when a split or a class of `items` is empty,
// with what fits the split kind to do about it.
void checkSplitClasses(const DataBlockSpec& spec, const DataItems& items);

// Leaves the items named in `reasons` (item index -> why) out of `items`: out of its files,
// names, targets and both splits (the others renumbered), listed in items.skipped with the
// reason. Throws as checkSplitClasses when a split or a class is left empty.
void leaveOut(const DataBlockSpec& spec, DataItems& items, const std::map<int, std::string>& reasons);

// `spec.path` (or another path of it) made absolute against `baseDir`.
std::filesystem::path resolvePath(const std::string& path, const std::filesystem::path& baseDir);

// The vocabulary order fastai uses (sorted, case-sensitive, as Python's sorted()).
void sortVocab(std::vector<std::string>& vocab);

}  // namespace lb
