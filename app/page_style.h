#pragma once
// The small pieces every page of the window builds with, so they look alike: a page title, a
// wrapped selectable label, the page's primary button, the blank step icon. MainWindow's zoom
// finds titles and primary buttons by the properties set here and enlarges them.
#include <QIcon>
#include <QString>

class QLabel;
class QPushButton;

namespace lb {

// Property names MainWindow::applyZoom looks for.
inline constexpr const char* kTitleProperty = "lbTitle";      // larger, bold
inline constexpr const char* kPrimaryProperty = "lbPrimary";  // larger, bold, tall and wide
inline constexpr const char* kTallProperty = "lbTall";        // as tall as a primary button

QLabel* pageTitle(const QString& text);
QLabel* wrappedLabel(const QString& text = {});
// The page's one primary action in the palette's highlight colour, so it reads as the thing to
// press; also tall, wide and bold at every zoom.
void makePrimary(QPushButton* button);
// The step list's icon while a step is neither done nor failed.
QIcon blankIcon();
// "1 epoch", "3 epochs"
QString epochsWord(int n);

}  // namespace lb
