// Guess first on the Inspect page (issue 12): besides the tiles, the confusion matrix, the most
// confused pairs and the Predicted filter would give the model's answers away, so they stay
// hidden until the teacher reveals them (Reveal, or space over the top losses for everything),
// the page says what is hidden and how to reveal it, and another model's results hide again.
#include <QComboBox>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>

#include "app/inspect_page.h"
#include "app/main_window.h"
#include "app/training_session.h"
#include "common/test_support.h"
#include "common/window_test.h"
#include "widgets/confusion_matrix_view.h"
#include "widgets/qcustomplot_include.h"
#include "widgets/top_losses_view.h"

using namespace lb;

namespace {
Interpretation results(long offDiagonal) {
  Interpretation in;
  in.classes = {"shirt", "sneaker", "bag"};
  in.confusion.counts = {{50, offDiagonal, 2}, {4, 60, 1}, {0, 3, 70}};
  in.validItems = in.confusion.total();
  in.topLosses = {TopLoss{3, 1, 0, 2.5, 0.87}, TopLoss{7, 2, 1, 1.5, 0.6}};
  in.images.assign(2, Image8{4, 4, 1, std::vector<std::uint8_t>(16, 128)});
  return in;
}
}  // namespace

class TstInspectGuessFirst : public QObject {
  Q_OBJECT
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void initTestCase() {
    lb::test::useOwnSettings("tst_inspect_guess_first");
    if (!std::filesystem::exists(test::fashionMnistDir()))
      QSKIP("Fashion-MNIST is not installed (package dataset-fashion-mnist)");
    QVERIFY(m_dir.isValid());
  }

  void matrixPairsAndFilterHiddenUntilRevealed() {
    Project p = loadProject(test::exampleProjectFile().toStdString());
    p.data.limit = 300;
    const QString file = m_dir.filePath(QStringLiteral("g.lbproj"));
    saveProject(p, file.toStdString());
    MainWindow w;
    QVERIFY(w.openProject(file));
    w.resize(1400, 900);
    w.show();
    w.showStep(MainWindow::InspectStep);
    w.findChild<QAction*>(QStringLiteral("guessFirstAction"))->trigger();
    Q_EMIT w.session()->interpreted(results(9));
    auto* page = w.findChild<InspectPage*>();
    auto* matrix = w.findChild<ConfusionMatrixView*>(QStringLiteral("confusionMatrix"));
    auto* tiles = w.findChild<TopLossesView*>(QStringLiteral("topLosses"));
    QVERIFY(page && matrix && tiles);
    QTRY_VERIFY(tiles->isVisible());

    // Hidden: the matrix, the pairs, the Predicted filter; the page says how to reveal.
    QVERIFY(!matrix->plot()->isVisible());
    QVERIFY(!matrix->pairList()->isVisible());
    QVERIFY(!tiles->predictedCombo()->isVisible());
    QVERIFY(tiles->actualCombo()->isVisible());
    QVERIFY(page->guessFirstNote()->isVisible());
    const QString note = page->guessFirstNote()->text();
    QVERIFY2(note.contains(QStringLiteral("confusion matrix")) &&
                 note.contains(QStringLiteral("space")) && note.contains(QStringLiteral("Reveal")),
             qPrintable(note));
    QVERIFY(matrix->revealButton()->isVisible());

    // Reveal shows the matrix and its pairs; the tiles stay to be guessed.
    matrix->revealButton()->click();
    QVERIFY(matrix->plot()->isVisible());
    QVERIFY(matrix->pairList()->isVisible());
    QVERIFY(!tiles->revealed(0));
    QVERIFY(!tiles->predictedCombo()->isVisible());
    // The same model's results again (a cell's images): still revealed.
    Q_EMIT w.session()->interpreted(results(9));
    QVERIFY(matrix->plot()->isVisible());
    // Another model's: hidden again.
    Q_EMIT w.session()->interpreted(results(11));
    QVERIFY(!matrix->plot()->isVisible());

    // Space over the top losses reveals everything.
    tiles->reveal(-1);
    QTRY_VERIFY(tiles->predictedCombo()->isVisible());
    QVERIFY(matrix->plot()->isVisible());
    QVERIFY(matrix->pairList()->isVisible());
    QVERIFY(!page->guessFirstNote()->isVisible());

    // Guess first off: nothing hidden, even for a new model.
    w.findChild<QAction*>(QStringLiteral("guessFirstAction"))->trigger();
    Q_EMIT w.session()->interpreted(results(13));
    QVERIFY(matrix->plot()->isVisible());
    QVERIFY(tiles->predictedCombo()->isVisible());
    QVERIFY(!page->guessFirstNote()->isVisible());
  }
};

QTEST_MAIN(TstInspectGuessFirst)
#include "tst_inspect_guess_first.moc"
