#include "app/presenter_mode.h"

#include <QAction>
#include <QFontMetrics>
#include <QMainWindow>
#include <QMenu>
#include <QScreen>
#include <algorithm>

#include "app/training_session.h"

namespace lb {

namespace {
constexpr double kLinesPerScreen = 30;  // 24-pixel lines at 720, 36 at 1080
}  // namespace

QFont scaledFont(const QFont& font, double factor) {
  QFont f = font;
  if (f.pointSizeF() > 0)
    f.setPointSizeF(font.pointSizeF() * factor);
  else
    f.setPixelSize(std::max(1, int(font.pixelSize() * factor + 0.5)));
  return f;
}

QRect fitInside(const QRect& geometry, const QRect& available) {
  if (available.isEmpty()) return geometry;
  QRect r(geometry.topLeft(), geometry.size().boundedTo(available.size()));
  r.moveLeft(std::clamp(r.left(), available.left(), available.right() - r.width() + 1));
  r.moveTop(std::clamp(r.top(), available.top(), available.bottom() - r.height() + 1));
  return r;
}

QPalette highContrastPalette() {
  QPalette p;
  const QColor black(Qt::black), white(Qt::white), yellow(0xff, 0xd7, 0x00);
  for (auto role : {QPalette::Window, QPalette::Base, QPalette::AlternateBase, QPalette::Button})
    p.setColor(role, role == QPalette::Button ? QColor(0x20, 0x20, 0x20) : black);
  for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText, QPalette::BrightText})
    p.setColor(role, white);
  p.setColor(QPalette::AlternateBase, QColor(0x18, 0x18, 0x18));
  p.setColor(QPalette::Highlight, yellow);
  p.setColor(QPalette::HighlightedText, black);
  p.setColor(QPalette::ToolTipBase, black);
  p.setColor(QPalette::ToolTipText, white);
  p.setColor(QPalette::PlaceholderText, QColor(0xd0, 0xd0, 0xd0));
  p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0xb0, 0xb0, 0xb0));
  p.setColor(QPalette::Disabled, QPalette::Text, QColor(0xb0, 0xb0, 0xb0));
  p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0xb0, 0xb0, 0xb0));
  return p;
}

PresenterMode::PresenterMode(QMainWindow* window, QWidget* content, TrainingSession* session,
                             std::function<void()> applyZoom)
    : QObject(window),
      m_window(window),
      m_content(content),
      m_session(session),
      m_applyZoom(std::move(applyZoom)) {
  m_toggle = new QAction(QStringLiteral("&Presenter view"), this);
  m_toggle->setObjectName(QStringLiteral("presenterAction"));
  m_toggle->setCheckable(true);
  m_toggle->setShortcut(QKeySequence(Qt::Key_F11));
  m_toggle->setToolTip(QStringLiteral(
      "Full screen with the page large enough to read from the back of a room; the project "
      "remembers it (F11)"));
  connect(m_toggle, &QAction::toggled, this, &PresenterMode::setOn);
  m_contrast = new QAction(QStringLiteral("&High contrast"), this);
  m_contrast->setObjectName(QStringLiteral("highContrastAction"));
  m_contrast->setCheckable(true);
  m_contrast->setToolTip(QStringLiteral("White on black for a washed-out projector"));
  connect(m_contrast, &QAction::toggled, this, &PresenterMode::setHighContrast);
  // Each project opens the way it was shown last.
  connect(session, &TrainingSession::projectChanged, this, [this] {
    const Classroom& c = m_session->project().classroom;
    m_highContrast = c.highContrast;
    m_contrast->setChecked(c.highContrast);
    if (m_on != c.presenter) {
      m_on = c.presenter;
      m_toggle->setChecked(c.presenter);
    }
    apply();
  });
}

double PresenterMode::contentScale(double zoom, const QFont& base) const {
  if (!m_on) return zoom;
  const QScreen* screen = m_window->screen();
  const int height = screen ? screen->geometry().height() : 720;
  const double line = std::max(1, QFontMetrics(base).height());
  return std::max(zoom, height / kLinesPerScreen / line);
}

void PresenterMode::addActions(QMenu* view) {
  view->addAction(m_toggle);
  view->addAction(m_contrast);
}

void PresenterMode::setOn(bool on) {
  m_toggle->setChecked(on);  // re-enters once through toggled, then m_on == on
  if (m_on == on) return;
  m_on = on;
  apply();
  remember();
}

void PresenterMode::setHighContrast(bool on) {
  m_contrast->setChecked(on);
  if (m_highContrast == on) return;
  m_highContrast = on;
  apply();
  remember();
}

void PresenterMode::apply() {
  if (m_on && !m_window->isFullScreen()) {
    m_wasMaximized = m_window->isMaximized();
    m_normalGeometry = m_window->geometry();
    // Without a window manager (a bare X server) full screen is only a flag: cover the screen.
    if (const QScreen* screen = m_window->screen()) m_window->setGeometry(screen->geometry());
    m_window->showFullScreen();
  } else if (!m_on && m_window->isFullScreen()) {
    if (m_wasMaximized)
      m_window->showMaximized();
    else
      m_window->showNormal();
    if (!m_wasMaximized && m_normalGeometry.isValid()) m_window->setGeometry(m_normalGeometry);
  }
  m_content->setPalette(m_highContrast ? highContrastPalette() : QPalette());
  m_content->setAutoFillBackground(m_highContrast);
  m_applyZoom();
}

void PresenterMode::remember() {
  Classroom c = m_session->project().classroom;
  c.presenter = m_on;
  c.highContrast = m_highContrast;
  m_session->setClassroom(c);
}

}  // namespace lb
