#pragma once
// What learnbench-cli says on stderr about the files a command's data left out, before it
// trains or interprets: the count and the first names with their reasons, so a skipped file is
// never silent (and never only a decoder's own line). No torch, no Qt.
#include <ostream>
#include <string>
#include <vector>

#include "engine/data/data_block.h"
#include "engine/util/thousands.h"

namespace lb {

inline void reportLeftOut(const std::vector<SkippedFile>& skipped, int greyExpanded,
                          std::ostream& err) {
  constexpr std::size_t kShown = 10;
  if (!skipped.empty()) {
    err << countOf((long long)skipped.size(), "file") << " left out of training and validation:\n";
    for (std::size_t i = 0; i < skipped.size() && i < kShown; ++i)
      err << "  " << skipped[i].file << ": " << skipped[i].reason << "\n";
    if (skipped.size() > kShown)
      err << "  and " << withThousands((long long)(skipped.size() - kShown))
          << " more (learnbench-cli summary lists them all).\n";
  }
  if (greyExpanded > 0)
    err << countOf(greyExpanded, "grey image") << " read as RGB, as the others have colour.\n";
}

}  // namespace lb
