#pragma once
// MultiLabelView: how a multi-label model does at a threshold (fastai's accuracy_multi: a label
// is predicted when its probability is above the threshold). A threshold slider and spin box,
// one table row per label (items that carry it, accuracy, precision, recall, F1) and a bar of
// F1 per label, all recomputed live as the threshold moves; the overall accuracy_multi and the
// best threshold of 0.05, 0.10, ..., 0.95 (a click on it sets it). Numbers come from
// engine/interpret/target_reports.h, the same as the CLI's per_label.csv.
#include <QWidget>

#include "engine/interpret/interpret_types.h"

class QCPBars;
class QCPItemText;
class QCustomPlot;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSlider;
class QTableWidget;

namespace lb {

class MultiLabelView : public QWidget {
  Q_OBJECT
 public:
  // The table's columns, in order.
  enum Column { kLabel, kSupport, kAccuracy, kPrecision, kRecall, kF1, kBestThreshold, kColumns };

  explicit MultiLabelView(QWidget* parent = nullptr);
  ~MultiLabelView() override;

  void setInterpretation(const Interpretation& interp);  // its multiLabel report
  void clear();

  double threshold() const;
  void setThreshold(double t);  // what the slider, the spin box and the best-threshold button do
  double bestThreshold() const { return m_best; }

  QDoubleSpinBox* thresholdBox() const { return m_spin; }
  QSlider* thresholdSlider() const { return m_slider; }
  QTableWidget* table() const { return m_table; }  // each number also as Qt::UserRole, unrounded
  QLabel* overallLabel() const { return m_overall; }
  QPushButton* bestButton() const { return m_bestButton; }
  QCustomPlot* plot() const { return m_plot; }

 Q_SIGNALS:
  void thresholdChanged(double threshold);

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void recompute();
  void applyStyle();
  void resetView();

  QDoubleSpinBox* m_spin = nullptr;
  QSlider* m_slider = nullptr;
  QLabel* m_overall = nullptr;
  QPushButton* m_bestButton = nullptr;
  QTableWidget* m_table = nullptr;
  QCustomPlot* m_plot = nullptr;
  QCPBars* m_bars = nullptr;
  QCPItemText* m_placeholder = nullptr;

  MultiLabelReport m_report;
  double m_best = 0.5;
};

}  // namespace lb
