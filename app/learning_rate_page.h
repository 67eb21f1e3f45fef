#pragma once
// LearningRatePage: the Learning rate step. Find learning rate runs fastai's LR finder on the
// session's worker and draws the loss against the rate as it sweeps; its four suggestions are
// marked, and a click on the curve or a marker sets the learning rate the Train page uses.
#include <QWidget>

class QLabel;
class QPushButton;

namespace lb {

class LrFinderPlot;
class TrainingSession;
struct LrFindResult;

class LearningRatePage : public QWidget {
  Q_OBJECT
 public:
  explicit LearningRatePage(TrainingSession* session, QWidget* parent = nullptr);

  void findLearningRate();

 Q_SIGNALS:
  void statusMessage(const QString& text);
  // The finder gave its suggestions: the step is done, with `text` on hover.
  void stepDone(const QString& text);

 private:
  void onFound(const LrFindResult& result, bool stopped);
  void onFailed(const QString& sentence);
  void onLrChosen(double lr);
  void onStateChanged();
  void resetWords();

  TrainingSession* m_session;
  QPushButton* m_findButton = nullptr;
  LrFinderPlot* m_plot = nullptr;
  QLabel* m_suggestions = nullptr;
};

}  // namespace lb
