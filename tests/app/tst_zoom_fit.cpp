// Classroom zoom on a small screen: at 1280x720 and 2x zoom every control of the Train page's
// settings and button row lies inside the visible page (no sideways scrolling to reach Train),
// and a top-losses tile is tall enough for its two caption lines at a large font.
#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QtTest/QtTest>

#include "app/main_window.h"
#include "widgets/top_losses_view.h"
#include "common/window_test.h"

using namespace lb;

class TstZoomFit : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    lb::test::useOwnSettings("tst_zoom_fit");
  }

  void trainRowFitsAt2xOn1280x720() {
    MainWindow w;
    w.showStep(MainWindow::TrainStep);
    w.resize(1280, 720);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    while (w.zoom() < 2.0 - 1e-6) w.zoomIn();
    QCOMPARE(w.zoom(), 2.0);
    QApplication::processEvents();
    auto* train = w.findChild<QPushButton*>(QStringLiteral("trainButton"));
    QVERIFY(train);
    // The scroll area that holds the pages: what of the page the window shows.
    QScrollArea* scroll = nullptr;
    for (QWidget* p = train->parentWidget(); p && !scroll; p = p->parentWidget())
      scroll = qobject_cast<QScrollArea*>(p);
    QVERIFY(scroll);
    const QRect visible(scroll->viewport()->mapTo(&w, QPoint(0, 0)), scroll->viewport()->size());
    for (const char* name : {"epochsSpin", "lrSpin", "batchSizeSpin", "trainButton", "pauseButton",
                             "stopButton", "stepButton", "speedCombo"}) {
      auto* widget = w.findChild<QWidget*>(QLatin1String(name));
      QVERIFY2(widget, name);
      const QRect r(widget->mapTo(&w, QPoint(0, 0)), widget->size());
      QVERIFY2(visible.contains(r), qPrintable(QStringLiteral("%1 at %2,%3 %4x%5 outside %6x%7")
                                                   .arg(QLatin1String(name))
                                                   .arg(r.x()).arg(r.y())
                                                   .arg(r.width()).arg(r.height())
                                                   .arg(visible.width()).arg(visible.height())));
    }
    w.zoomReset();
  }

  void topLossTileHoldsTwoLinesAtALargeFont() {
    TopLossesView view;
    QFont big = view.font();
    big.setPointSizeF(big.pointSizeF() * 2.5);
    view.setFont(big);
    view.setClasses({"shirt", "sneaker"});
    TopLossTile t;
    t.item = TopLoss{3, 1, 0, 2.5, 0.87};
    t.image = Image8{4, 4, 1, std::vector<std::uint8_t>(16, 128)};
    view.setTiles({t});
    view.resize(1200, 900);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QWidget* tile = view.tileWidget(0);
    QVERIFY(tile);
    // The image, then two lines in the font the tile paints with.
    QVERIFY(tile->height() >= view.imageSize() + 2 * tile->fontMetrics().height() + 8);
  }
};

QTEST_MAIN(TstZoomFit)
#include "tst_zoom_fit.moc"
