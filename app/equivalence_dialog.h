#pragma once
// EquivalenceDialog: the Train page's Equivalence check. It runs `learnbench-cli equivalence`
// (through DistributedRun) on the project's file: the first steps on N processes at the batch
// size set, then on one process at N times that batch from the same weights, and overlays the two
// loss curves with the sentence that says how far apart they are. Closing it stops the check.
#include <QDialog>

#include "app/distributed_run.h"

class QCustomPlot;
class QLabel;

namespace lb {

class EquivalenceDialog : public QDialog {
  Q_OBJECT
 public:
  explicit EquivalenceDialog(QWidget* parent = nullptr);

  // Starts the check; its curves and sentence appear when it ends.
  void start(const QString& projectFile, int processes, int batchSize, int steps);
  DistributedRun* run() const { return m_run; }
  QCustomPlot* plot() const { return m_plot; }
  QString sentence() const;

 protected:
  void done(int result) override;

 private:
  void showCurves(const EquivalenceCurves& curves);

  DistributedRun* m_run;
  QCustomPlot* m_plot;
  QLabel* m_sentence;
};

}  // namespace lb
