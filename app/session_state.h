#pragma once
// SessionState: everything that decides which actions the window offers, as one value, and
// blockedReason(), the one pure function that says why an action cannot be taken now. Every
// button, menu action and request of the TrainingSession asks it, so a control that looks
// enabled always does what it says. No widgets: tested as a plain value (tst_session_state).
#include <QString>

namespace lb {

// The long job holding the worker thread. One worker: a run and the finder exclude each other.
enum class RunKind { None, Training, FindingLr };

struct SessionState {
  bool hasProject = false;
  RunKind run = RunKind::None;
  // An inspection is queued or running on the worker (it can sit before a training run).
  bool inspecting = false;
  bool paused = false;    // the training run waits before its next batch
  bool stopping = false;  // Stop was asked for and the worker has not answered yet
  // The run advances one batch per Step (classroom mode); it counts as paused, so Resume runs on.
  bool stepping = false;
  // The project trains on several processes (learnbench-cli train --nproc): Stop reaches them,
  // Pause and Step do not.
  bool severalProcesses = false;
  // What is wrong with the project, in words; empty when nothing is. Asked in this order.
  QString previewProblem;     // the data block editor's check (names the card to fix)
  QString modelProblem;       // the model editor's shape check
  QString modelBuildProblem;  // the worker could not build the model on the loaded data
  QString dataProblem;        // the data did not load

  bool busy() const { return run != RunKind::None || inspecting; }
};

enum class Action {
  Train,
  FindLearningRate,
  Stop,
  Pause,  // and Resume
  Step,   // train one batch: starts a stepping run, or advances the run under way by one batch
  Inspect,
  EditRunSettings,  // epochs and learning rate: a running fit keeps the values it started with
  EditBatchSize,    // also used by the finder
  EditProject,      // the data block, the model, or another project opened
  Save,
};

// Why `action` cannot be taken in `state`, as a sentence for a tooltip or the status line;
// empty when it can.
QString blockedReason(const SessionState& state, Action action);

}  // namespace lb
