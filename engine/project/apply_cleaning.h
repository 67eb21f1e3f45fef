#pragma once
// "Apply to the files": the cleaning decisions made real on disk, for a folder of images labelled
// by their parent folder. Excluded files move into a folder beside the data ("images" ->
// "images-excluded", keeping their path inside it) and relabelled files into their new class's
// folder beside their old one ("train/cat/1.png" -> "train/dog/1.png"). Every move is first
// checked (the file is there, its destination is free), then made and logged line by line in
// runFolder()/applied/<when>.csv (from,to), so undoApplied() can move each file back, even after a
// kill part way. Nothing is ever deleted. Torch-free; every failure is an lb::Error.
#include <filesystem>
#include <string>
#include <vector>

#include "engine/project/project.h"

namespace lb {

struct FileMove {
  std::filesystem::path from, to;
};

struct AppliedCleaning {
  std::filesystem::path log;  // the log of the moves, for undoApplied
  int excluded = 0, relabelled = 0;
};

// The moves applyToFiles would make, checked. Throws lb::Error when the project's data is not a
// folder labelled by parent folder, when there is no decision to apply, or naming the first file
// that is missing or whose destination is taken.
std::vector<FileMove> plannedMoves(const Project& project);

// Makes the planned moves and logs them. Throws as plannedMoves, or when a move fails (the moves
// made before it stay logged and can be undone).
AppliedCleaning applyToFiles(const Project& project);

// The latest log applyToFiles wrote that is not undone yet; empty when there is none.
std::filesystem::path latestAppliedLog(const Project& project);

// Moves every file of `log` back, last first, removes the folders the moves made once empty, and
// marks the log undone (renamed to .undone.csv). Returns how many files moved back. Throws
// lb::Error naming a file that cannot go back (its old place taken, or it is gone).
int undoApplied(const std::filesystem::path& log);

}  // namespace lb
