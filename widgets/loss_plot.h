#pragma once
// LossPlot: the live loss curve of a fit. Train loss per batch (raw, thin and faint; smoothed,
// solid) and valid loss per epoch against the epoch, with faint lines at epoch boundaries.
// addBatch/addEpoch only append to buffers; a timer redraws at most every 40 ms when something
// arrived, and long runs are decimated for display so a redraw costs the same at any length.
#include <QVector>
#include <QWidget>

#include "engine/train/progress.h"

class QCustomPlot;
class QCPGraph;
class QCPLayer;
class QCPItemText;
class QCPItemStraightLine;
class QTimer;

namespace lb {

// An earlier run's curves drawn under a live one (Branch: the parent run), faint and dashed.
struct GhostCurve {
  QString name;                  // "2026-12-03_09-20-01, lr 0.01"
  QVector<double> batchX, smooth;  // x in epochs, the smoothed train loss
  QVector<double> epochX, valid;   // the valid loss at the end of each epoch
};

class LossPlot : public QWidget {
  Q_OBJECT
 public:
  explicit LossPlot(QWidget* parent = nullptr);
  ~LossPlot() override;

  void addBatch(const BatchProgress& progress);
  void addEpoch(const EpochResult& result);
  void clear();  // forget everything, for a new run (the ghost stays)
  // The ghost under the live curves until clearGhost(); replaces any earlier one.
  void setGhost(const GhostCurve& ghost);
  void clearGhost();
  bool hasGhost() const { return !m_ghost.batchX.isEmpty() || !m_ghost.epochX.isEmpty(); }
  const GhostCurve& ghost() const { return m_ghost; }

  int batchPointCount() const { return int(m_batchX.size()); }
  int epochPointCount() const { return int(m_epochX.size()); }
  int displayedBatchPointCount() const;  // raw points handed to the plot at the last redraw

  // The sentence shown while there is nothing to plot.
  void setPlaceholderText(const QString& text);
  QCustomPlot* plot() const { return m_plot; }

  // Redraw now if something arrived (the timer calls this; tests and screenshots may too).
  void redraw();
  // Back to following the data (what a double-click does).
  void resetView();

 protected:
  void changeEvent(QEvent* event) override;

 private:
  // One display bucket of consecutive batches: its lowest and highest raw loss (drawn in x
  // order, so spikes survive decimation) and its last smoothed loss.
  struct Bucket {
    double minX = 0, minY = 0, maxX = 0, maxY = 0, lastX = 0, lastSmooth = 0;
  };
  static Bucket merge(const Bucket& a, const Bucket& b);

  void applyStyle();
  void applyRanges();
  void updateEpochLines();
  void showTooltip(const QPoint& pos);

  QCustomPlot* m_plot = nullptr;
  QCPGraph* m_rawGraph = nullptr;
  QCPGraph* m_smoothGraph = nullptr;
  QCPGraph* m_validGraph = nullptr;
  QCPGraph* m_ghostTrain = nullptr;
  QCPGraph* m_ghostValid = nullptr;
  GhostCurve m_ghost;
  QCPLayer* m_dataLayer = nullptr;  // the three graphs, buffered apart from the axes
  QCPItemText* m_placeholder = nullptr;
  QVector<QCPItemStraightLine*> m_epochLines;
  QTimer* m_timer = nullptr;

  // Everything that arrived, kept whole (hover reads it).
  QVector<double> m_batchX, m_batchLoss, m_batchSmooth;
  QVector<double> m_epochX, m_epochLoss;
  // Display decimation: complete buckets of m_bucketSize batches, plus the one being filled.
  QVector<Bucket> m_buckets;
  Bucket m_current;
  int m_currentCount = 0;
  int m_bucketSize = 1;

  int m_epochs = 0;  // epochs of the fit, from the batches (sets the x range ahead)
  int m_epochBoundaries = 0;
  bool m_dirty = false;
  bool m_followData = true;  // false once the user zooms or pans
  int m_displayedRaw = 0;
};

}  // namespace lb
