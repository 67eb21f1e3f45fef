#include "engine/project/apply_cleaning.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "engine/data/csv_table.h"
#include "engine/project/cleaning_journal.h"
#include "engine/util/error.h"

namespace lb {

namespace fs = std::filesystem;

namespace {

fs::path appliedFolder(const Project& project) { return project.runFolder() / "applied"; }

void appendLine(int fd, const std::string& line, const fs::path& log) {
  if (::write(fd, line.data(), line.size()) != ssize_t(line.size()) || ::fsync(fd) != 0)
    throw Error("The log of the moved files " + log.string() +
                " could not be written: free some space, then undo what was moved.");
}

// The folders above `file` that do not exist yet, the outermost first.
std::vector<fs::path> missingFolders(const fs::path& file) {
  std::vector<fs::path> missing;
  std::error_code ec;
  for (fs::path f = file.parent_path(); !f.empty() && !fs::exists(f, ec); f = f.parent_path())
    missing.insert(missing.begin(), f);
  return missing;
}

}  // namespace

std::vector<FileMove> plannedMoves(const Project& project) {
  const DataBlockSpec& d = project.data;
  if (d.source != SourceKind::Folder || d.label.kind != LabelKind::ParentFolder)
    throw Error("Apply to the files works on a folder of images labelled by their folder: this "
                "project's decisions stay an overlay, which training and export already use.");
  const CleaningState state = CleaningJournal(cleaningJournalFile(project)).state();
  const ItemOverrides overrides = state.overrides();
  if (overrides.empty()) throw Error("There is no exclusion or relabelling to apply to the files.");
  const fs::path data = fs::weakly_canonical(project.dataPath());
  const fs::path excludedRoot = data.parent_path() / (data.filename().string() + "-excluded");
  std::vector<FileMove> moves;
  for (const auto& name : overrides.excluded) moves.push_back({data / name, excludedRoot / name});
  for (const auto& [name, label] : overrides.relabelled) {
    const fs::path from = data / name;
    moves.push_back({from, from.parent_path().parent_path() / label / from.filename()});
  }
  std::set<fs::path> destinations;
  std::error_code ec;
  for (const FileMove& m : moves) {
    if (!fs::is_regular_file(m.from, ec))
      throw Error("The file " + m.from.string() + " is not there any more: nothing was moved. "
                  "Undo its decision, or put the file back.");
    if (fs::exists(m.to, ec) || !destinations.insert(m.to).second)
      throw Error("A file named " + m.to.string() + " is already there: nothing was moved. "
                  "Rename one of them first.");
  }
  return moves;
}

AppliedCleaning applyToFiles(const Project& project) {
  const std::vector<FileMove> moves = plannedMoves(project);
  const ItemOverrides overrides = projectOverrides(project);
  AppliedCleaning result;
  result.excluded = int(overrides.excluded.size());
  result.relabelled = int(overrides.relabelled.size());
  std::error_code ec;
  fs::create_directories(appliedFolder(project), ec);
  std::string stamp = localTimeNow();
  std::replace(stamp.begin(), stamp.end(), ' ', '_');
  std::replace(stamp.begin(), stamp.end(), ':', '-');
  result.log = appliedFolder(project) / (stamp + ".csv");
  for (int n = 2; fs::exists(result.log, ec); ++n)
    result.log = appliedFolder(project) / (stamp + "-" + std::to_string(n) + ".csv");
  const int fd = ::open(result.log.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    throw Error("The log of the moved files cannot be created in " + appliedFolder(project).string() +
                ": check the folder's permissions. Nothing was moved.");
  try {
    appendLine(fd, "from,to\n", result.log);
    for (const FileMove& m : moves) {
      // Logged before they are made: undo skips a line that never happened. A folder made is a
      // line with no "from", so undo removes exactly the folders it made.
      for (const fs::path& folder : missingFolders(m.to)) {
        appendLine(fd, "," + csvField(folder.string()) + "\n", result.log);
        fs::create_directory(folder, ec);
      }
      appendLine(fd, csvField(m.from.string()) + "," + csvField(m.to.string()) + "\n", result.log);
      fs::rename(m.from, m.to, ec);
      if (ec)
        throw Error("The file " + m.from.string() + " could not be moved (" + ec.message() +
                    "): undo to put back what was moved.");
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return result;
}

fs::path latestAppliedLog(const Project& project) {
  std::error_code ec;
  std::vector<fs::path> logs;
  for (const auto& e : fs::directory_iterator(appliedFolder(project), ec)) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() == ".csv" && name.find(".undone") == std::string::npos)
      logs.push_back(e.path());
  }
  if (logs.empty()) return {};
  return *std::max_element(logs.begin(), logs.end(), [&](const fs::path& a, const fs::path& b) {
    return fs::last_write_time(a, ec) < fs::last_write_time(b, ec) ||
           (fs::last_write_time(a, ec) == fs::last_write_time(b, ec) && a < b);
  });
}

int undoApplied(const fs::path& log) {
  std::error_code ec;
  if (log.empty() || !fs::exists(log, ec))
    throw Error("There is no application to the files to undo.");
  const CsvTable table = readCsv(log);
  if (!table.hasColumn("from") || !table.hasColumn("to"))
    throw Error("The log " + log.string() + " is not a log of moved files.");
  std::vector<FileMove> moves;
  for (const auto& row : table.rows) moves.push_back({row.at("from"), row.at("to")});
  std::reverse(moves.begin(), moves.end());
  for (const FileMove& m : moves)
    if (!m.from.empty() && fs::exists(m.to, ec) && fs::exists(m.from, ec))
      throw Error("A file is back at " + m.from.string() + " already: move it away, then undo.");
  int moved = 0;
  for (const FileMove& m : moves) {
    if (m.from.empty()) {  // a folder the application made: removed when nothing else is in it
      if (fs::is_directory(m.to, ec) && fs::is_empty(m.to, ec)) fs::remove(m.to, ec);
      continue;
    }
    if (!fs::exists(m.to, ec)) continue;  // logged, but the kill came before its move
    fs::create_directories(m.from.parent_path(), ec);
    fs::rename(m.to, m.from, ec);
    if (ec)
      throw Error("The file " + m.to.string() + " could not be moved back (" + ec.message() + ").");
    ++moved;
  }
  fs::path undone = log;
  undone.replace_extension(".undone.csv");
  fs::rename(log, undone, ec);
  return moved;
}

}  // namespace lb
