#pragma once
// The JSON lines `learnbench-cli train --json [--progress]` prints for each batch and each
// epoch, and their reading back by the window (DistributedRun drives the CLI for several
// processes): one codec for both sides, so a key renamed on one cannot read as zero on the
// other. No Qt, no torch.
#include <optional>
#include <string>

#include "engine/train/progress.h"

namespace lb {

// {"progress":{"epoch":0,"epochs":2,"batch":3,"batches":40,"loss":..,"smooth_loss":..,"lr":..,
// "mom":..,"elapsed":..,"seconds_left":..}}, one line, no newline.
std::string batchProgressLine(const BatchProgress& b);

// {"epoch":0,"train_loss":..,"valid_loss":..,"<the metric's name>":..,"time":"<time>",
// "seconds":..}, one line, no newline; `time` is the clock text the CLI's table shows.
std::string epochLine(const EpochResult& e, const std::string& time);

// What a line of the CLI's output holds: a batch's progress, an epoch, or (std::nullopt) neither:
// another kind of line, or not JSON. Never throws.
std::optional<BatchProgress> readBatchProgressLine(const std::string& line);
std::optional<EpochResult> readEpochLine(const std::string& line);

}  // namespace lb
