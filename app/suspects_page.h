#pragma once
// SuspectsPage: the Clean labels step. "Find suspects" ranks the items whose label is most likely
// wrong (engine/experiment/suspects.h: k-fold out-of-sample predictions, on a thread of its own
// with progress and Stop); the grid shows each with its score, given and predicted label, large
// enough to judge. Keep (K), Relabel as predicted (R), Relabel as the class of a digit key
// (1..9, 0), Exclude (E) decide about the selected item and move to the next; Undo and Redo
// (Ctrl+Z, Ctrl+Shift+Z). Every decision is appended to the project's cleaning journal at once
// (engine/project/cleaning_journal.h); a decision on a validation item asks first. "Apply to
// the files" moves them on disk, after a question, with its undo. GUI thread only.
#include <QFutureWatcher>
#include <QWidget>

#include <atomic>

#include "engine/experiment/suspects.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace lb {

class TrainingSession;

class SuspectsPage : public QWidget {
  Q_OBJECT
 public:
  explicit SuspectsPage(TrainingSession* session, QWidget* parent = nullptr);
  ~SuspectsPage() override;  // stops a search still running and waits for it

  // Shows the suspects kept with the project (the last search), with `actualClass` (-1: all)
  // as the class filter.
  void showSuspects(int actualClass = -1);
  void findSuspects();
  void stop();
  // Keep, relabel (to class `cls`; -1: as predicted) or exclude the selected item, then select
  // the next. Returns false when nothing was decided (no selection, or the question declined).
  bool decide(int action, int cls = -1);
  void undo();
  void redo();
  QListWidget* list() const { return m_list; }
  // Answers the question about validation items without asking (tests, screenshots).
  void setConfirmValidation(bool ask) { m_askValidation = ask; }

 Q_SIGNALS:
  void decisionsChanged();

 private:
  void refill();      // the grid from m_report, the filter and the journal
  void showCounts();  // the decisions in effect, in words
  void undoOrRedo(bool undo);
  void applyToFiles();
  void undoApply();
  void checkAgreement();
  Project project() const;

  TrainingSession* m_session;
  SuspectReport m_report;
  std::atomic<bool> m_stop{false};
  QFutureWatcher<SuspectReport> m_search;
  QFutureWatcher<QString> m_agreement;
  bool m_askValidation = true;

  QLabel* m_message = nullptr;
  QSpinBox* m_folds = nullptr;
  QSpinBox* m_epochs = nullptr;
  QPushButton* m_findButton = nullptr;
  QPushButton* m_stopButton = nullptr;
  QProgressBar* m_progress = nullptr;
  QComboBox* m_classFilter = nullptr;
  QCheckBox* m_showDecided = nullptr;
  QListWidget* m_list = nullptr;
  QComboBox* m_relabelAs = nullptr;
  QLabel* m_counts = nullptr;
  QPushButton* m_applyButton = nullptr;
  QPushButton* m_undoApplyButton = nullptr;
  QPushButton* m_agreeButton = nullptr;
};

}  // namespace lb
