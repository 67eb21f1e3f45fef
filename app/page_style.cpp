#include "app/page_style.h"

#include <QLabel>
#include <QPixmap>
#include <QPushButton>

namespace lb {

QLabel* pageTitle(const QString& text) {
  auto* label = new QLabel(text);
  QFont f = label->font();
  f.setBold(true);
  label->setFont(f);
  label->setProperty(kTitleProperty, true);
  return label;
}

QLabel* wrappedLabel(const QString& text) {
  auto* label = new QLabel(text);
  label->setWordWrap(true);
  label->setTextInteractionFlags(Qt::TextSelectableByMouse);
  return label;
}

void makePrimary(QPushButton* button) {
  button->setDefault(true);
  QPalette primary = button->palette();
  for (auto group : {QPalette::Active, QPalette::Inactive}) {
    primary.setColor(group, QPalette::Button, primary.color(QPalette::Highlight));
    primary.setColor(group, QPalette::ButtonText, primary.color(QPalette::HighlightedText));
  }
  button->setPalette(primary);
  button->setProperty(kPrimaryProperty, true);
}

QIcon blankIcon() {
  QPixmap pm(16, 16);
  pm.fill(Qt::transparent);
  return QIcon(pm);
}

QString epochsWord(int n) {
  return n == 1 ? QStringLiteral("1 epoch") : QStringLiteral("%1 epochs").arg(n);
}

}  // namespace lb
