#pragma once
// LrFinderPlot: the learning-rate finder's curve as fastai's plot_lr_find draws it, the smoothed
// loss against the learning rate on a log axis without the last 5 points, with the four
// suggestions (valley, slide, minimum, steep) marked and named with their lr. Clicking the curve
// or a marker chooses that lr: a vertical line shows it and lrChosen() tells the page.
#include <QVector>
#include <QWidget>

#include "engine/train/lr_find_types.h"

class QCustomPlot;
class QCPGraph;
class QCPItemText;
class QCPItemStraightLine;
class QCPItemTracer;

namespace lb {

class LrFinderPlot : public QWidget {
  Q_OBJECT
 public:
  // fastai's plot_lr_find leaves out the last points, where the loss shoots up.
  static constexpr int kSkipEnd = 5;

  explicit LrFinderPlot(QWidget* parent = nullptr);
  ~LrFinderPlot() override;

  // A finished sweep: its curve and its suggestions.
  void setResult(const LrFindResult& result);
  // One more point of a sweep under way (no suggestions yet).
  void addPoint(const LrFindPoint& point);
  void clear();

  // The vertical line at the chosen lr; NaN hides it. Does not emit lrChosen.
  void setChosenLr(double lr);
  double chosenLr() const { return m_chosenLr; }

  // Points drawn (all recorded but the last kSkipEnd).
  int curvePointCount() const;
  // Where a suggestion's marker sits, in plot coordinates; false when it has none.
  // Order: 0 valley, 1 slide, 2 minimum, 3 steep.
  bool markerPosition(int which, double* lr, double* loss) const;

  QCustomPlot* plot() const { return m_plot; }
  void resetView();

 Q_SIGNALS:
  void lrChosen(double lr);

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void rebuild();
  void applyStyle();
  void showTooltip(const QPoint& pos);
  void pick(const QPoint& pos);
  // The index of the drawn point nearest `pos` on screen, or -1 beyond `maxPixels`.
  int nearestPoint(const QPoint& pos, double maxPixels) const;

  QCustomPlot* m_plot = nullptr;
  QCPGraph* m_curve = nullptr;
  QCPGraph* m_markers[4] = {};
  QCPItemTracer* m_anchors[4] = {};  // the labels hang off these, offset in pixels
  QCPItemText* m_labels[4] = {};
  QCPItemText* m_placeholder = nullptr;
  QCPItemStraightLine* m_chosenLine = nullptr;
  QCPItemText* m_chosenLabel = nullptr;

  std::vector<LrFindPoint> m_points;
  Suggestions m_suggestions;
  QVector<double> m_lrs, m_losses;  // the drawn curve
  double m_chosenLr = std::nan("");
  QPoint m_pressPos;
};

}  // namespace lb
