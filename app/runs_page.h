#pragma once
// RunsPage: the Runs step, after Train. Every run the project kept (engine/project/run_store.h)
// as a sortable table whose columns are only the settings that differ between the runs; the
// selected runs' curves overlaid (smoothed train loss, valid loss per epoch; x in epochs or
// seconds; a smoothing slider; one colour per run on every view; hovering a curve names its
// run); two selected runs side by side (the settings that differ, the metrics, how many
// validation images B fixed and broke, and the confusion matrix of B minus A); Run again with a
// run's settings; Branch (its settings on the Train page, to change one); a name and a note;
// Delete with Undo. Reads the run files on the GUI thread: they are small (a few hundred KB).
#include <QWidget>
#include <vector>

#include "engine/project/run_store.h"

class QComboBox;
class QCustomPlot;
class QLabel;
class QPushButton;
class QSlider;
class QStackedWidget;
class QTableWidget;

namespace lb {

class TrainingSession;

class RunsPage : public QWidget {
  Q_OBJECT
 public:
  explicit RunsPage(TrainingSession* session, QWidget* parent = nullptr);

  // Reads the project's runs again (after a run, on opening the page).
  void refresh();
  // Selects the runs at these rows of the table (its order: oldest first).
  void selectRuns(const std::vector<int>& rows);
  void compareSelected();
  const std::vector<StoredRun>& runs() const { return m_runs; }
  QTableWidget* table() const { return m_table; }
  QCustomPlot* plot() const { return m_plot; }

 Q_SIGNALS:
  void statusMessage(const QString& text);
  // Branch: the run's settings are the project's now; the Train page should show.
  void branched();

 private:
  std::vector<int> selectedRuns() const;  // indices into m_runs
  void fillTable();
  void drawSelected();
  void runAgain(bool train);
  void rename();
  void removeSelected();
  void showTooltip(const QPoint& pos);
  void updateButtons();

  TrainingSession* m_session;
  std::vector<StoredRun> m_runs;
  std::string m_deletedId;  // the last run moved aside, for Undo

  QLabel* m_summary = nullptr;
  QTableWidget* m_table = nullptr;
  QCustomPlot* m_plot = nullptr;
  QComboBox* m_xAxis = nullptr;
  QSlider* m_smoothing = nullptr;
  QPushButton* m_compareButton = nullptr;
  QPushButton* m_againButton = nullptr;
  QPushButton* m_branchButton = nullptr;
  QPushButton* m_renameButton = nullptr;
  QPushButton* m_deleteButton = nullptr;
  QPushButton* m_undoButton = nullptr;
  QStackedWidget* m_side = nullptr;
  QLabel* m_comparison = nullptr;
  QTableWidget* m_confusion = nullptr;
};

}  // namespace lb
