// learnbench-cli clean PROJECT (--relabel ITEM CLASS | --exclude ITEM | --keep ITEM | --undo |
// --redo | --apply | --undo-apply) [--json]: one cleaning decision appended to the project's
// journal (engine/project/cleaning_journal.h), or "Apply to the files" and its undo
// (engine/project/apply_cleaning.h). ITEM is the item's path as `suspects` prints it.
#include <nlohmann/json.hpp>
#include <ostream>

#include "app/cli_commands.h"
#include "engine/data/data_block.h"
#include "engine/project/apply_cleaning.h"
#include "engine/project/cleaning_journal.h"
#include "engine/project/project.h"
#include "engine/util/error.h"

namespace lb {

int runClean(const std::vector<std::string>& args, std::ostream& out) {
  const Options o = parseOptions("clean", args, {"--relabel", "--exclude", "--keep"},
                                 {"--undo", "--redo", "--apply", "--undo-apply"});
  const int actions = int(o.values.size() + o.flags.size());
  // --relabel takes two values: the item (its value) and the class (the next positional).
  const bool relabel = o.values.count("--relabel") > 0;
  if (actions != 1 || o.positional.size() != (relabel ? 2u : 1u))
    throw std::invalid_argument(
        "clean needs a project file and one action: learnbench-cli clean PROJECT (--relabel ITEM "
        "CLASS | --exclude ITEM | --keep ITEM | --undo | --redo | --apply | --undo-apply).");
  const Project project = loadProject(o.positional[0]);
  CleaningJournal journal(cleaningJournalFile(project));
  nlohmann::json result;
  std::string said;
  if (o.has("--undo") || o.has("--redo")) {
    const bool undo = o.has("--undo");
    const CleaningEntry e = undo ? journal.undo() : journal.redo();
    result = {{"action", undo ? "undo" : "redo"}, {"path", e.item}, {"decision", cleaningActionName(e.action)}};
    said = std::string(undo ? "Undid" : "Redid") + " the decision to " + cleaningActionName(e.action) +
           " " + e.item + (e.action == CleaningAction::Relabel ? " as " + e.newLabel : "") + ".";
  } else if (o.has("--apply")) {
    const AppliedCleaning a = applyToFiles(project);
    result = {{"action", "apply"}, {"excluded", a.excluded}, {"relabelled", a.relabelled}, {"log", a.log.string()}};
    said = "Moved " + std::to_string(a.excluded) + " excluded and " + std::to_string(a.relabelled) +
           " relabelled files; the moves are logged in " + a.log.string() +
           " (learnbench-cli clean PROJECT --undo-apply moves them back).";
  } else if (o.has("--undo-apply")) {
    const int moved = undoApplied(latestAppliedLog(project));
    result = {{"action", "undo-apply"}, {"moved", moved}};
    said = "Moved " + std::to_string(moved) + " files back where they were.";
  } else {
    // The item must be one of the data's, with its label now (the overlay applied).
    const DataItems items = collectItems(project.data, project.folder());
    const std::string item = o.values.begin()->second;
    const auto at = std::find(items.names.begin(), items.names.end(), item);
    if (at == items.names.end())
      throw Error("The data has no item " + item + ": name it as learnbench-cli suspects prints it.");
    const ItemOverrides now = journal.state().overrides();
    const std::size_t index = std::size_t(at - items.names.begin());
    std::string label = items.labels.empty() || items.labels[index].empty()
                            ? std::string()
                            : items.vocab[std::size_t(items.labels[index].front())];
    if (now.relabelled.count(item)) label = now.relabelled.at(item);
    const CleaningAction action = relabel ? CleaningAction::Relabel
                                  : o.values.count("--exclude") ? CleaningAction::Exclude
                                                                : CleaningAction::Keep;
    const std::string newLabel = relabel ? o.positional[1] : std::string();
    if (relabel && std::find(items.vocab.begin(), items.vocab.end(), newLabel) == items.vocab.end())
      throw Error("There is no class \"" + newLabel + "\" in this data: choose one of its classes.");
    journal.decide(item, action, label, newLabel);
    result = {{"action", cleaningActionName(action)}, {"path", item}, {"old_label", label}, {"new_label", newLabel}};
    said = std::string(action == CleaningAction::Relabel ? "Relabelled " + item + " from " + label + " as " + newLabel
                       : action == CleaningAction::Exclude ? "Excluded " + item
                                                           : "Kept " + item + " as " + label) +
           " (journal: " + journal.file().string() + ").";
  }
  const ItemOverrides overrides = journal.state().overrides();
  result["excluded_total"] = overrides.excluded.size();
  result["relabelled_total"] = overrides.relabelled.size();
  if (o.json)
    out << result.dump() << "\n";
  else
    out << said << " In effect: " << overrides.excluded.size() << " excluded, "
        << overrides.relabelled.size() << " relabelled.\n";
  return 0;
}

}  // namespace lb
