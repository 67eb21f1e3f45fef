#pragma once
// ConfusionMatrixView: fastai's confusion matrix as a coloured grid, rows the actual class and
// columns the predicted one, the count written in each cell; optionally normalised by row (each
// actual class sums to 1). Beside it the most confused pairs, largest first, down to a minimum
// count. Clicking a cell or a pair emits cellClicked(), so the page can show those images.
// Its minimum size holds every count at the view's font and the class names beside and under
// the cells (turned when they do not fit flat), so a page can give it that room (presenter
// view). "Guess first" covers matrix and list with a sentence and Reveal until revealed.
#include <QVector>
#include <QWidget>
#include <string>
#include <vector>

#include "engine/interpret/interpret_types.h"

class QCheckBox;
class QCustomPlot;
class QStackedWidget;
class QCPColorMap;
class QCPColorScale;
class QCPItemText;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace lb {

// Off-diagonal cells with count >= minCount, largest first (ties by actual, then predicted);
// fastai's most_confused(min_val).
std::vector<ConfusedPair> mostConfusedPairs(const Confusion& confusion, long minCount);

class ConfusionMatrixView : public QWidget {
  Q_OBJECT
 public:
  explicit ConfusionMatrixView(QWidget* parent = nullptr);
  ~ConfusionMatrixView() override;

  void setConfusion(const Confusion& confusion, const std::vector<std::string>& classes);
  void clear();

  void setNormalized(bool on);  // what the "Normalise by row" box does
  bool isNormalized() const;

  int classCount() const { return int(m_confusion.counts.size()); }
  const Confusion& confusion() const { return m_confusion; }
  // The coloured value of a cell: its count, or its share of the row when normalised.
  double cellValue(int actual, int predicted) const;
  // The text written in a cell.
  QString cellText(int actual, int predicted) const;
  // Whether the counts are drawn in the cells: only when the cells are big enough to hold them.
  bool countsShown() const;
  // The font the counts are drawn in now (smaller than the view's when the cells are small).
  QFont countFont() const;
  // Where a cell's centre is, in the plot's pixels (for tests and tooltips).
  QPointF cellCenter(int actual, int predicted) const;
  // The pairs listed now.
  const std::vector<ConfusedPair>& listedPairs() const { return m_pairs; }

  QCustomPlot* plot() const { return m_plot; }
  QCPColorMap* colorMap() const { return m_map; }
  QCheckBox* normalizeBox() const { return m_normalize; }
  QSpinBox* minCountBox() const { return m_minCount; }
  QTableWidget* pairList() const { return m_list; }
  void resetView();

  // The smallest size in which every count shows at the view's font and no class names overlap.
  QSize minimumSizeHint() const override;

  // Guess first: the matrix and the most confused pairs give the predictions away, so they are
  // covered by a sentence and a Reveal button (which uncovers them and emits revealed()).
  void setAnswersHidden(bool hidden);
  bool answersHidden() const;
  QPushButton* revealButton() const { return m_reveal; }

 Q_SIGNALS:
  void cellClicked(int actual, int predicted);
  void revealed();  // the Reveal button uncovered the answers

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void rebuild();
  void fillPairs();
  void applyStyle();
  void colourTexts();
  void showTextsThatFit();
  void turnClassNamesToFit();  // the column names flat, slanted or upright: whichever fits
  bool cellAt(const QPoint& pos, int* actual, int* predicted) const;
  void showTooltip(const QPoint& pos);

  QCustomPlot* m_plot = nullptr;
  QCPColorMap* m_map = nullptr;
  QCPColorScale* m_scale = nullptr;
  QCPItemText* m_placeholder = nullptr;
  QVector<QCPItemText*> m_texts;  // row-major, one per cell
  QCheckBox* m_normalize = nullptr;
  QSpinBox* m_minCount = nullptr;
  QTableWidget* m_list = nullptr;
  QStackedWidget* m_cover = nullptr;  // the matrix and list, or the guess-first sentence
  QPushButton* m_reveal = nullptr;

  Confusion m_confusion;
  std::vector<std::string> m_classes;
  std::vector<ConfusedPair> m_pairs;
  QPoint m_pressPos;
};

}  // namespace lb
