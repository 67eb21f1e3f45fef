// Guess first on the top losses: a tile shows the actual label but neither the prediction nor
// its loss, mark or probability (not in its tooltip either) until a click reveals that tile or
// the space key reveals them all; new tiles (the next epoch) are hidden again.
#include <QDialog>
#include <QtTest/QtTest>

#include "widgets/top_losses_view.h"

using namespace lb;

namespace {
TopLossTile tile(long index, int predicted, int actual, double loss) {
  TopLossTile t;
  t.item = TopLoss{index, predicted, actual, loss, 0.87};
  t.image = Image8{4, 4, 1, std::vector<std::uint8_t>(16, 128)};
  return t;
}
std::vector<TopLossTile> tiles() { return {tile(3, 1, 0, 2.5), tile(7, 2, 2, 0.4)}; }
}  // namespace

class TestGuessFirst : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void hiddenUntilAClickRevealsTheTile() {
    TopLossesView view;
    view.setClasses({"shirt", "sneaker", "bag"});
    view.setTiles(tiles());
    view.setGuessFirst(true);
    view.resize(800, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    for (int i = 0; i < view.visibleCount(); ++i) {
      const QString tip = view.tileWidget(i)->toolTip();
      QVERIFY2(tip.contains(QStringLiteral("pred: ?")), qPrintable(tip));
      QVERIFY2(!tip.contains(QStringLiteral("sneaker")) && !tip.contains(QStringLiteral("loss")),
               qPrintable(tip));
    }
    QVERIFY(view.tileWidget(0)->toolTip().contains(QStringLiteral("actual: shirt")));
    QTest::mouseClick(view.tileWidget(0), Qt::LeftButton);
    QTRY_VERIFY(view.tileWidget(0)->toolTip().contains(QStringLiteral("pred: sneaker")));
    QVERIFY(view.tileWidget(0)->toolTip().contains(QStringLiteral("loss 2.50")));
    QVERIFY(view.tileWidget(1)->toolTip().contains(QStringLiteral("pred: ?")));
    QVERIFY(!view.details() || !view.details()->isVisible());  // revealing is not enlarging
  }

  void spaceRevealsAllAndNewTilesHideAgain() {
    TopLossesView view;
    view.setClasses({"shirt", "sneaker", "bag"});
    view.setTiles(tiles());
    view.setGuessFirst(true);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.activateWindow();
    view.setFocus();
    QTest::keyClick(&view, Qt::Key_Space);
    QTRY_VERIFY(view.revealed(0) && view.revealed(1));
    QTRY_VERIFY(view.tileWidget(1)->toolTip().contains(QStringLiteral("pred: bag")));
    view.setTiles(tiles());
    QVERIFY(!view.revealed(0));
    QVERIFY(view.tileWidget(0)->toolTip().contains(QStringLiteral("pred: ?")));
    view.setGuessFirst(false);
    QVERIFY(view.tileWidget(0)->toolTip().contains(QStringLiteral("pred: sneaker")));
  }
};

QTEST_MAIN(TestGuessFirst)
#include "tst_guess_first.moc"
