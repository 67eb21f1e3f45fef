// The Runs page in the real window (offscreen): two runs with different learning rates show as
// two rows and two overlaid pairs of curves, Compare states the fixed/broken counts the stored
// predictions give and shows those images with their true label and both predictions, a click on
// a confusion-difference cell shows the images that moved there, Run again trains a third run
// whose per-batch losses equal the first's, Branch with another seed trains a fourth with its
// parent's curve as a ghost on the Train page, and Group seeds draws the first's three seeds as
// one mean curve with a band; after the split changes, Inspect names the run whose data block
// the last model's results belong to.
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>

#include "app/main_window.h"
#include "app/inspect_page.h"
#include "app/runs_page.h"
#include "app/train_page.h"
#include "app/training_session.h"
#include "engine/experiment/operations.h"
#include "engine/project/run_analysis.h"
#include "engine/project/run_store.h"
#include "widgets/loss_plot.h"
#include "widgets/qcustomplot_include.h"
#include <QListWidget>
#include "common/window_test.h"

class TstRunsPage : public QObject {
  Q_OBJECT
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void initTestCase() {
    lb::test::useOwnSettings("tst_runs_page");
    if (!std::filesystem::exists(lb::kDefaultFashionMnistDir))
      QSKIP("Fashion-MNIST is not installed (package dataset-fashion-mnist)");
  }

  void twoRunsShowCompareAndRunAgain() {
    lb::Project p;
    p.name = "runs";
    p.data.limit = 600;
    p.train.threads = 1;
    const std::string file = m_dir.filePath(QStringLiteral("runs.lbproj")).toStdString();
    lb::saveProject(p, file);
    for (double lr : {1e-2, 1e-3}) {
      lb::Project run = lb::loadProject(file);
      run.train.lr = lr;
      lb::Experiment experiment(run);
      lb::trainAndRecord(experiment, {});
    }

    lb::MainWindow w;
    w.resize(1280, 800);
    QVERIFY(w.openProject(QString::fromStdString(file)));
    w.show();
    w.showStep(lb::MainWindow::RunsStep);
    auto* page = w.findChild<lb::RunsPage*>();
    QVERIFY(page);
    QCOMPARE(page->table()->rowCount(), 2);
    // Only the setting that differs gets a column.
    QStringList headers;
    for (int c = 0; c < page->table()->columnCount(); ++c)
      headers << page->table()->horizontalHeaderItem(c)->text();
    QVERIFY2(headers.contains(QStringLiteral("train.lr")), qPrintable(headers.join(QLatin1Char(','))));
    QVERIFY(!headers.contains(QStringLiteral("train.seed")));

    page->selectRuns({0, 1});
    QCOMPARE(page->plot()->graphCount(), 4);  // train and valid of each run
    QVERIFY(page->plot()->graph(0)->name().contains(QString::fromStdString(page->runs()[0].label())));
    QVERIFY(page->plot()->graph(0)->pen().color() != page->plot()->graph(2)->pen().color());

    page->compareSelected();
    const lb::RunComparison c = lb::compareRuns(page->runs()[0], page->runs()[1]);
    auto* words = w.findChild<QLabel*>(QStringLiteral("comparisonText"));
    QVERIFY(words);
    QVERIFY2(words->text().contains(QStringLiteral("<b>%1</b> validation images right").arg(c.fixed.size())),
             qPrintable(words->text()));
    QVERIFY(words->text().contains(QStringLiteral("train.lr")));
    // The fixed and broken images, each with its true label and both runs' predictions as the
    // stored predictions have them.
    QSignalSpy shown(page, &lb::RunsPage::imagesShown);
    QVERIFY(shown.wait(30000));
    const auto pa = lb::loadPredictions(page->runs()[0]), pb = lb::loadPredictions(page->runs()[1]);
    const auto& classes = page->runs()[0].info.classes;
    const auto caption = [&](long i) {
      const auto k = std::size_t(i);
      return QStringLiteral("true: %1\nA: %2\nB: %3")
          .arg(QString::fromStdString(classes[std::size_t(pa[k].actual)]),
               QString::fromStdString(classes[std::size_t(pa[k].predicted)]),
               QString::fromStdString(classes[std::size_t(pb[k].predicted)]));
    };
    for (const auto& [grid, items] : {std::pair{page->fixedGrid(), c.fixed}, std::pair{page->brokenGrid(), c.broken}}) {
      QCOMPARE(grid->count(), int(std::min<std::size_t>(48, items.size())));
      for (int k = 0; k < grid->count(); ++k) {
        QCOMPARE(grid->item(k)->text(), caption(items[std::size_t(k)]));
        QVERIFY(!grid->item(k)->icon().isNull());
      }
    }
    QVERIFY(page->fixedGrid()->count() > 0);
    // For the eye: LB_SHOTS=DIR saves the page as a person sees it.
    const QString shots = qEnvironmentVariable("LB_SHOTS");
    if (!shots.isEmpty()) w.grab().save(QDir(shots).filePath(QStringLiteral("runs_compare.png")));
    // A cell of the confusion difference: the images that entered it and left it.
    int row = -1, column = -1;
    for (int r = 0; r < int(c.confusionDiff.size()) && row < 0; ++r)
      for (int p = 0; p < int(c.confusionDiff.size()); ++p)
        if (r != p && c.confusionDiff[std::size_t(r)][std::size_t(p)] != 0) {
          row = r;
          column = p;
          break;
        }
    QVERIFY(row >= 0);
    auto* confusion = w.findChild<QTableWidget*>(QStringLiteral("confusionDiff"));
    QSignalSpy cellShown(page, &lb::RunsPage::imagesShown);
    Q_EMIT confusion->cellClicked(row, column);
    QVERIFY(cellShown.wait(30000));
    long moved = 0;
    for (std::size_t i = 0; i < pa.size(); ++i)
      moved += int(pa[i].actual) == row && ((int(pa[i].predicted) == column) != (int(pb[i].predicted) == column));
    QCOMPARE(page->cellGrid()->count(), int(std::min<long>(48, moved)));
    for (int k = 0; k < page->cellGrid()->count(); ++k)
      QVERIFY(page->cellGrid()->item(k)->text().startsWith(
          QStringLiteral("true: %1\n").arg(QString::fromStdString(classes[std::size_t(row)]))));
    if (!shots.isEmpty()) {
      w.findChild<QTabWidget*>(QStringLiteral("compareTabs"))->setCurrentIndex(1);
      w.grab().save(QDir(shots).filePath(QStringLiteral("runs_cell.png")));
    }

    // Run again: the first run's settings, trained again, give its losses batch by batch.
    page->selectRuns({0});
    auto* again = w.findChild<QPushButton*>(QStringLiteral("runAgainButton"));
    QTRY_VERIFY_WITH_TIMEOUT(again->isEnabled(), 60000);
    QSignalSpy finished(w.session(), &lb::TrainingSession::trainingFinished);
    again->click();
    QVERIFY(w.isTraining());
    QVERIFY(finished.wait(120000));
    QTRY_COMPARE_WITH_TIMEOUT(page->table()->rowCount(), 3, 10000);
    const auto first = lb::loadBatches(page->runs()[0]), third = lb::loadBatches(page->runs()[2]);
    QCOMPARE(first.size(), third.size());
    for (std::size_t i = 0; i < first.size(); ++i) QCOMPARE(first[i].loss, third[i].loss);
    QCOMPARE(page->runs()[2].settings.train.lr, 1e-2);
    if (!shots.isEmpty()) {
      page->selectRuns({0, 1, 2});
      page->plot()->replot();
      w.grab().save(QDir(shots).filePath(QStringLiteral("runs_three.png")));
    }

    // Branch from the first run with another seed: it trains at once, over its parent's ghost.
    page->selectRuns({0});
    QTRY_VERIFY_WITH_TIMEOUT(w.session()->can(lb::Action::Train), 60000);
    QVERIFY(!page->branch("train.lr", "fast"));  // a value the setting does not take
    QSignalSpy branchFinished(w.session(), &lb::TrainingSession::trainingFinished);
    QVERIFY(page->branch("train.seed", "7"));
    QVERIFY(w.isTraining());
    auto* plot = w.findChild<lb::TrainPage*>()->lossPlot();
    QVERIFY(plot->hasGhost());
    QCOMPARE(plot->ghost().batchX.size(), qsizetype(first.size()));
    QCOMPARE(plot->ghost().name, QString::fromStdString(page->runs()[0].label()));
    QVERIFY(branchFinished.wait(120000));
    QVERIFY(plot->hasGhost());  // still there to compare with once the branch is done
    QVERIFY(plot->batchPointCount() > 0);
    if (!shots.isEmpty()) {
      w.showStep(lb::MainWindow::TrainStep);
      w.grab().save(QDir(shots).filePath(QStringLiteral("train_ghost.png")));
      w.showStep(lb::MainWindow::RunsStep);
    }
    QTRY_COMPARE_WITH_TIMEOUT(page->table()->rowCount(), 4, 10000);
    QCOMPARE(page->runs()[3].settings.train.seed, std::uint64_t(7));
    QCOMPARE(page->runs()[3].settings.train.lr, 1e-2);

    // Group seeds: runs 0, 2 and 3 differ only by their seed: one mean curve with a band.
    page->selectRuns({0, 1, 2, 3});
    QCOMPARE(page->plot()->graphCount(), 8);
    page->setGroupSeeds(true);
    QCOMPARE(page->plot()->graphCount(), 6);  // lowest, highest, mean, valid mean; run 1's two
    std::vector<std::vector<double>> curves;
    for (int k : {0, 2, 3}) curves.push_back(lb::smoothedLosses(lb::loadBatches(page->runs()[std::size_t(k)]), 0.98));
    const lb::CurveBand band = lb::curveBand(curves);
    QCPGraph* mean = page->plot()->graph(2);
    QVERIFY2(mean->name().contains(QStringLiteral("2 more seeds, mean")), qPrintable(mean->name()));
    QCOMPARE(mean->dataCount(), int(band.mean.size()));
    QCOMPARE(mean->data()->at(5)->value, band.mean[5]);
    QCOMPARE(page->plot()->graph(1)->data()->at(5)->value, band.high[5]);
    if (!shots.isEmpty()) {
      page->plot()->replot();
      w.grab().save(QDir(shots).filePath(QStringLiteral("runs_seeds.png")));
    }

    // Inspect after the split changed: the last model's results belong to the branch's data
    // block, and the page says so instead of scoring it on images it may have trained on.
    auto* inspect = w.findChild<lb::InspectPage*>();
    auto* message = w.findChild<QLabel*>(QStringLiteral("inspectMessage"));
    inspect->inspect();
    QVERIFY2(!message->text().contains(QStringLiteral("earlier data block")), qPrintable(message->text()));
    QTRY_VERIFY_WITH_TIMEOUT(w.session()->can(lb::Action::Inspect), 60000);
    lb::DataBlockSpec spec = w.session()->project().data;
    spec.split.validPct = 0.3;
    w.session()->setDataBlock(spec);
    inspect->inspect();
    QVERIFY2(message->text().contains(QStringLiteral("earlier data block")), qPrintable(message->text()));
    QVERIFY2(message->text().contains(QString::fromStdString(page->runs()[3].label())), qPrintable(message->text()));
    QVERIFY(message->text().contains(QStringLiteral("data.split.validPct")));
  }
};

QTEST_MAIN(TstRunsPage)
#include "tst_runs_page.moc"
