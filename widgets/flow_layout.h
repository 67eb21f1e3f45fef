#pragma once
// FlowLayout: lays its items left to right like words in a paragraph, starting a new line when
// the next item would pass the right edge, so a row of controls stays whole at any zoom instead
// of widening the page past the window (the Train page's settings and buttons). Items keep
// their size hints; the layout's height follows its width (heightForWidth).
#include <QLayout>
#include <QList>

namespace lb {

class FlowLayout : public QLayout {
 public:
  // spacing: the gap between items, across and between lines (-1: the style's).
  explicit FlowLayout(int spacing = -1);
  ~FlowLayout() override;

  void addItem(QLayoutItem* item) override;
  int count() const override { return int(m_items.size()); }
  QLayoutItem* itemAt(int index) const override { return m_items.value(index); }
  QLayoutItem* takeAt(int index) override;
  Qt::Orientations expandingDirections() const override { return {}; }
  bool hasHeightForWidth() const override { return true; }
  int heightForWidth(int width) const override { return arrange(QRect(0, 0, width, 0), false); }
  QSize minimumSize() const override;
  QSize sizeHint() const override;
  void setGeometry(const QRect& rect) override;

 private:
  // Places (when apply) the visible items in rect; returns the height they need.
  int arrange(const QRect& rect, bool apply) const;
  int gap() const;

  QList<QLayoutItem*> m_items;
  int m_spacing;
};

}  // namespace lb
