// The cost of watching: one epoch of the example project trained by the engine alone
// (Experiment::train on this thread) and by the open main window (its worker thread feeding the
// live loss plot, progress bar and status line, and after the epoch the top losses with their
// Grad-CAM maps and the confusion matrix), alternated, at batch 64 and 128. Both figures are
// training images per second over the whole of train(): the epoch (training and validation)
// and what follows it (the window's Inspect views and checkpoint), not the data loading before.
// The window is shown on the platform Qt picks (offscreen when QT_QPA_PLATFORM=offscreen; under
// Xvfb or a desktop it really paints). The last column is the GUI thread's CPU time over the
// run's wall time: what watching takes from the two cores training wants. Also measured, in a
// separate window run per batch size (its 100 wake-ups a second would otherwise take their own
// share of the cores from the throughput figure): the GUI event loop's latency while the window
// trains (a 10 ms timer in the GUI thread recording how late each tick comes: median and p99),
// and the cost of one loss-plot redraw after 100,000 batches (the plot decimates, so it must not
// grow with the run). The CLI column is the same epoch trained by learnbench-cli in a process of
// its own (its epoch's own seconds, so a little in its favour): what a window-less run gets.
//   bench_gui_training [--limit N] [--repeats R] [--threads T] [--bs B (64 and 128 when absent)]
#include <QApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>
#include <cstdio>
#include <cstring>
#include <cmath>
#include <ctime>

#include "app/main_window.h"
#include "app/training_worker.h"
#include "widgets/data_block_page.h"
#include "widgets/loss_plot.h"
#include "widgets/qcustomplot_include.h"
#include "bench/bench_common.h"
#include "engine/project/project.h"
#include "engine/experiment/experiment.h"
#include "engine/util/runtime.h"

namespace {

// The engine alone runs on the window's own training thread, with nothing watching: the same
// thread, so the same OpenMP team. (A second thread training with two intra-op threads gives
// the process a second team; on two cores libgomp then throttles its spinning and both teams
// slow down by a third or more, which would measure the bench, not the window.)
double engineAlone(lb::MainWindow& window, const lb::Project& project, int* trainItems) {
  double imagesPerSecond = 0;
  QMetaObject::invokeMethod(
      window.trainingWorker(),
      [&] {
        lb::Experiment experiment(project);
        lb::bench::Stopwatch clock;
        experiment.train();
        imagesPerSecond = experiment.trainItems() * project.train.epochs / clock.seconds();
        *trainItems = experiment.trainItems();
      },
      Qt::BlockingQueuedConnection);
  return imagesPerSecond;
}

// The same epoch by learnbench-cli in its own process: training images over its epoch's seconds.
double cliAlone(const lb::Project& project, int trainItems) {
  QTemporaryDir dir;
  const std::string file = dir.filePath(QStringLiteral("bench.lbproj")).toStdString();
  lb::saveProject(project, file);
  QProcess cli;
  cli.start(QStringLiteral(LB_CLI_PATH),
            {QStringLiteral("train"), QString::fromStdString(file), QStringLiteral("--json")});
  if (!cli.waitForFinished(-1) || cli.exitCode() != 0) {
    std::fprintf(stderr, "learnbench-cli failed: %s\n", cli.readAllStandardError().constData());
    return 0;
  }
  const QByteArray last = cli.readAllStandardOutput().trimmed().split('\n').last();
  const double seconds = QJsonDocument::fromJson(last).object().value(QStringLiteral("seconds")).toDouble();
  return seconds > 0 ? trainItems * project.train.epochs / seconds : 0;
}

// CPU seconds the calling thread has used: the GUI thread's own cost of watching.
double threadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

struct WindowRun {
  double imagesPerSecond = 0;
  double guiCpuShare = 0;  // GUI thread CPU time / wall time of the run
  std::vector<double> lateMs;  // how late each 10 ms tick of a GUI-thread timer came
};

// One redraw of a loss plot that holds `batches` batches (median of 20, in ms): as in a run (the
// curves' layer alone, since the axes stand still), or `full` (axes, labels and legend too).
double redrawMs(int batches, bool full) {
  lb::LossPlot plot;
  plot.resize(1200, 600);
  plot.show();
  const int perEpoch = 1000;
  auto add = [&](int i) {
    lb::BatchProgress p;
    p.epoch = i / perEpoch;
    p.epochs = batches / perEpoch + 1;
    p.batch = i % perEpoch;
    p.batches = perEpoch;
    p.loss = 2.0 * std::exp(-i / 20000.0) + 0.1 * ((i * 7919) % 100) / 100.0;
    p.smoothLoss = 2.0 * std::exp(-i / 20000.0);
    plot.addBatch(p);
  };
  for (int i = 0; i < batches; ++i) add(i);
  std::vector<double> times;
  for (int r = 0; r < 20; ++r) {
    add(batches + r);  // as in training: a batch arrived since the last redraw
    lb::bench::Stopwatch clock;
    plot.redraw();  // hands the decimated series to QCustomPlot and repaints what changed...
    if (full) plot.plot()->replot(QCustomPlot::rpImmediateRefresh);
    QApplication::processEvents();  // ...and the widget is painted here, as in a run
    times.push_back(1000 * clock.seconds());
  }
  return lb::bench::median(times);
}

// Until the window has nothing running: the project's data summary and the data block's preview
// done, as when a user has opened a project and looks at it. Each figure then measures training
// alone, not training against the window's own start-up work.
void waitUntilIdle(lb::MainWindow& window) {
  while (window.statusText().startsWith(QStringLiteral("Loading")) || window.isInspecting())
    QApplication::processEvents(QEventLoop::WaitForMoreEvents);
  if (auto* page = window.findChild<lb::DataBlockPage*>()) page->waitForPreview(60000);
}

WindowRun withWindow(lb::MainWindow& window, const lb::Project& project, bool probeLatency) {
  window.setProject(project);
  int trainItems = 0;
  QEventLoop loop;
  auto* worker = window.trainingWorker();
  // The worker announces the data just before train() starts; finished comes when it returns.
  lb::bench::Stopwatch training;
  auto c1 = QObject::connect(worker, &lb::TrainingWorker::dataReady, [&](const lb::DataSummary& info) {
    trainItems = info.trainItems;
    training = {};
  });
  int interpreted = 0;
  auto c2 = QObject::connect(worker, &lb::TrainingWorker::interpreted,
                             [&](const lb::Interpretation&) { ++interpreted; });
  auto c3 = QObject::connect(worker, &lb::TrainingWorker::finished, &loop, &QEventLoop::quit);
  auto c4 = QObject::connect(worker, &lb::TrainingWorker::failed, &loop, &QEventLoop::quit);
  waitUntilIdle(window);
  const double cpuBefore = threadCpuSeconds();
  std::vector<double> late;
  QTimer tick;
  tick.setTimerType(Qt::PreciseTimer);
  QElapsedTimer since;
  QObject::connect(&tick, &QTimer::timeout, [&] {
    if (since.isValid()) late.push_back(std::max(0.0, since.nsecsElapsed() / 1e6 - 10.0));
    since.restart();
  });
  if (probeLatency) tick.start(10);
  lb::bench::Stopwatch wall;
  window.startTraining();
  loop.exec();
  const double seconds = training.seconds();
  tick.stop();
  if (interpreted != project.train.epochs)
    std::fprintf(stderr, "the window inspected %d of %d epochs\n", interpreted,
                 project.train.epochs);
  const double cpu = threadCpuSeconds() - cpuBefore;
  waitUntilIdle(window);  // before the next figure
  for (const auto& c : {c1, c2, c3, c4}) QObject::disconnect(c);
  return {seconds > 0 ? trainItems * project.train.epochs / seconds : 0, cpu / wall.seconds(),
          late};
}

}  // namespace

int main(int argc, char** argv) {
  lb::useShortOpenMpSpin(argv);  // as the app and the CLI run
  lb::tuneAllocator();
  QApplication app(argc, argv);
  const auto [limit, repeats, threads] = lb::bench::parseArgs(argc, argv);
  lb::Project project;
  project.name = "bench";
  project.data.limit = limit;
  project.train.epochs = 1;
  project.train.threads = threads;

  lb::MainWindow window;
  window.resize(1400, 900);
  window.show();
  std::printf("Fashion-MNIST, one epoch (%s training images), %d repeats, platform %s\n",
              limit ? std::to_string(limit).c_str() : "60000", repeats,
              qPrintable(QGuiApplication::platformName()));
  std::printf("%-6s %13s %13s %13s %14s %11s %15s %14s\n", "batch", "CLI img/s", "engine img/s",
              "window img/s", "window/engine", "window/CLI", "GUI thread CPU", "late med/p99");
  std::vector<int> batchSizes = {64, 128};
  for (int i = 1; i + 1 < argc; ++i)
    if (!std::strcmp(argv[i], "--bs")) batchSizes = {std::stoi(argv[i + 1])};
  for (int bs : batchSizes) {
    project.train.batchSize = bs;
    std::vector<double> cli, engine, gui, guiCpu, late;
    for (int r = 0; r < repeats; ++r) {
      waitUntilIdle(window);
      int trainItems = 0;
      engine.push_back(engineAlone(window, project, &trainItems));
      cli.push_back(cliAlone(project, trainItems));
      const WindowRun run = withWindow(window, project, false);
      gui.push_back(run.imagesPerSecond);
      guiCpu.push_back(run.guiCpuShare);
    }
    late = withWindow(window, project, true).lateMs;
    const double c = lb::bench::median(cli), e = lb::bench::median(engine),
                 g = lb::bench::median(gui);
    std::printf("%-6d %13.0f %13.0f %13.0f %14.3f %11.3f %14.1f%% %6.1f/%.1f ms\n", bs, c, e, g,
                g / e, g / c, 100 * lb::bench::median(guiCpu), lb::bench::median(late),
                lb::bench::percentile(late, 0.99));
  }
  std::printf("\nloss plot redraw (1200x600), curves only as in a run: %.1f ms after 1,000 "
              "batches, %.1f ms after 100,000\n",
              redrawMs(1000, false), redrawMs(100000, false));
  std::printf("loss plot redraw (1200x600), all of it: %.1f ms after 1,000 batches, %.1f ms "
              "after 100,000\n",
              redrawMs(1000, true), redrawMs(100000, true));
  return 0;
}
