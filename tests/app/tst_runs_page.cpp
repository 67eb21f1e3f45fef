// The Runs page in the real window (offscreen): two runs with different learning rates show as
// two rows and two overlaid pairs of curves, Compare states the fixed/broken counts the stored
// predictions give, and Run again trains a third run whose per-batch losses equal the first's.
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
#include "app/runs_page.h"
#include "app/training_session.h"
#include "engine/experiment/operations.h"
#include "engine/project/run_store.h"
#include "widgets/qcustomplot_include.h"

class TstRunsPage : public QObject {
  Q_OBJECT
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("LearnbenchTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_runs_page"));
    QSettings().clear();
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
    // For the eye: LB_SHOTS=DIR saves the page as a person sees it.
    if (qEnvironmentVariableIsSet("LB_SHOTS"))
      w.grab().save(QDir(qEnvironmentVariable("LB_SHOTS")).filePath(QStringLiteral("runs_compare.png")));

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
  }
};

QTEST_MAIN(TstRunsPage)
#include "tst_runs_page.moc"
