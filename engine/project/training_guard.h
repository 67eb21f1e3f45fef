#pragma once
// What a training run of a project holds so nothing is lost and no two runs collide:
//   TrainingLock   one training per project at a time (a lock file in the project's run folder
//                  naming the process, host and start time; a killed holder's lock is taken
//                  over), and the temporaries a killed run left beside its files removed.
//   LiveRunRecord  the run in the project file's history from its start ("running") and after
//                  every epoch, so a run that is killed keeps its completed epochs there; a run
//                  still "running" when the next one starts was killed and is marked so.
// Both are used by trainAndRecord (engine/experiment/operations.h), the one place runs start.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/project/project.h"

namespace lb {

class ProcessLock;

// How a run that is still training is recorded, and what a killed one becomes.
inline constexpr const char* kRunRunning = "running";
inline constexpr const char* kRunKilled = "interrupted: the process ended before the run did";

class TrainingLock {
 public:
  // Locks `project` (by its run folder; a project without a file, by `checkpoint`'s folder) and
  // removes stale temporaries beside `checkpoint` and the project file. Throws lb::Error: "The
  // project P is being trained already (held by process N on HOST since TIME)." at once, or a
  // sentence naming the folder when it cannot be written.
  TrainingLock(const Project& project, const std::filesystem::path& checkpoint);
  ~TrainingLock();
  TrainingLock(const TrainingLock&) = delete;
  TrainingLock& operator=(const TrainingLock&) = delete;

  static std::filesystem::path lockFile(const Project& project,
                                        const std::filesystem::path& checkpoint);

 private:
  std::unique_ptr<ProcessLock> m_lock;
};

class LiveRunRecord {
 public:
  // Appends `run` (ended = kRunRunning) to the project file's history, when the project has a
  // file; earlier runs still "running" become kRunKilled. A file that cannot take it is a
  // sentence added to `notices` (once), never an error: the training goes on.
  LiveRunRecord(const Project& project, RunRecord run, std::vector<std::string>& notices);
  // The run with one more completed epoch.
  void addEpoch(const EpochResult& epoch);
  // The run as it ended (its `ended` and epochs replace what was recorded).
  void finish(const RunRecord& run);
  // The run ended by an error: `why` is recorded as how it ended, its epochs kept.
  void fail(const std::string& why);

 private:
  void write();
  std::filesystem::path m_file;  // empty when nothing is recorded
  RunRecord m_run;
  std::size_t m_index = 0;
  std::vector<std::string>& m_notices;
};

}  // namespace lb
