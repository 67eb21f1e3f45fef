#include "widgets/flow_layout.h"

#include <QStyle>
#include <QWidget>
#include <algorithm>

namespace lb {

FlowLayout::FlowLayout(int spacing) : m_spacing(spacing) {}

FlowLayout::~FlowLayout() {
  while (QLayoutItem* item = takeAt(0)) delete item;
}

void FlowLayout::addItem(QLayoutItem* item) { m_items.append(item); }

QLayoutItem* FlowLayout::takeAt(int index) {
  return index >= 0 && index < m_items.size() ? m_items.takeAt(index) : nullptr;
}

int FlowLayout::gap() const {
  if (m_spacing >= 0) return m_spacing;
  const QWidget* parent = parentWidget();
  return parent ? parent->style()->pixelMetric(QStyle::PM_LayoutHorizontalSpacing, nullptr, parent)
                : 6;
}

QSize FlowLayout::minimumSize() const {
  // As narrow as the widest item: everything else can go on a line of its own.
  QSize size;
  for (const QLayoutItem* item : m_items)
    if (!item->isEmpty()) size = size.expandedTo(item->minimumSize());
  const QMargins m = contentsMargins();
  return size + QSize(m.left() + m.right(), m.top() + m.bottom());
}

QSize FlowLayout::sizeHint() const {
  // Everything on one line.
  int width = 0, height = 0;
  for (const QLayoutItem* item : m_items) {
    if (item->isEmpty()) continue;
    width += (width > 0 ? gap() : 0) + item->sizeHint().width();
    height = std::max(height, item->sizeHint().height());
  }
  const QMargins m = contentsMargins();
  return {width + m.left() + m.right(), height + m.top() + m.bottom()};
}

void FlowLayout::setGeometry(const QRect& rect) {
  QLayout::setGeometry(rect);
  arrange(rect, true);
}

int FlowLayout::arrange(const QRect& rect, bool apply) const {
  const QRect area = rect.marginsRemoved(contentsMargins());
  const int space = gap();
  int x = area.x(), y = area.y(), lineHeight = 0;
  QList<QLayoutItem*> line;
  // Items of a line share its height and are centred in it, like a box layout's row.
  const auto placeLine = [&] {
    if (apply)
      for (QLayoutItem* item : line) {
        const QRect r = item->geometry();
        const int h = item->expandingDirections() & Qt::Vertical ? lineHeight : r.height();
        item->setGeometry(QRect(QPoint(r.x(), y + (lineHeight - h) / 2), QSize(r.width(), h)));
      }
    line.clear();
  };
  for (QLayoutItem* item : m_items) {
    if (item->isEmpty()) continue;
    // An item wider than the whole line is narrowed to it (a label then wraps).
    const QSize hint(std::min(item->sizeHint().width(), std::max(area.width(), 0)),
                     item->sizeHint().height());
    if (!line.isEmpty() && x + hint.width() > area.right() + 1) {
      placeLine();
      x = area.x();
      y += lineHeight + space;
      lineHeight = 0;
    }
    if (apply) item->setGeometry(QRect(QPoint(x, y), hint));  // x kept for placeLine
    line.append(item);
    x += hint.width() + space;
    lineHeight = std::max(lineHeight, hint.height());
  }
  placeLine();
  const QMargins m = contentsMargins();
  return y + lineHeight - rect.y() + m.bottom();
}

}  // namespace lb
