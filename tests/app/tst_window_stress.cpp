// 200 random steps of the window, offscreen, on a tiny Fashion-MNIST project (issue 14): Train,
// Pause, Resume, Stop, Find learning rate, Inspect, another page, a pause of the tester, and
// every 25 steps the window closed (whatever it is doing) and opened again. No step may hang or
// crash: each waits at most a few seconds for the session to do what was asked (the session's
// own SessionState says when), and a watchdog aborts with the steps so far if the GUI thread
// stops answering. The sequence is seeded (LB_STRESS_SEED overrides it) and printed on failure.
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "app/main_window.h"
#include "app/training_session.h"
#include "engine/experiment/experiment.h"
#include "engine/project/project.h"
#include "common/window_test.h"

using lb::MainWindow;
using lb::RunKind;

namespace {

constexpr int kSteps = 200;
constexpr int kReopenEvery = 25;
constexpr int kSettleMs = 5000;  // what a request may take to show in the session's state
// Closing joins the worker: within a batch, or after a data load that cannot be interrupted.
constexpr int kCloseMs = 15000;
constexpr int kWatchdogSeconds = 60;

// Aborts the process, printing the steps taken, when no step has ended for kWatchdogSeconds: a
// hang on the GUI thread would otherwise only show as ctest's timeout, with no sequence to replay.
class Watchdog {
 public:
  Watchdog() : m_thread([this] { run(); }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(m_mutex);
      m_done = true;
    }
    m_wake.notify_one();
    m_thread.join();
  }
  void step(const QString& what) {
    std::lock_guard lock(m_mutex);
    m_log += what.toStdString() + "\n";
    m_last = std::chrono::steady_clock::now();
  }
  QString log() const {
    std::lock_guard lock(m_mutex);
    return QString::fromStdString(m_log);
  }

 private:
  void run() {
    std::unique_lock lock(m_mutex);
    while (!m_done) {
      m_wake.wait_for(lock, std::chrono::seconds(1));
      if (!m_done && std::chrono::steady_clock::now() - m_last > std::chrono::seconds(kWatchdogSeconds)) {
        std::fprintf(stderr, "tst_window_stress: no step ended for %d s; the steps:\n%s", kWatchdogSeconds,
                     m_log.c_str());
        std::abort();
      }
    }
  }

  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  std::string m_log;
  std::chrono::steady_clock::time_point m_last = std::chrono::steady_clock::now();
  bool m_done = false;
  std::thread m_thread;
};

}  // namespace

class TstWindowStress : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase();
  void randomStepsNeitherHangNorCrash();

 private:
  std::unique_ptr<QTemporaryDir> m_dir;
  QString m_project;
};

void TstWindowStress::initTestCase() {
  lb::test::useOwnSettings("tst_window_stress");
  if (!std::filesystem::exists(lb::kDefaultFashionMnistDir))
    QSKIP("Fashion-MNIST is not installed (package dataset-fashion-mnist)");
  m_dir = std::make_unique<QTemporaryDir>();
  QVERIFY(m_dir->isValid());
  lb::Project p;
  p.name = "Stress";
  p.data.limit = 600;  // a few batches an epoch: runs end on their own as well as by Stop
  p.train.epochs = 2;
  m_project = m_dir->filePath(QStringLiteral("stress.lbproj"));
  lb::saveProject(p, m_project.toStdString());
}

void TstWindowStress::randomStepsNeitherHangNorCrash() {
  const unsigned seed = qEnvironmentVariableIsSet("LB_STRESS_SEED")
                            ? unsigned(qEnvironmentVariableIntValue("LB_STRESS_SEED"))
                            : 14u;
  std::mt19937 random(seed);
  Watchdog watchdog;
  watchdog.step(QStringLiteral("seed %1").arg(seed));
  QElapsedTimer clock;
  clock.start();

  auto window = std::make_unique<MainWindow>();
  auto open = [&] {
    QVERIFY(window->openProject(m_project));
    window->show();
  };
  open();
  if (QTest::currentTestFailed()) return;
  auto button = [&](const char* name) {
    auto* b = window->findChild<QPushButton*>(QString::fromLatin1(name));
    if (!b) qFatal("no button %s", name);
    return b;
  };
  auto state = [&]() -> const lb::SessionState& { return window->session()->state(); };
  // Waits up to `ms` for `done`, then fails naming the step and the steps before it.
  auto settle = [&](const QString& what, auto done, int ms = kSettleMs) {
    QElapsedTimer waited;
    waited.start();
    while (!done() && waited.elapsed() < ms) QTest::qWait(10);
    if (!done())
      QFAIL(qPrintable(QStringLiteral("%1 did not settle within %2 ms; the steps:\n%3")
                           .arg(what)
                           .arg(ms)
                           .arg(watchdog.log())));
  };

  int trained = 0, stopped = 0, paused = 0, found = 0, reopened = 0;
  for (int step = 1; step <= kSteps; ++step) {
    if (step % kReopenEvery == 0) {
      watchdog.step(QStringLiteral("%1 close and reopen (%2)").arg(step).arg(int(state().run)));
      QElapsedTimer closing;
      closing.start();
      QVERIFY(window->close());
      window.reset();
      QVERIFY2(closing.elapsed() < kCloseMs, qPrintable(QString::number(closing.elapsed())));
      window = std::make_unique<MainWindow>();
      open();
      if (QTest::currentTestFailed()) return;
      ++reopened;
      continue;
    }
    const int dice = std::uniform_int_distribution<int>(0, 99)(random);
    QString what;
    if (dice < 22) {
      what = QStringLiteral("Train");
      auto* train = button("trainButton");
      if (train->isEnabled()) {
        train->click();
        settle(what, [&] { return state().run == RunKind::Training; });
        ++trained;
      }
    } else if (dice < 40) {
      auto* pause = button("pauseButton");
      what = pause->text();  // Pause or Resume
      if (pause->isEnabled()) {
        const bool wasPaused = state().paused;
        pause->click();
        // The run may also have ended on its own meanwhile.
        settle(what, [&] { return state().paused != wasPaused || state().run == RunKind::None; });
        ++paused;
      }
    } else if (dice < 58) {
      what = QStringLiteral("Stop");
      auto* stop = button("stopButton");
      if (stop->isEnabled()) {
        stop->click();
        // Within one batch; a paused run stops too.
        settle(what, [&] { return state().run == RunKind::None; });
        ++stopped;
      }
    } else if (dice < 68) {
      what = QStringLiteral("Find learning rate");
      auto* find = button("findLrButton");
      if (find->isEnabled()) {
        find->click();
        settle(what, [&] { return state().run == RunKind::FindingLr; });
        ++found;
      }
    } else if (dice < 73) {
      what = QStringLiteral("Inspect");
      if (button("inspectButton")->isEnabled()) button("inspectButton")->click();
    } else if (dice < 88) {
      const int page = std::uniform_int_distribution<int>(MainWindow::DataStep,
                                                          MainWindow::ExportStep)(random);
      what = QStringLiteral("page %1").arg(page);
      window->showStep(MainWindow::Step(page));
    } else {
      what = QStringLiteral("wait");
      QTest::qWait(std::uniform_int_distribution<int>(200, 1200)(random));
    }
    // The tester's own pace: sometimes at once, sometimes after a batch or two.
    QTest::qWait(std::uniform_int_distribution<int>(0, 150)(random));
    watchdog.step(QStringLiteral("%1 %2 (run %3, paused %4)")
                      .arg(step)
                      .arg(what)
                      .arg(int(state().run))
                      .arg(state().paused));
    if (QTest::currentTestFailed()) return;  // a settle() above failed
  }
  // The last window stops whatever it is doing and closes like the others.
  if (button("stopButton")->isEnabled()) button("stopButton")->click();
  settle(QStringLiteral("the final Stop"), [&] { return !state().busy(); }, kCloseMs);
  if (QTest::currentTestFailed()) return;
  QVERIFY(window->close());
  window.reset();
  qInfo("seed %u: %d trainings, %d pauses or resumes, %d stops, %d finder runs, %d reopenings in "
        "%lld ms",
        seed, trained, paused, stopped, found, reopened, clock.elapsed());
  // The sequence must have exercised what it claims to.
  QVERIFY(trained >= 10 && stopped >= 5 && paused >= 5 && found >= 3);
}

QTEST_MAIN(TstWindowStress)
#include "tst_window_stress.moc"
