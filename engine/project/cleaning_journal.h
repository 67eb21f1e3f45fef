#pragma once
// The cleaning journal: every decision the user makes about an item (keep it, give it another
// class, exclude it), kept with the project as runFolder()/cleaning.csv:
//   when,item,action,old_label,new_label
// `action` is keep, relabel, exclude, undo or redo. The file is only ever appended to, one line a
// decision, flushed to the disk before decide() returns, so a kill between two decisions loses
// neither; undo and redo are lines too, and the state is a replay of the whole file. A last line
// torn by a crash mid-write is ignored, and cut off before the next line is appended.
// Torch-free. Every failure is an lb::Error with a sentence.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "engine/core/enum_names.h"
#include "engine/data/item_overrides.h"
#include "engine/project/project.h"

namespace lb {

enum class CleaningAction { Keep, Relabel, Exclude, Undo, Redo };
inline constexpr EnumNames<CleaningAction, 5> kCleaningActionNames{{
    {CleaningAction::Keep, "keep"},
    {CleaningAction::Relabel, "relabel"},
    {CleaningAction::Exclude, "exclude"},
    {CleaningAction::Undo, "undo"},
    {CleaningAction::Redo, "redo"},
}};
inline const char* cleaningActionName(CleaningAction a) { return nameOf(kCleaningActionNames, a); }

// One line of the journal. For undo and redo, item and labels name the decision undone or redone.
struct CleaningEntry {
  std::string when;  // local time, as localTimeNow()
  std::string item;  // the item's name (DataItems::names)
  CleaningAction action = CleaningAction::Keep;
  std::string oldLabel;  // the label the item had when it was decided
  std::string newLabel;  // relabel: the class it gets
  bool operator==(const CleaningEntry&) const = default;
};

// The journal replayed: the decisions in effect, oldest first, and those undone (redo order).
struct CleaningState {
  std::vector<CleaningEntry> applied;
  std::vector<CleaningEntry> undone;  // the next redo is back()
  // Each decided item's decision in effect (the latest one applied for it).
  std::map<std::string, CleaningEntry> decisions() const;
  // The overlay the data block applies: excluded and relabelled items (keep changes nothing).
  ItemOverrides overrides() const;
  bool operator==(const CleaningState&) const = default;
};

CleaningState replayCleaning(const std::vector<CleaningEntry>& entries);

// The entries of `file`; none when it does not exist. Throws lb::Error naming the file and line
// when a whole line is not a journal entry.
std::vector<CleaningEntry> readCleaningJournal(const std::filesystem::path& file);

// runFolder()/cleaning.csv.
std::filesystem::path cleaningJournalFile(const Project& project);

// The overlay of the project's journal (empty without one).
ItemOverrides projectOverrides(const Project& project);

// Reads and appends one journal. Each call re-reads the file first, so the window and the
// command line may both write it.
class CleaningJournal {
 public:
  explicit CleaningJournal(std::filesystem::path file);
  const std::filesystem::path& file() const { return m_file; }
  CleaningState state() const;
  // Appends a keep, relabel or exclude decision. Throws lb::Error for another action, an empty
  // item, a relabel without a new label, or a file that cannot be written.
  void decide(const std::string& item, CleaningAction action, const std::string& oldLabel,
              const std::string& newLabel = {});
  // Undoes the latest decision in effect (redo: the latest undone) and returns it. Throws
  // lb::Error when there is nothing to undo (redo).
  CleaningEntry undo();
  CleaningEntry redo();

 private:
  void append(const CleaningEntry& entry);
  std::filesystem::path m_file;
};

}  // namespace lb
