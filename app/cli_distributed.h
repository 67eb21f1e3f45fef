#pragma once
// learnbench-cli train --nproc N (app/cli_distributed.cpp): N local ranks, as torchrun
// --standalone starts them. Torch-free.
#include <atomic>
#include <ostream>
#include <string>
#include <vector>

#include "app/cli_commands.h"
#include "engine/train/distributed.h"

namespace lb {

class Experiment;

inline constexpr int kMaxProcesses = 256;

// `args` without `option` and the value after it.
std::vector<std::string> withoutOption(const std::vector<std::string>& args,
                                       const std::string& option);

// --lr-scale none | linear | sqrt (none when not given); std::invalid_argument otherwise.
LrScaling lrScaling(const Options& o);

// A rank other than 0: trains its share without printing, recording or checkpointing (rank 0
// does). Returns 0 when the fit finished, 1 when it was stopped or ended early.
int trainAsQuietRank(Experiment& experiment, bool resume, const std::atomic<bool>* stopRequested);

// Starts this program N times with `args` (the train command, --nproc and its value left out)
// and torchrun's environment (MASTER_ADDR 127.0.0.1, a free MASTER_PORT, WORLD_SIZE N, RANK and
// LOCAL_RANK i, LOCAL_WORLD_SIZE N); rank 0 prints, the others are quiet. Waits for all of them.
// A stop (`stopRequested`, Ctrl-C) is passed to every rank, which stop together within a batch.
// When a rank ends with an error or a signal, the others are given `timeoutSeconds` (plus a few
// to write their sentence) to end on their own, then killed; the sentence names that rank.
// Returns 0 when every rank finished, else 1 (the ranks' own sentences are on stderr).
int runLocalRanks(const std::vector<std::string>& args, int nproc, int timeoutSeconds,
                  std::ostream& err, const std::atomic<bool>* stopRequested);

}  // namespace lb
