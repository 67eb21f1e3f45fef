#include "engine/project/cleaning_journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/data/csv_table.h"
#include "engine/util/error.h"

namespace lb {

namespace fs = std::filesystem;

namespace {
constexpr const char* kHeader = "when,item,action,old_label,new_label\n";

std::string readAllText(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}
}  // namespace

std::map<std::string, CleaningEntry> CleaningState::decisions() const {
  std::map<std::string, CleaningEntry> latest;
  for (const auto& e : applied) latest[e.item] = e;
  return latest;
}

ItemOverrides CleaningState::overrides() const {
  ItemOverrides out;
  for (const auto& [item, e] : decisions()) {
    if (e.action == CleaningAction::Exclude) out.excluded.insert(item);
    if (e.action == CleaningAction::Relabel) out.relabelled[item] = e.newLabel;
  }
  return out;
}

CleaningState replayCleaning(const std::vector<CleaningEntry>& entries) {
  CleaningState state;
  for (const auto& e : entries) {
    switch (e.action) {
      case CleaningAction::Undo:
        if (!state.applied.empty()) {
          state.undone.push_back(state.applied.back());
          state.applied.pop_back();
        }
        break;
      case CleaningAction::Redo:
        if (!state.undone.empty()) {
          state.applied.push_back(state.undone.back());
          state.undone.pop_back();
        }
        break;
      default:
        state.applied.push_back(e);
        state.undone.clear();  // a new decision ends what could be redone, as in any editor
    }
  }
  return state;
}

std::vector<CleaningEntry> readCleaningJournal(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return {};
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("The cleaning journal " + file.string() + " cannot be read: check its permissions.");
  std::string text = readAllText(file);
  // A line without its line end was torn by a crash while it was written: it never happened.
  text.erase(text.find_last_of('\n') == std::string::npos ? 0 : text.find_last_of('\n') + 1);
  if (text.empty()) return {};
  CsvTable table;
  try {
    table = parseCsv(text, file);
  } catch (const Error& e) {
    throw Error(std::string("The cleaning journal is damaged: ") + e.what());
  }
  for (const char* column : {"when", "item", "action", "old_label", "new_label"})
    if (!table.hasColumn(column))
      throw Error("The cleaning journal " + file.string() + " has no column \"" + column +
                  "\": move it away to start cleaning afresh.");
  std::vector<CleaningEntry> entries;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    const auto action = findName(kCleaningActionNames, row.at("action"));
    if (!action || row.at("item").empty())
      throw Error("Line " + std::to_string(r + 2) + " of the cleaning journal " + file.string() +
                  " is not a decision (action \"" + row.at("action") +
                  "\"): correct or delete that line.");
    entries.push_back({row.at("when"), row.at("item"), *action, row.at("old_label"), row.at("new_label")});
  }
  return entries;
}

fs::path cleaningJournalFile(const Project& project) { return project.runFolder() / "cleaning.csv"; }

ItemOverrides projectOverrides(const Project& project) {
  return replayCleaning(readCleaningJournal(cleaningJournalFile(project))).overrides();
}

CleaningJournal::CleaningJournal(fs::path file) : m_file(std::move(file)) {}

CleaningState CleaningJournal::state() const { return replayCleaning(readCleaningJournal(m_file)); }

void CleaningJournal::decide(const std::string& item, CleaningAction action,
                             const std::string& oldLabel, const std::string& newLabel) {
  if (action == CleaningAction::Undo || action == CleaningAction::Redo)
    throw Error("A decision is keep, relabel or exclude; undo and redo have their own calls.");
  if (item.empty()) throw Error("Name the item to decide about.");
  if (action == CleaningAction::Relabel && newLabel.empty())
    throw Error("Name the class to relabel " + item + " as.");
  append({localTimeNow(), item, action, oldLabel,
          action == CleaningAction::Relabel ? newLabel : std::string()});
}

CleaningEntry CleaningJournal::undo() {
  const CleaningState s = state();
  if (s.applied.empty()) throw Error("There is no cleaning decision to undo.");
  CleaningEntry e = s.applied.back();
  append({localTimeNow(), e.item, CleaningAction::Undo, e.oldLabel, e.newLabel});
  return e;
}

CleaningEntry CleaningJournal::redo() {
  const CleaningState s = state();
  if (s.undone.empty()) throw Error("There is no undone cleaning decision to redo.");
  CleaningEntry e = s.undone.back();
  append({localTimeNow(), e.item, CleaningAction::Redo, e.oldLabel, e.newLabel});
  return e;
}

void CleaningJournal::append(const CleaningEntry& e) {
  std::error_code ec;
  fs::create_directories(m_file.parent_path(), ec);
  // A torn last line (a crash mid-write) never counted: cut it off so this line stands alone.
  std::string kept;
  if (fs::exists(m_file, ec)) {
    kept = readAllText(m_file);
    const auto end = kept.find_last_of('\n');
    const auto whole = end == std::string::npos ? 0 : end + 1;
    if (whole < kept.size()) fs::resize_file(m_file, whole, ec);
    kept.resize(whole);
  }
  std::string line = kept.empty() ? kHeader : "";
  line += csvField(e.when) + "," + csvField(e.item) + "," + cleaningActionName(e.action) + "," +
          csvField(e.oldLabel) + "," + csvField(e.newLabel) + "\n";
  // One write with O_APPEND, then fsync: the decision is on the disk before the call returns.
  const int fd = ::open(m_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  bool ok = fd >= 0;
  const int openError = errno;
  if (ok) ok = ::write(fd, line.data(), line.size()) == ssize_t(line.size()) && ::fsync(fd) == 0;
  const int error = fd >= 0 ? errno : openError;
  if (fd >= 0) ::close(fd);
  if (!ok)
    throw Error("The cleaning decision could not be written to " + m_file.string() + " (" +
                (error == ENOSPC ? std::string("the disk is full") : std::strerror(error)) +
                "): free some space or check the folder's permissions.");
}

}  // namespace lb
