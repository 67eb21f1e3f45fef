#pragma once
// Every run of a project kept in its own folder, runFolder()/runs/<id>/, so runs can be listed,
// compared curve by curve and image by image, and started again with exactly their settings:
//   run.json           id, name, note, status, times, environment (versions, device, threads)
//   settings.lbproj    the project as the run used it (data block, model, training), no runs
//   batches.csv        every training batch: iter, epoch, batch, loss, smooth_loss, lr, mom, seconds
//   epochs.csv         every epoch: epoch, train_loss, valid_loss, the metric by name, seconds
//   predictions/epoch-N.csv.gz   every validation item after epoch N: item, actual, predicted,
//                      loss (regression: values), probability (of the predicted class; "nan"
//                      but for category runs; runs before it have no such column), enough to
//                      rebuild that epoch's confusion matrix and top losses without the model
//   checkpoints/last.pt, best.pt (by valid loss), hard links to the project's checkpoint files
//   checkpoints/epoch-N.pt  the latest train.epochCheckpoints epochs' own, for a replay: each
//                      costs the model's size (every epoch writes a new file)
// RunWriter writes a run as it trains (on the training thread); listRuns and loadRun read them.
// Files are written atomically or appended line by line; every failure is an lb::Error.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/interpret/interpret_types.h"
#include "engine/project/project.h"
#include "engine/train/progress.h"

namespace lb {

// What run.json holds.
struct RunInfo {
  std::string id;       // the folder name: sortable by time, "2026-12-03_07-15-02" (+ "-2", ...)
  std::string name;     // the user's name for it ("" until renamed)
  std::string note;     // the user's note ("tried a bigger model")
  std::string started;  // local time, "2026-12-03 07:15:02"
  std::string status = "running";  // running, finished, stopped, or the reason it ended early
  double seconds = 0;              // wall time so far
  std::string metricName = "accuracy";
  bool metricLowerIsBetter = false;
  std::vector<std::string> classes;  // the class (or label) names, in the model's order
  // The environment: Learnbench and LibTorch versions, the device, intra-op threads, the seed.
  std::string learnbenchVersion, libtorchVersion, device;
  int threads = 0;
  std::uint64_t seed = 0;
};

// A stored run as the Runs page and `learnbench-cli runs` show it.
struct StoredRun {
  RunInfo info;
  Project settings;                  // from settings.lbproj (file set to it)
  // Every setting as a JSON path and its value as text ("train.lr" -> "0.01"), for diffs.
  std::map<std::string, std::string> flatSettings;
  std::vector<EpochResult> epochs;   // from epochs.csv
  std::filesystem::path folder;
  double bestValidLoss() const;      // NaN when there is no finite epoch
  double bestMetric() const;         // the best epoch's metric by its own direction; NaN if none
  std::string label() const { return info.name.empty() ? info.id : info.name; }
};

// One batch of a stored run, as batches.csv keeps it.
struct StoredBatch {
  long iter = 0;
  int epoch = 0;
  int batch = 0;
  double loss = 0, smoothLoss = 0, lr = 0, mom = 0, seconds = 0;
};

// One validation item's prediction after an epoch.
struct StoredPrediction {
  long item = 0;
  double actual = 0;     // the class index (category), or the value (regression)
  double predicted = 0;  // likewise; multi-label runs store -1 for both (labels are not kept)
  double loss = 0;
  // Of the predicted class; NaN when unknown (not a category run, or a run stored before it).
  double probability = std::nan("");
};

// Writes one run as it trains. Requires: the project's run folder is writable. The constructor
// creates runs/<id>/ with settings.lbproj and run.json; the add* calls append as the run goes
// (called on the training thread); finish() writes the final status. Throws lb::Error.
class RunWriter {
 public:
  RunWriter(const Project& project, const RunInfo& environment);
  ~RunWriter();
  RunWriter(const RunWriter&) = delete;
  RunWriter& operator=(const RunWriter&) = delete;

  const std::string& id() const { return m_info.id; }
  const std::filesystem::path& folder() const { return m_folder; }
  void addBatch(const BatchProgress& batch);
  void addEpoch(const EpochResult& epoch);
  // The epoch's validation predictions (Interpretation::items); its checkpoint is on disk now,
  // so `checkpoint` is linked as the run's last.pt, as best.pt when `best`, and as epoch-N.pt
  // when the project keeps epoch checkpoints (the oldest beyond train.epochCheckpoints removed).
  void addPredictions(int epoch, const Interpretation& interpretation,
                      const std::filesystem::path& checkpoint, bool best);
  void finish(const std::string& status, double seconds);

 private:
  void writeInfo();
  Project m_project;
  RunInfo m_info;
  std::filesystem::path m_folder;
  std::FILE* m_batches = nullptr;
  std::FILE* m_epochs = nullptr;
};

// The project's runs, oldest first; a folder that cannot be read is left out (never an error:
// one damaged run must not hide the others).
std::vector<StoredRun> listRuns(const Project& project);
// One run by id or by name; throws lb::Error naming the ids there are when there is none.
StoredRun findRun(const Project& project, const std::string& idOrName);
std::vector<StoredBatch> loadBatches(const StoredRun& run);
// The predictions after `epoch` (0-based); the last epoch's when epoch < 0. Throws lb::Error
// when the run kept none for it.
std::vector<StoredPrediction> loadPredictions(const StoredRun& run, int epoch = -1);
// The checkpoint the run kept after `epoch` (0-based); empty when it kept none for it.
std::filesystem::path epochCheckpoint(const StoredRun& run, int epoch);
// Renames or notes a run (run.json rewritten atomically).
void describeRun(const StoredRun& run, const std::string& name, const std::string& note);
// Moves a run aside (runs/.deleted/<id>), so it can be restored; restoreRun moves it back.
void deleteRun(const StoredRun& run);
void restoreRun(const Project& project, const std::string& id);

// Two runs compared: the settings that differ (JSON paths with both values), the metrics, and
// the validation items B gets right that A got wrong (fixed) and the reverse (broken), from
// their last epochs' stored predictions. Category runs only have fixed/broken and the confusion
// difference; the rest compare losses. Throws lb::Error when the runs' validation sets differ.
struct RunComparison {
  struct SettingDiff {
    std::string path, a, b;  // "train.lr", "0.01", "0.001"
  };
  std::vector<SettingDiff> settings;
  double validLossA = 0, validLossB = 0, metricA = 0, metricB = 0;
  std::string metricName;
  std::vector<long> fixed, broken;  // validation item indices
  std::vector<std::vector<long>> confusionDiff;  // B minus A, [actual][predicted]
  // Category runs: every validation item's class and each run's prediction, in item order.
  std::vector<int> actual, predictedA, predictedB;
  // The items that moved in one cell of confusionDiff: B puts them there and A did not
  // (entered), A put them there and B does not (left); entered minus left is the cell's value.
  struct CellChange {
    std::vector<long> entered, left;
  };
  CellChange cellChange(int actual, int predicted) const;
};
RunComparison compareRuns(const StoredRun& a, const StoredRun& b);
// The settings in which `runs` differ, as JSON paths ("train.lr"); equal settings are left out.
std::vector<std::string> differingSettings(const std::vector<StoredRun>& runs);
// A setting's value in a run, as text ("0.01"); "" when the run has no such setting.
std::string settingValue(const StoredRun& run, const std::string& path);

}  // namespace lb
