#include "engine/project/training_guard.h"

#include "engine/util/atomic_file.h"
#include "engine/util/error.h"
#include "engine/util/process_lock.h"

namespace lb {

namespace fs = std::filesystem;

fs::path TrainingLock::lockFile(const Project& project, const fs::path& checkpoint) {
  return (project.file.empty() ? checkpoint.parent_path() : project.runFolder()) / "training.lock";
}

TrainingLock::TrainingLock(const Project& project, const fs::path& checkpoint) {
  const std::string name = project.file.empty() ? project.name : project.file.string();
  m_lock = std::make_unique<ProcessLock>(lockFile(project, checkpoint),
                                         "The project " + name + " is being trained already");
  // Holding the lock, no writer of ours is alive: what a killed one left can go.
  removeStaleTemporaries(checkpoint);
  if (!project.file.empty()) removeStaleTemporaries(project.file);
  fs::path legacy = checkpoint;  // what versions before the atomic writer left: last.pt.saving
  legacy += ".saving";
  std::error_code ignored;
  fs::remove(legacy, ignored);
}

TrainingLock::~TrainingLock() = default;

LiveRunRecord::LiveRunRecord(const Project& project, RunRecord run,
                             std::vector<std::string>& notices)
    : m_run(std::move(run)), m_notices(notices) {
  std::error_code ec;
  if (project.file.empty() || !fs::is_regular_file(project.file, ec)) return;
  m_run.ended = kRunRunning;
  try {
    Project onDisk = loadProject(project.file);
    for (RunRecord& earlier : onDisk.runs)
      if (earlier.ended == kRunRunning) earlier.ended = kRunKilled;
    onDisk.runs.push_back(m_run);
    saveProject(onDisk, project.file);
    m_index = onDisk.runs.size() - 1;
    m_file = project.file;
  } catch (const Error& e) {
    m_notices.push_back(std::string("The run was not recorded in the project: ") + e.what());
  }
}

void LiveRunRecord::addEpoch(const EpochResult& epoch) {
  m_run.results.push_back(epoch);
  write();
}

void LiveRunRecord::finish(const RunRecord& run) {
  m_run = run;
  write();
}

void LiveRunRecord::fail(const std::string& why) {
  m_run.ended = why;
  write();
}

void LiveRunRecord::write() {
  if (m_file.empty()) return;
  try {
    Project onDisk = loadProject(m_file);
    // Re-read each time: settings given only on a command line stay out of the file.
    if (m_index < onDisk.runs.size() && onDisk.runs[m_index].started == m_run.started)
      onDisk.runs[m_index] = m_run;
    else
      onDisk.runs.push_back(m_run);
    saveProject(onDisk, m_file);
  } catch (const Error& e) {
    m_notices.push_back(std::string("The run was not recorded in the project: ") + e.what());
    m_file.clear();  // said once
  }
}

}  // namespace lb
