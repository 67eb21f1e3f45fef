#pragma once
// SchedulePlot: the learning rate (left axis) and momentum (right axis) that a planned one-cycle
// fit will use at each batch, against the epoch, as fastai's one-cycle policy computes them
// (engine/train/schedule.h). A cursor line marks where training is now.
#include <QWidget>

#include "engine/train/schedule.h"

class QCustomPlot;
class QCPGraph;
class QCPLayer;
class QCPItemText;
class QCPItemStraightLine;

namespace lb {

class SchedulePlot : public QWidget {
  Q_OBJECT
 public:
  explicit SchedulePlot(QWidget* parent = nullptr);
  ~SchedulePlot() override;

  // A fit of epochs x itersPerEpoch batches with fastai's one-cycle defaults.
  void setPlan(int epochs, int itersPerEpoch, double lrMax, double pctStart = 0.25,
               double div = 25.0, double divFinal = 1e5, double momHigh = 0.95,
               double momLow = 0.85);
  void clear();

  // Where training is, in epochs (1.5 = half way through the second); negative hides the cursor.
  void setPosition(double epochs);
  double position() const { return m_position; }

  // The schedule at a position in epochs (what the curves and the hover show).
  ScheduleValue valueAt(double epochs) const;
  int epochs() const { return m_epochs; }

  QCustomPlot* plot() const { return m_plot; }
  QCPGraph* lrGraph() const { return m_lrGraph; }
  QCPGraph* momentumGraph() const { return m_momGraph; }
  QCPItemStraightLine* cursor() const { return m_cursor; }
  void resetView();

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void applyStyle();
  void showTooltip(const QPoint& pos);

  QCustomPlot* m_plot = nullptr;
  QCPGraph* m_lrGraph = nullptr;
  QCPGraph* m_momGraph = nullptr;
  QCPItemStraightLine* m_cursor = nullptr;
  QCPItemText* m_cursorLabel = nullptr;
  QCPLayer* m_cursorLayer = nullptr;  // the cursor and its label, repainted alone
  QCPItemText* m_placeholder = nullptr;

  OneCycleOptions m_options;
  int m_epochs = 0;
  int m_itersPerEpoch = 0;
  double m_position = -1;
};

}  // namespace lb
