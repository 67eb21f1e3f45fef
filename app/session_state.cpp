#include "app/session_state.h"

namespace lb {

namespace {
// Why nothing can be trained on the project as it is; empty when it can.
QString projectProblem(const SessionState& s) {
  if (!s.hasProject) return QStringLiteral("Open a project first (File > Open project)");
  if (!s.previewProblem.isEmpty())
    return QStringLiteral("The data block needs a change: %1").arg(s.previewProblem);
  if (!s.modelProblem.isEmpty())
    return QStringLiteral("The model needs a change: %1").arg(s.modelProblem);
  if (!s.modelBuildProblem.isEmpty())
    return QStringLiteral("The model needs a change: %1").arg(s.modelBuildProblem);
  if (!s.dataProblem.isEmpty())
    return QStringLiteral("The data could not be loaded: %1").arg(s.dataProblem);
  return {};
}

QString runningNow(const SessionState& s) {
  if (s.run == RunKind::Training) return QStringLiteral("Training is running");
  if (s.run == RunKind::FindingLr) return QStringLiteral("The learning-rate finder is running");
  if (s.inspecting) return QStringLiteral("The model is being inspected");
  return {};
}
QString severalProcessesReason() {
  return QStringLiteral("Pause and Step work on one process: set Processes to 1 to use them");
}
}  // namespace

QString blockedReason(const SessionState& s, Action action) {
  switch (action) {
    case Action::Train:
    case Action::FindLearningRate:
      // An inspection does not hold a run back: the run queues behind it on the worker.
      if (s.run != RunKind::None) return runningNow(s);
      return projectProblem(s);
    case Action::Stop:
      if (s.run == RunKind::None) return QStringLiteral("Nothing is running");
      if (s.stopping) return QStringLiteral("Stopping after this batch");
      return {};
    case Action::Pause:
      if (s.run != RunKind::Training) return QStringLiteral("Only a training run can pause");
      if (s.severalProcesses) return severalProcessesReason();
      if (s.stopping) return QStringLiteral("Stopping after this batch");
      return {};
    case Action::Step:
      if (s.severalProcesses) return severalProcessesReason();
      if (s.run == RunKind::None) return projectProblem(s);
      if (s.run != RunKind::Training) return runningNow(s);
      if (s.stopping) return QStringLiteral("Stopping after this batch");
      return {};
    case Action::Inspect:
      if (!s.hasProject) return QStringLiteral("Open a project first (File > Open project)");
      return runningNow(s);
    case Action::EditRunSettings:
      if (s.run == RunKind::Training)
        return QStringLiteral("Training is running: it keeps the settings it started with");
      return {};
    case Action::EditBatchSize:
    case Action::EditProject:
      return runningNow(s);
    case Action::Save:
      if (!s.hasProject) return QStringLiteral("No project is open");
      return {};
  }
  return {};
}

}  // namespace lb
