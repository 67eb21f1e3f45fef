#pragma once
// DataPreviewView: what the data block produces, beside its editor: a show_batch grid, one image
// under several augmentations, the items per class in each split (a bar chart), the files that
// were skipped and the summary walk-through. Small images are scaled up by whole pixels
// (nearest neighbour) so a 28 x 28 image still reads on a projector.
#include <QImage>
#include <QWidget>
#include <vector>

#include "engine/data/data_preview.h"

class QCustomPlot;
class QGridLayout;
class QLabel;
class QPlainTextEdit;
class QProgressBar;

namespace lb {

// A copy of the pixels (the QImage owns them).
QImage toQImage(const PreviewImage& image);

class DataPreviewView : public QWidget {
  Q_OBJECT
 public:
  explicit DataPreviewView(QWidget* parent = nullptr);

  void showPreview(const DataPreview& preview);
  void clear(const QString& placeholder);
  // While a preview runs: an indicator and a sentence; the last result stays visible.
  void setBusy(bool busy);
  bool isBusy() const;

  int batchTileCount() const { return int(m_batch.size()); }
  int augmentedTileCount() const { return int(m_augmented.size()); }
  QCustomPlot* countsPlot() const { return m_plot; }

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void fillGrid(QGridLayout* grid, const std::vector<PreviewImage>& images);
  void fillCounts(const std::vector<ClassCount>& counts);
  void styleCounts();
  int tileSize() const;

  std::vector<PreviewImage> m_batch, m_augmented;
  QWidget* m_busy = nullptr;
  QProgressBar* m_busyBar = nullptr;
  QLabel* m_placeholder = nullptr;
  QWidget* m_content = nullptr;
  QLabel* m_batchTitle = nullptr;
  QGridLayout* m_batchGrid = nullptr;
  QLabel* m_augmentTitle = nullptr;
  QGridLayout* m_augmentGrid = nullptr;
  QLabel* m_countsTitle = nullptr;
  QCustomPlot* m_plot = nullptr;
  QLabel* m_skippedTitle = nullptr;
  QPlainTextEdit* m_skipped = nullptr;
  QPlainTextEdit* m_summary = nullptr;
};

}  // namespace lb
