// Presenter view on a 1280x720 projector (an offscreen screen of that size): no page scrolls
// sideways, and Inspect's confusion matrix of the ten Fashion-MNIST classes shows every count
// in its cell, at a readable size, with class names under the columns that do not run into each
// other, all inside the visible page (issue 12).
#include <QApplication>
#include <QFile>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <filesystem>
#include <memory>

#include "app/main_window.h"
#include "app/presenter_mode.h"
#include "app/training_session.h"
#include "common/test_support.h"
#include "common/window_test.h"
#include "widgets/confusion_matrix_view.h"
#include "widgets/qcustomplot_include.h"

using namespace lb;

namespace {
// Which page the window's page scroll area shows; its ancestor of `w`.
QScrollArea* pageScroll(QWidget* w) {
  for (QWidget* p = w; p; p = p->parentWidget())
    if (auto* s = qobject_cast<QScrollArea*>(p); s && qobject_cast<QStackedWidget*>(s->widget()))
      return s;
  return nullptr;
}

// A validation set's confusion as a trained CNN leaves it: hundreds on the diagonal, a few
// dozen where classes look alike, three-digit counts the cells must hold.
Interpretation fashionInterpretation() {
  Interpretation in;
  in.target = TargetKind::Category;
  in.classes = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  in.confusion.counts.assign(10, std::vector<long>(10, 0));
  for (int a = 0; a < 10; ++a)
    for (int p = 0; p < 10; ++p) in.confusion.counts[a][p] = a == p ? 850 + 11 * a : (a * 7 + p * 3) % 40;
  in.validItems = in.confusion.total();
  return in;
}
}  // namespace

class TstPresenterFit : public QObject {
  Q_OBJECT
  QTemporaryDir m_dir;

 public:
  // Before the application exists: an offscreen screen of a classroom projector's size.
  static void initMain() {
    static QTemporaryDir dir;
    const QString config = dir.filePath(QStringLiteral("screen.json"));
    QFile f(config);
    if (f.open(QIODevice::WriteOnly))
      f.write(R"({"screens": [{"name": "projector", "x": 0, "y": 0, "width": 1280,
                   "height": 720, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]})");
    qputenv("QT_QPA_PLATFORM", "offscreen:configfile=" + config.toLocal8Bit());
  }

 private Q_SLOTS:
  void initTestCase() {
    lb::test::useOwnSettings("tst_presenter_fit");
    if (!std::filesystem::exists(test::fashionMnistDir()))
      QSKIP("Fashion-MNIST is not installed (package dataset-fashion-mnist)");
    QVERIFY(m_dir.isValid());
    QCOMPARE(QGuiApplication::primaryScreen()->geometry(), QRect(0, 0, 1280, 720));
  }

  // Each test: the example in presenter view, full screen on the projector.
  void init() {
    m_window = std::make_unique<MainWindow>();
    MainWindow& w = *m_window;
    QVERIFY(w.openProject(exampleCopy()));
    w.show();
    w.presenter()->setOn(true);
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QTRY_COMPARE(w.geometry().size(), QSize(1280, 720));
  }
  void cleanup() { m_window.reset(); }

  void noPageScrollsSideways() {
    MainWindow& w = *m_window;
    QStringList wide;  // every page that would scroll sideways
    for (int step = MainWindow::DataStep; step <= MainWindow::SuspectsStep; ++step) {
      w.showStep(MainWindow::Step(step));
      QApplication::processEvents();
      QScrollArea* scroll = pageScroll(w.findChild<QStackedWidget*>()->currentWidget());
      QVERIFY(scroll);
      QWidget* page = qobject_cast<QStackedWidget*>(scroll->widget())->currentWidget();
      if (scroll->horizontalScrollBar()->maximum() > 0 ||
          page->minimumSizeHint().width() > scroll->viewport()->width())
        wide << QStringLiteral("%1 needs %2 pixels of %3")
                    .arg(QLatin1String(page->metaObject()->className()))
                    .arg(page->minimumSizeHint().width())
                    .arg(scroll->viewport()->width());
    }
    QVERIFY2(wide.isEmpty(), qPrintable(wide.join(QStringLiteral("; "))));
  }

  void inspectMatrixIsReadable() {
    MainWindow& w = *m_window;
    w.showStep(MainWindow::InspectStep);
    Q_EMIT w.session()->interpreted(fashionInterpretation());
    auto* view = w.findChild<ConfusionMatrixView*>(QStringLiteral("confusionMatrix"));
    QVERIFY(view);
    QApplication::processEvents();
    view->plot()->replot();
    QCOMPARE(view->classCount(), 10);

    // Every count shows, no smaller than the page's text would allow from the back.
    const int pageLine = QFontMetrics(view->font()).height();
    QVERIFY(pageLine >= 720 / 30);
    for (int a = 0; a < 10; ++a)
      for (int p = 0; p < 10; ++p) QVERIFY(!view->cellText(a, p).isEmpty());
    QVERIFY2(view->countsShown(), "the counts are hidden: the cells are too small");
    const QCPItemText* count = view->plot()->findChild<QCPItemText*>();
    QVERIFY(count);
    const double countPixels = QFontInfo(view->countFont()).pixelSize();
    QVERIFY2(countPixels >= 0.75 * QFontInfo(view->font()).pixelSize(),
             qPrintable(QStringLiteral("counts drawn %1 px high, the page's text %2 px")
                            .arg(countPixels)
                            .arg(QFontInfo(view->font()).pixelSize())));

    // The column names: neighbours at least a line apart across their slant, so none overlap.
    QCPAxis* x = view->plot()->xAxis;
    const double column = std::abs(x->coordToPixel(1) - x->coordToPixel(0));
    const QFontMetrics labels(x->tickLabelFont());
    const double angle = std::abs(x->tickLabelRotation()) * M_PI / 180;
    int widest = 0;
    for (const QString& name : x->ticker().dynamicCast<QCPAxisTickerText>()->ticks())
      widest = std::max(widest, labels.horizontalAdvance(name));
    const double gap = angle < 1e-3 ? column - widest : column * std::sin(angle) - labels.height();
    QVERIFY2(gap >= 0, qPrintable(QStringLiteral("class names %1 px wide at %2 degrees under "
                                                 "%3 px columns overlap")
                                      .arg(widest)
                                      .arg(x->tickLabelRotation())
                                      .arg(column)));

    // The whole matrix lies inside the window's width: nothing of it is scrolled away sideways.
    const QRect matrix(view->plot()->mapTo(&w, QPoint(0, 0)), view->plot()->size());
    QVERIFY2(matrix.left() >= 0 && matrix.right() < w.width(),
             qPrintable(QStringLiteral("the matrix spans x %1..%2 of %3")
                            .arg(matrix.left())
                            .arg(matrix.right())
                            .arg(w.width())));
    if (!qEnvironmentVariableIsEmpty("LB_SHOTS"))
      view->window()->findChild<QStackedWidget*>()->currentWidget()->grab().save(
          qEnvironmentVariable("LB_SHOTS") + QStringLiteral("/presenter-inspect-page.png"));
  }

 private:
  std::unique_ptr<MainWindow> m_window;
  int m_count = 0;
  QString exampleCopy() {
    Project p = loadProject(test::exampleProjectFile().toStdString());
    p.data.limit = 300;
    const QString file = m_dir.filePath(QStringLiteral("p%1.lbproj").arg(++m_count));
    saveProject(p, file.toStdString());
    return file;
  }
};

QTEST_MAIN(TstPresenterFit)
#include "tst_presenter_fit.moc"
