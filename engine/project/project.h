#pragma once
// A Learnbench project: one versioned JSON file (*.lbproj) naming the data, the model and the
// training settings. loadProject validates every field and throws lb::Error naming the file and
// the bad field; saveProject writes atomically (write a temporary file, then rename), so a crash
// never leaves a half-written project.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/data/data_block_spec.h"
#include "engine/models/model_spec.h"
#include "engine/project/lesson.h"
#include "engine/train/progress.h"

namespace lb {

// 2: a run's record names its folder (RunRecord::id). Version 1 files load as they are.
inline constexpr int kProjectFormatVersion = 2;
// The project's "data" object: the data block (source, split, labels, transforms).
using DataSettings = DataBlockSpec;

// The project's "model" object: a ModelSpec (a zoo entry or a layer list); the default is the
// simple CNN.
using ModelSettings = ModelSpec;

// The bounds of the training settings, for the project file and the command line alike.
inline constexpr int kMaxEpochs = 100000;
inline constexpr int kMaxBatchSize = 1 << 20;
inline constexpr int kMaxSeed = 2147483647;
inline constexpr int kMaxThreads = 1024;
inline constexpr int kMaxProcesses = 256;  // local ranks of one training (train --nproc)

struct TrainSettings {
  int epochs = 1;
  double lr = 1e-2;  // lr_max of the one-cycle schedule
  int batchSize = 64;
  std::uint64_t seed = 42;
  int threads = 0;  // intra-op threads; 0 = one per core
  bool mixedPrecision = false;  // autocast + loss scaling, on CUDA (fastai's to_fp16)
  // On several processes, BatchNorm normalises with the statistics of all ranks' batches
  // (engine/train/sync_batch_norm.h) instead of each rank's own (learnbench-cli train --sync-bn).
  bool syncBatchNorm = false;
  // Checkpoints of the latest N epochs a run keeps for its replay (run_store.h), 0 for none: each
  // costs the model's size on disk (the example's default CNN: 2.6 MB an epoch).
  int epochCheckpoints = 0;
  // Local processes the window trains with (learnbench-cli train --nproc), data-parallel.
  int processes = 1;
};

// One training run, as the project's history keeps it: when, with what settings, and how each
// epoch ended.
struct RunRecord {
  std::string started;  // local time, "2026-11-24 05:12:03"
  int epochs = 0;       // planned
  double lr = 0;
  int batchSize = 0;
  std::uint64_t seed = 0;
  std::string ended;    // "finished", "stopped", or the reason the fit ended early
  std::vector<EpochResult> results;
  // The run's folder under runFolder()/runs (engine/project/run_store.h); empty for runs
  // recorded before format version 2, which kept no folder.
  std::string id;
};

struct Project {
  int formatVersion = kProjectFormatVersion;
  std::string name = "Untitled";
  DataSettings data;
  ModelSettings model;
  TrainSettings train;
  std::vector<RunRecord> runs;  // oldest first
  Classroom classroom;          // lessons and presenter view ("lessons", "view"; both optional)
  std::filesystem::path file;  // where it was loaded from or saved to; not stored in the JSON

  // data.path made absolute against the project file's folder.
  std::filesystem::path dataPath() const;
  // The folder relative paths in the project are relative to.
  std::filesystem::path folder() const;
  // Where runs of this project keep their files: a folder beside the project file named after
  // it with a suffix no data folder has ("pets.lbproj" -> "pets.learnbench/"), so runs never
  // write into the user's images. The latest epoch's checkpoint is checkpoints/last.pt there;
  // each run keeps its own files in runs/<id>/.
  std::filesystem::path runFolder() const;
  std::filesystem::path lastCheckpoint() const { return runFolder() / "checkpoints" / "last.pt"; }
};

Project loadProject(const std::filesystem::path& file);
Project parseProject(const std::string& json, const std::filesystem::path& file);
std::string projectToJson(const Project& project);
void saveProject(const Project& project, const std::filesystem::path& file);

// Adds `run` to the history of the project file on disk (re-read first, so settings given only
// on a command line are not written into it). Throws lb::Error when the file cannot be written.
void appendRun(const std::filesystem::path& file, const RunRecord& run);
// Local time now, as RunRecord::started keeps it.
std::string localTimeNow();

}  // namespace lb
