#pragma once
// Presenter view (View > Presenter, F11): the window full screen, the page content (text, plot
// labels and lines, thumbnails) enlarged for the back of a room while the step list, menus and
// toolbars keep their size, and a high-contrast palette on request. The project remembers both
// (Classroom::presenter, ::highContrast); MainWindow::applyZoom asks contentScale() for the
// pages' font. Also the small screen helpers the window's geometry needs.
#include <QFont>
#include <QObject>
#include <QPalette>
#include <QRect>
#include <functional>

class QAction;
class QMainWindow;
class QMenu;
class QWidget;

namespace lb {

class TrainingSession;

// `font` with its size multiplied by `factor` (point or pixel size, whichever it has).
QFont scaledFont(const QFont& font, double factor);
// `geometry` moved and shrunk to lie inside `available` (a window saved on a larger screen).
QRect fitInside(const QRect& geometry, const QRect& available);
// White on black, yellow highlight: readable on a washed-out projector.
QPalette highContrastPalette();

class PresenterMode : public QObject {
  Q_OBJECT
 public:
  // `content` is what presenter view enlarges (the pages); `applyZoom` restyles the window.
  PresenterMode(QMainWindow* window, QWidget* content, TrainingSession* session,
                std::function<void()> applyZoom);

  bool isOn() const { return m_on; }
  bool highContrast() const { return m_highContrast; }
  // How much larger than `base` (the normal font) the pages are: in presenter view at least the
  // zoom and enough for 30 lines of text on the screen's height (lines 24 pixels tall at 720,
  // 36 at 1080); otherwise the zoom.
  double contentScale(double zoom, const QFont& base) const;
  // Turns presenter view on or off; the project remembers it (not an edit of the example).
  void setOn(bool on);
  void setHighContrast(bool on);
  // View > Presenter (F11) and View > High contrast.
  void addActions(QMenu* view);
  QAction* toggleAction() const { return m_toggle; }

 private:
  void apply();  // window state, palette and fonts from m_on and m_highContrast
  void remember();

  QMainWindow* m_window;
  QWidget* m_content;
  TrainingSession* m_session;
  std::function<void()> m_applyZoom;
  bool m_on = false;
  bool m_highContrast = false;
  bool m_wasMaximized = false;
  QRect m_normalGeometry;  // the window's place before presenter view
  QAction* m_toggle = nullptr;
  QAction* m_contrast = nullptr;
};

}  // namespace lb
