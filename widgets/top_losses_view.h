#pragma once
// TopLossesView: fastai's plot_top_losses as a grid of tiles, largest loss first. Each tile is the
// image, enlarged by whole pixels so a 28 x 28 image reads on a projector, with "pred: X /
// actual: Y" and "loss 4.21 · p 0.93" under it; wrong predictions carry a cross and the warning
// colour. Filters by actual and predicted class, an optional Grad-CAM overlay, and a click on a
// tile opens it large with a bar chart of every class's probability. "Guess first" (classroom
// mode) hides each tile's prediction, loss and right/wrong mark until a click on the tile or the
// space key (all tiles) reveals it; the actual label stays, so the class can guess. The
// Predicted filter hides too while a tile is hidden (choosing a class would answer).
#include <QImage>
#include <QVector>
#include <QWidget>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/interpret/interpret_types.h"

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QDialog;
class QGridLayout;
class QLabel;
class QScrollArea;

namespace lb {

// One tile: the interpretation's item with its image and (optionally) its Grad-CAM map and
// every class's probability.
struct TopLossTile {
  TopLoss item;
  Image8 image;
  HeatMap gradCam;                    // empty when there is none
  std::vector<double> probabilities;  // one per class, or empty
};

// The tiles of an interpretation, its images and maps matched by position.
std::vector<TopLossTile> topLossTiles(const Interpretation& interp);

// A tile's second caption line: "loss 4.21 · p 0.93", or "loss 4.21" when the probability is
// unknown (NaN: a replayed run stored before it was kept).
QString lossAndProbability(const TopLoss& item);

// The pixels as a QImage (grayscale or RGB); null when the sizes do not add up.
QImage image8ToQImage(const Image8& image);
// Grad-CAM's colours: inferno (perceptually uniform) with the given alpha, at the map's size.
QImage heatMapToQImage(const HeatMap& map, int alpha);

class TopLossesView : public QWidget {
  Q_OBJECT
 public:
  explicit TopLossesView(QWidget* parent = nullptr);
  ~TopLossesView() override;

  void setClasses(const std::vector<std::string>& classes);
  // The tiles, shown largest loss first.
  void setTiles(std::vector<TopLossTile> tiles);
  void setInterpretation(const Interpretation& interp);  // classes and tiles
  void clear();

  void setGradCamVisible(bool on);  // what the Grad-CAM box does
  bool gradCamVisible() const;
  // Filters by class index, -1 for any (what the combos do).
  void setActualFilter(int cls);
  void setPredictedFilter(int cls);

  // The tiles shown now, in order, and their widgets.
  int visibleCount() const { return int(m_visible.size()); }
  const TopLossTile& visibleTile(int i) const {
    return m_tiles[std::size_t(m_visible[std::size_t(i)])];
  }
  QWidget* tileWidget(int i) const;

  // Opens the large view of the i-th shown tile (what a click on it does).
  void openDetails(int i);
  QDialog* details() const { return m_details; }
  QCustomPlot* detailsPlot() const { return m_detailsPlot; }

  QComboBox* actualCombo() const { return m_actual; }
  QComboBox* predictedCombo() const { return m_predicted; }
  QCheckBox* gradCamBox() const { return m_gradCam; }

  // Guess first: predictions hidden until revealed; new tiles (an epoch ends) start hidden again.
  void setGuessFirst(bool on);
  bool guessFirst() const { return m_guessFirst; }
  bool revealed(int i) const;  // of the i-th shown tile
  void reveal(int i);          // the i-th shown tile, or every tile for -1 (what space does)

  // The image edge in a tile; grows with the font, so the global zoom enlarges the images too.
  int imageSize() const;

 Q_SIGNALS:
  void guessFirstChanged(bool on);
  void tilesRevealed(bool all);  // a tile (all: every tile, the space key) was revealed

 protected:
  void changeEvent(QEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  void fillCombos();
  void refilter();
  void layoutTiles();
  int columnCount() const;
  QString className(int cls) const;
  // The tile's image at `size` x `size`, with Grad-CAM when it is on.
  QPixmap render(const TopLossTile& tile, int size) const;
  void updateDetails();

  QComboBox* m_actual = nullptr;
  QComboBox* m_predicted = nullptr;
  QWidget* m_predictedLabel = nullptr;
  QCheckBox* m_gradCam = nullptr;
  QWidget* m_gradCamLegend = nullptr;  // "low [colours] high"
  QLabel* m_gradCamBar = nullptr;
  QLabel* m_message = nullptr;
  QScrollArea* m_scroll = nullptr;
  QWidget* m_grid = nullptr;
  QGridLayout* m_gridLayout = nullptr;
  QVector<QWidget*> m_tileWidgets;
  int m_columns = 0;

  std::vector<std::string> m_classes;
  std::vector<TopLossTile> m_tiles;
  std::vector<int> m_visible;  // indices into m_tiles
  bool m_guessFirst = false;
  std::set<int> m_revealed;  // indices into m_tiles

  QDialog* m_details = nullptr;  // made on the first click, then reused
  QCustomPlot* m_detailsPlot = nullptr;
  QLabel* m_detailsImage = nullptr;
  QLabel* m_detailsText = nullptr;
  // The tile the large view shows: a copy, so it stays while new tiles arrive (an epoch ends).
  std::optional<TopLossTile> m_detailsTile;

  friend class TopLossTileWidget;
};

}  // namespace lb
