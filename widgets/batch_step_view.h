#pragma once
// BatchStepView: the batch one Step trained (engine/train/batch_pace.h), for a class to watch a
// model learn: the batch's loss before and after the step in large type, then its images, each
// with its actual class and the model's prediction (with its probability) before and after the
// step; a wrong prediction carries a cross and the warning colour, a right one a tick. Before
// the first step it says what Step will show.
#include <QWidget>
#include <string>
#include <vector>

#include "engine/train/batch_pace.h"

class QGridLayout;
class QLabel;
class QScrollArea;

namespace lb {

class BatchStepView : public QWidget {
  Q_OBJECT
 public:
  explicit BatchStepView(QWidget* parent = nullptr);

  void setReport(const BatchStepReport& report, const std::vector<std::string>& classes);
  void clear();
  bool hasReport() const { return m_hasReport; }
  int tileCount() const { return m_tiles; }
  QString headline() const;  // the loss sentence above the images
  // The text under tile i: "actual: Coat", "before: ✗ Shirt 31%", "after: ✓ Coat 54%".
  QString tileText(int i) const;

 protected:
  void resizeEvent(QResizeEvent* event) override;

 private:
  void layoutTiles();  // as many columns as the width holds
  QLabel* m_headline = nullptr;
  QScrollArea* m_scroll = nullptr;
  QWidget* m_grid = nullptr;
  QGridLayout* m_gridLayout = nullptr;
  QLabel* m_placeholder = nullptr;
  std::vector<QLabel*> m_texts;
  std::vector<QWidget*> m_tileWidgets;
  int m_columns = 0;
  int m_tiles = 0;
  bool m_hasReport = false;
};

}  // namespace lb
