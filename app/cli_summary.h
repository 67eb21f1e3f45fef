#pragma once
// learnbench-cli summary PROJECT [--json]: the project's data (source, item counts, classes,
// image shape) and its model's summary table, as fastai's learn.summary(). Returns 0 when the
// model fits the data, 1 (after the table up to the bad layer and its sentence on `err`) when a
// layer does not fit or the project cannot be read, 2 for a wrong command line.
#include <iosfwd>
#include <string>
#include <vector>

namespace lb {

int runSummary(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace lb
