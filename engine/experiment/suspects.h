#pragma once
// Suspects: the items whose label is most likely wrong, ranked from out-of-sample predictions
// (cleanlab's idea, without the library). For the training items, k-fold cross-validation: the
// training split is cut into k folds and each fold is predicted by a model trained on the others
// (the project's model and training settings, `epochs` epochs of one cycle); for the validation
// items, the project's latest checkpoint, which never trained on them. The score is
// 1 - p(given label): cleanlab's "self-confidence" ranking, its default, which it found to rank
// label errors as well as the margin-based scores on most data; and it reads as a probability a
// beginner can judge ("the models give its label 3%"). The data is the project's with its
// cleaning decisions applied (cleaning_journal.h). Torch-free; runs on the calling thread.
#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "engine/core/image8.h"
#include "engine/project/project.h"
#include "engine/train/progress.h"

namespace lb {

inline constexpr int kDefaultSuspectFolds = 5;
inline constexpr int kMaxSuspectFolds = 100;

struct SuspectProgress {
  int fold = 0;   // 0-based; == folds while the validation items are predicted
  int folds = 0;
  BatchProgress batch;  // within the fold's fit
  // The whole job's share done, 0..1.
  double fraction() const;
};

struct SuspectOptions {
  int folds = kDefaultSuspectFolds;
  int epochs = 1;           // per fold; 0 takes the project's train.epochs
  bool validation = true;   // also rank the validation items with the latest checkpoint
  int images = 0;           // the first `images` suspects get their image as the model sees it
  const std::atomic<bool>* stop = nullptr;  // read before every batch
  std::function<void(const SuspectProgress&)> onProgress;  // on the calling thread
};

struct Suspect {
  std::string item;            // the item's name (DataItems::names), as the journal keys it
  std::filesystem::path file;  // empty for the built-in example
  bool valid = false;          // in the validation split
  int label = 0;               // the given class (after the overlay)
  int predicted = 0;           // the class the out-of-sample model gives the highest probability
  double labelProbability = 0;
  double predictedProbability = 0;
  double score = 0;            // 1 - labelProbability: how likely the label is wrong
  Image8 image;                // only for the first options.images suspects
};

struct SuspectReport {
  std::vector<std::string> classes;
  std::vector<Suspect> suspects;  // highest score first (ties: training before validation, by name)
  int folds = 0;
  bool stopped = false;  // the stop flag ended it: suspects is empty
  std::string notice;    // what could not be ranked and why (no checkpoint for validation items)
};

// Throws lb::Error when the project is not a Category one, when folds is below 2 or above the
// training items (or kMaxSuspectFolds), or what building and training the model throw.
SuspectReport findSuspects(const Project& project, const SuspectOptions& options = {});

// runFolder()/suspects.csv: item,file,split,label,predicted,score,label_probability,
// predicted_probability (class names), written atomically; readSuspects gives back the report
// without images (classes from `classes`, an item whose class is not among them is dropped).
std::filesystem::path suspectsFile(const Project& project);
void writeSuspects(const Project& project, const SuspectReport& report);
SuspectReport readSuspects(const Project& project, const std::vector<std::string>& classes);

// How many cleaning decisions the project's latest model agrees with: a relabel when it predicts
// the new class, an exclusion when it does not predict the label the item had, a keep when it
// predicts the label. Training items were seen by that model while training (with the decision
// applied), so their agreement says less than the validation items'.
struct DecisionAgreement {
  int decisions = 0;    // decisions in effect whose item the data still has
  int agreed = 0;
  int validDecisions = 0, validAgreed = 0;
  std::string sentence() const;  // "The latest model agrees with 14 of 16 cleaning decisions ..."
};
// Throws lb::Error when there is no checkpoint or it does not fit the model.
DecisionAgreement decisionAgreement(const Project& project);

}  // namespace lb
