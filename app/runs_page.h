#pragma once
// RunsPage: the Runs step, after Train. Every run the project kept (engine/project/run_store.h)
// as a sortable table whose columns are only the settings that differ between the runs; the
// selected runs' curves overlaid (smoothed train loss, valid loss per epoch; x in epochs or
// seconds; a smoothing slider; one colour per run on every view; hovering a curve names its
// run; "Group seeds" draws runs that differ only by their seed as one mean curve with a band
// from the lowest to the highest); two selected runs side by side (the settings that differ, the
// metrics, the validation images B fixed and broke as image grids with their true label and both
// runs' predictions, and the confusion matrix of B minus A whose cells, clicked, show the images
// that moved in and out of them); Run again with a run's settings; Branch (one setting changed,
// trained at once, the parent's curve drawn under it on the Train page); a name and a note;
// Delete with Undo. Reads the run files on the GUI thread (they are small, a few hundred KB);
// the images are read off it (LatestJob), the latest request winning.
#include <QWidget>
#include <vector>

#include "engine/data/validation_samples.h"
#include "engine/project/run_store.h"
#include "widgets/latest_job.h"
#include "widgets/loss_plot.h"  // GhostCurve

class QCheckBox;
class QComboBox;
class QListWidget;
class QSplitter;
class QTabWidget;
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
  // The images of one cell of the compared runs' confusion difference (what a click does).
  void showCell(int actual, int predicted);
  // Branch: the selected run's settings with `path` ("train.lr") set to `value`, trained at
  // once; false, with the reason on the status line, when the value does not fit or training
  // cannot start.
  bool branch(const std::string& path, const std::string& value);
  void setGroupSeeds(bool on);
  const std::vector<StoredRun>& runs() const { return m_runs; }
  QTableWidget* table() const { return m_table; }
  QCustomPlot* plot() const { return m_plot; }
  QListWidget* fixedGrid() const { return m_fixedGrid; }
  QListWidget* brokenGrid() const { return m_brokenGrid; }
  QListWidget* cellGrid() const { return m_cellGrid; }

 Q_SIGNALS:
  void statusMessage(const QString& text);
  // Branch: the run's settings, one changed, are the project's now and its run is starting;
  // `parent` is the run it came from, to draw under it. The Train page should show.
  void branched(const lb::GhostCurve& parent);
  void imagesShown();  // a comparison's or a cell's images are in their grids (for tests)

 private:
  std::vector<int> selectedRuns() const;  // indices into m_runs
  void fillTable();
  void drawSelected();
  void runAgain();
  void chooseBranch();
  void fillGrid(QListWidget* grid, const std::vector<ValidationSample>& images,
                const std::vector<long>& items);
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
  QCheckBox* m_groupSeeds = nullptr;
  QSlider* m_smoothing = nullptr;
  QPushButton* m_compareButton = nullptr;
  QPushButton* m_againButton = nullptr;
  QPushButton* m_branchButton = nullptr;
  QPushButton* m_renameButton = nullptr;
  QPushButton* m_deleteButton = nullptr;
  QPushButton* m_undoButton = nullptr;
  QStackedWidget* m_side = nullptr;
  QSplitter* m_bottom = nullptr;  // the plot beside the comparison
  QLabel* m_comparison = nullptr;
  QTabWidget* m_compareTabs = nullptr;
  QLabel* m_fixedTitle = nullptr;
  QLabel* m_brokenTitle = nullptr;
  QListWidget* m_fixedGrid = nullptr;
  QListWidget* m_brokenGrid = nullptr;
  QTableWidget* m_confusion = nullptr;
  QLabel* m_cellTitle = nullptr;
  QListWidget* m_cellGrid = nullptr;

  // The two runs compared (copies: a refresh replaces m_runs) and what compareRuns said.
  StoredRun m_runA, m_runB;
  RunComparison m_compared;
  LatestJob<std::vector<ValidationSample>> m_imagesJob{this};
  LatestJob<std::vector<ValidationSample>> m_cellJob{this};
};

}  // namespace lb
