#pragma once
// InspectPage: the Inspect step. After every epoch of a run (and on Refresh, F5) the images the
// model gets most wrong with their Grad-CAM maps and the confusion matrix; a click on a cell
// shows that cell's images. Multi-label projects get per-label metrics at a threshold, regression
// projects a predicted-against-actual scatter. Requests go through the TrainingSession.
// The matrix stands beside the top losses when the page is wide enough for both (its minimum
// size holds every count), below them otherwise (presenter view on a 1280x720 projector). In
// guess first the matrix and its pairs stay covered until revealed (Reveal, or space over the
// top losses), again for each new model, and the page says so.
#include <QWidget>

#include "engine/interpret/interpret_types.h"

class QLabel;
class QPushButton;
class QSplitter;
class QStackedWidget;

namespace lb {

class ConfusionMatrixView;
class MultiLabelView;
class RegressionView;
class TopLossesView;
class TrainingSession;

class InspectPage : public QWidget {
  Q_OBJECT
 public:
  explicit InspectPage(TrainingSession* session, QWidget* parent = nullptr);

  // Top losses and the confusion matrix of the last trained model, again.
  void inspect();
  // The top losses among the items of one confusion-matrix cell (what a click on it does);
  // -1 -1 shows the largest losses of all items again.
  void inspectCell(int actual, int predicted);
  // The project's last checkpoint, when the page shows nothing yet (a project trained in an
  // earlier session): what the page does when it is opened.
  void inspectTrainedModel();
  QSplitter* splitter() const { return m_splitter; }
  QLabel* guessFirstNote() const { return m_guessNote; }

 Q_SIGNALS:
  // What the page shows, in words, for the step list: `ok` false when there is nothing to show.
  void stepState(bool ok, const QString& text);
  // "Clean these labels": the Clean labels step, on `actualClass` (-1: all classes).
  void cleanLabels(int actualClass);

 private:
  void onInterpreted(const Interpretation& result);
  void clear(const QString& message);  // empty views, the message in their place
  void showSummary();  // m_summary in words, above the top losses
  void onStateChanged();
  void placeMatrix();        // beside the top losses when both fit, below them otherwise
  void showGuessFirst();     // covers or uncovers the matrix, says what is hidden

 protected:
  void resizeEvent(QResizeEvent* event) override;
  void changeEvent(QEvent* event) override;

 private:

  TrainingSession* m_session;
  ItemFilter m_filter;  // which items the top losses come from
  bool m_hasResults = false;
  // What the top losses and the confusion matrix shown now are of, for the words above them.
  struct Summary {
    QString items, accuracy, which;
    int epoch = 0;  // the epoch of a run still training, 0 once it is over (or for Refresh)
  };
  Summary m_summary;
  bool m_matrixRevealed = false;  // guess first: the matrix of the model shown was revealed

  QLabel* m_message = nullptr;
  QLabel* m_guessNote = nullptr;
  QPushButton* m_refreshButton = nullptr;
  QPushButton* m_showAllButton = nullptr;
  QSplitter* m_splitter = nullptr;
  TopLossesView* m_topLosses = nullptr;
  ConfusionMatrixView* m_confusion = nullptr;
  MultiLabelView* m_multiLabel = nullptr;
  RegressionView* m_regression = nullptr;
  QStackedWidget* m_views = nullptr;  // the view that fits the project's target
};

}  // namespace lb
