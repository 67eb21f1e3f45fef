#include "engine/data/item_overrides.h"

#include <algorithm>

#include "engine/util/thousands.h"

namespace lb {

std::string OverrideCounts::sentence() const {
  std::string text;
  if (excluded) text = countOf(excluded, "item") + " excluded";
  if (relabelled) text += (text.empty() ? "" : " and ") + countOf(relabelled, "item") + " relabelled";
  if (!text.empty()) text += " while cleaning";
  if (unmatched)
    text += (text.empty() ? "" : "; ") + countOf(unmatched, "cleaning decision") +
            (unmatched == 1 ? " matches" : " match") + " no item of the data any more";
  return text;
}

OverrideCounts applyOverrides(const DataBlockSpec& spec, DataItems& items,
                              const ItemOverrides& overrides) {
  OverrideCounts counts;
  if (overrides.empty()) return counts;
  std::map<std::string, int> byName;
  for (std::size_t i = 0; i < items.names.size(); ++i) byName.emplace(items.names[i], int(i));
  std::set<int> out;
  for (const auto& name : overrides.excluded) {
    const auto it = byName.find(name);
    if (it == byName.end()) ++counts.unmatched;
    else out.insert(it->second);
  }
  for (const auto& [name, label] : overrides.relabelled) {
    const auto it = byName.find(name);
    const auto cls = std::find(items.vocab.begin(), items.vocab.end(), label);
    if (it == byName.end() || cls == items.vocab.end() || spec.target != TargetKind::Category ||
        out.count(it->second)) {
      ++counts.unmatched;
      continue;
    }
    items.labels[it->second] = {int(cls - items.vocab.begin())};
    ++counts.relabelled;
  }
  // Only items in a split count: a limit may have left others out already.
  for (auto* split : {&items.train, &items.valid}) {
    const auto end = std::remove_if(split->begin(), split->end(), [&](int i) { return out.count(i) > 0; });
    counts.excluded += int(split->end() - end);
    split->erase(end, split->end());
  }
  checkSplitClasses(spec, items);
  return counts;
}

}  // namespace lb
