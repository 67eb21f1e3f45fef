#pragma once
// SchedulePlot: the learning rate (left axis) and momentum (right axis) that a planned fit will
// use at each batch, against the epoch, as fastai computes them (engine/train/schedule.h): one
// cycle, or fine_tune's two. The window plots engine/experiment/operations.h's plannedSchedule,
// the plan `train` runs. A cursor line marks where training is now.
#include <QWidget>
#include <utility>

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

  // The plan to draw; an empty plan (no phases, or itersPerEpoch 0) shows the placeholder.
  void setPlan(const SchedulePlan& plan);
  // A one-cycle fit of epochs x itersPerEpoch batches, fastai's defaults unless given.
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

  SchedulePlan m_plan;
  int m_epochs = 0;
  double m_lrMax = 1e-3;  // the plan's highest learning rate, for the axis
  std::pair<double, double> m_momRange{0.85, 0.95};
  double m_position = -1;
};

}  // namespace lb
