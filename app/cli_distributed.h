#pragma once
// learnbench-cli train --nproc N (app/cli_distributed.cpp): N local ranks, as torchrun
// --standalone starts them. Torch-free.
#include <atomic>
#include <ostream>
#include <string>
#include <vector>

#include "app/cli_commands.h"
#include "engine/project/project.h"
#include "engine/train/distributed.h"
#include "engine/train/progress.h"

namespace lb {

class Experiment;

// `args` without `option` and the value after it.
std::vector<std::string> withoutOption(const std::vector<std::string>& args,
                                       const std::string& option);

// --lr-scale none | linear | sqrt (none when not given); std::invalid_argument otherwise.
LrScaling lrScaling(const Options& o);

// A rank other than 0: trains its share without printing, recording or checkpointing (rank 0
// does); with `speed`, only its RankSpeed lines. Returns 0 when the fit finished, 1 when it was
// stopped or ended early.
class RankSpeed;
int trainAsQuietRank(Experiment& experiment, bool resume, const std::atomic<bool>* stopRequested,
                     RankSpeed* speed = nullptr);

// train --json --progress: every rank's speed, {"rank":R,"images_per_s":X}, about once a second
// and at the end of every epoch: the images this rank trained over the time it spent on them,
// its waits for the other ranks left out, so a slow rank (a straggler) shows as the slow one
// while the others, which wait for it, keep their own figure. Each line is written whole
// (one write), so the ranks' lines never mix on a shared stdout.
class RankSpeed {
 public:
  RankSpeed(int rank, int batchSize, std::ostream& out);
  void onBatch(const BatchProgress& b);

 private:
  int m_rank, m_batchSize;
  std::ostream& m_out;
  bool m_started = false;
  double m_busyFrom = 0;   // busy seconds at the window's start
  double m_printedAt = 0;  // elapsed seconds at the last line
  long m_images = 0;       // trained since the window's start
};

// learnbench-cli equivalence PROJECT --nproc N [--bs B] [--steps S] [--limit N] [--seed N]
// [--threads N] [--dist-timeout S] [--json] (app/cli_equivalence.cpp): the first S (20) steps
// on N processes at batch B each, then on one process at batch N x B from the same start; rank 0
// prints both losses per step and how far apart the curves are. Records and writes nothing.
int runEquivalence(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                   const std::atomic<bool>* stopRequested);

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
