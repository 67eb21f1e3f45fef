#pragma once
// RegressionView: how a regression model does on the validation set. A scatter of predicted (y)
// against actual (x) on equal axes with the y = x line (points on it are exact), the worst
// residuals ringed; MAE, RMSE and R² in words; and the worst residuals as image tiles,
// "predicted 3.2 / actual 7.0", largest |predicted - actual| first. Hover names the item under
// the cursor; wheel zooms, drag pans, double-click resets; "Save as..." exports PNG, PDF or CSV.
#include <QVector>
#include <QWidget>

#include "engine/interpret/interpret_types.h"

class QCPGraph;
class QCPItemText;
class QCustomPlot;
class QGridLayout;
class QLabel;
class QScrollArea;

namespace lb {

class RegressionView : public QWidget {
  Q_OBJECT
 public:
  explicit RegressionView(QWidget* parent = nullptr);
  ~RegressionView() override;

  void setInterpretation(const Interpretation& interp);  // its regression report
  void clear();

  int pointCount() const;  // items on the scatter
  int tileCount() const { return int(m_tiles.size()); }
  QWidget* tile(int i) const;  // the i-th worst residual's tile, largest first
  QString tileText(int i) const;
  // The image edge in a tile; grows with the font, so the global zoom enlarges the images too.
  int imageSize() const;

  QCustomPlot* plot() const { return m_plot; }
  QCPGraph* points() const { return m_points; }
  QLabel* summaryLabel() const { return m_summary; }
  void resetView();

 protected:
  void changeEvent(QEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  void rebuildPlot();
  void rebuildTiles();
  void placeTiles();
  void applyStyle();
  void showTooltip(const QPoint& pos);

  QCustomPlot* m_plot = nullptr;
  QCPGraph* m_points = nullptr;
  QCPGraph* m_worst = nullptr;
  QCPGraph* m_identity = nullptr;
  QCPItemText* m_placeholder = nullptr;
  QLabel* m_summary = nullptr;
  QLabel* m_tilesTitle = nullptr;
  QScrollArea* m_scroll = nullptr;
  QWidget* m_grid = nullptr;
  QGridLayout* m_gridLayout = nullptr;
  QVector<QWidget*> m_tiles;
  int m_columns = 0;

  RegressionReport m_report;
  std::vector<std::string> m_names;  // the validation items' file names, when known
};

}  // namespace lb
