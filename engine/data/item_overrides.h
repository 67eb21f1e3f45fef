#pragma once
// The user's cleaning decisions as the data block applies them: items left out and items given
// another class, keyed by the item's name (DataItems::names: the path relative to the source,
// "train/123" for the built-in example). A plain value, so the data layer knows nothing of the
// journal that keeps them (engine/project/cleaning_journal.h). Torch-free.
#include <map>
#include <set>
#include <string>

#include "engine/data/data_block.h"

namespace lb {

struct ItemOverrides {
  std::set<std::string> excluded;                 // item names left out of both splits
  std::map<std::string, std::string> relabelled;  // item name -> the class it gets instead
  bool empty() const { return excluded.empty() && relabelled.empty(); }
  bool operator==(const ItemOverrides&) const = default;
};

// How many items each kind of decision changed, and how many decisions matched no item (a file
// moved or renamed since, or a class the data no longer has).
struct OverrideCounts {
  int excluded = 0;
  int relabelled = 0;
  int unmatched = 0;
  int changed() const { return excluded + relabelled; }
  // "3 items excluded and 5 relabelled while cleaning" (and the unmatched); empty when none.
  std::string sentence() const;
};

// Applies `overrides` to `items`: excluded items leave both splits (their names and files stay,
// so indices into memory keep their meaning), relabelled items of a Category target get their
// new class when the vocabulary has it. Relabels of other targets, or to a class the data does
// not have, count as unmatched. Throws DataBlockError as checkSplitClasses when a split or a
// class is left empty.
OverrideCounts applyOverrides(const DataBlockSpec& spec, DataItems& items,
                              const ItemOverrides& overrides);

}  // namespace lb
