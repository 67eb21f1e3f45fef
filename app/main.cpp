// learnbench: the GUI. `learnbench [PROJECT] [--train] [--lesson NAME] [--presenter]`; with no
// project the last project opens (the built-in Fashion-MNIST example on the first start), so the
// first click can be Train.
#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>
#include <QTimer>
#include <cstdio>

#include "app/lesson_view.h"
#include "app/main_window.h"
#include "app/presenter_mode.h"
#include "app/replay_view.h"
#include "app/training_session.h"
#include "engine/util/error.h"
#include "engine/util/runtime.h"

int main(int argc, char* argv[]) {
  lb::useShortOpenMpSpin(argv);  // first: it may start this program again
  lb::tuneAllocator();
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("Learnbench"));
  QApplication::setApplicationName(QStringLiteral("Learnbench"));
  QApplication::setApplicationVersion(QStringLiteral("0.1.0"));

  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("A workbench for deep learning experiments."));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument(QStringLiteral("project"),
                               QStringLiteral("The project file to open (*.lbproj)."),
                               QStringLiteral("[project]"));
  const QCommandLineOption train(QStringLiteral("train"),
                                 QStringLiteral("Start training as soon as the window opens "
                                                "(for demos)."));
  parser.addOption(train);
  const QCommandLineOption page(QStringLiteral("page"),
                                QStringLiteral("The page to open on: data, model, lr, train, "
                                               "runs, inspect, export or suspects."),
                                QStringLiteral("page"), QStringLiteral("train"));
  parser.addOption(page);
  const QCommandLineOption newProject(
      QStringLiteral("new-project"),
      QStringLiteral("Open File > New project on start, looking at the folder or CSV given as "
                     "the argument when there is one."));
  parser.addOption(newProject);
  const QCommandLineOption presenter(
      QStringLiteral("presenter"),
      QStringLiteral("Open in presenter view: full screen, the pages large (View > Presenter)."));
  parser.addOption(presenter);
  const QCommandLineOption lesson(QStringLiteral("lesson"),
                                  QStringLiteral("Open on the project's lesson of this name, at "
                                                 "its first step (View > Lesson)."),
                                  QStringLiteral("name"));
  parser.addOption(lesson);
  const QCommandLineOption replay(
      QStringLiteral("replay"),
      QStringLiteral("Open the replay of a finished run of the project (its id or name), epoch "
                     "by epoch, over the window."),
      QStringLiteral("run"));
  parser.addOption(replay);
  parser.process(app);
  const QStringList pages = {QStringLiteral("data"),    QStringLiteral("model"),
                             QStringLiteral("lr"),      QStringLiteral("train"),
                             QStringLiteral("runs"),    QStringLiteral("inspect"),
                             QStringLiteral("export"),  QStringLiteral("suspects")};
  const int pageIndex = pages.indexOf(parser.value(page).toLower());
  if (pageIndex < 0) {
    std::fprintf(stderr, "There is no page \"%s\": name one of %s.\n",
                 qPrintable(parser.value(page)), qPrintable(pages.join(QStringLiteral(", "))));
    return 2;
  }

  lb::MainWindow window;
  const QStringList args = parser.positionalArguments();
  // With no project: the last one opened or saved, or the example on the first start.
  const bool startNew = parser.isSet(newProject);
  const bool opened = args.isEmpty() || startNew ? window.openLastProject()
                                                 : window.openProject(args.first());
  // A project with a lesson opens on its first step, unless --page says otherwise.
  const bool inLesson = parser.isSet(lesson) || window.project().classroom.active();
  if (!inLesson || parser.isSet(page))
    window.showStep(lb::MainWindow::Step(pageIndex));  // the pages are listed in Step's order
  if (parser.isSet(lesson) && !window.lessonView()->showLesson(parser.value(lesson))) {
    std::fprintf(stderr, "The project has no lesson \"%s\": see View > Lesson for its lessons.\n",
                 qPrintable(parser.value(lesson)));
    return 2;
  }
  if (parser.isSet(presenter)) window.presenter()->setOn(true);
  window.show();
  if (opened && parser.isSet(replay)) {
    QString why;
    try {
      const lb::Project runs = window.session()->runProject();
      lb::openReplay(runs, lb::findRun(runs, parser.value(replay).toStdString()), &window, &why);
    } catch (const std::exception& e) {
      why = QString::fromStdString(lb::userMessage(e));
    }
    if (!why.isEmpty()) {
      std::fprintf(stderr, "%s\n", qPrintable(why));
      return 2;
    }
  }
  if (!opened) {
    // The window still opens; the status line keeps the sentence after the box is closed.
    auto* box = new QMessageBox(QMessageBox::Warning, QStringLiteral("Learnbench"),
                                window.statusText(), QMessageBox::Ok, &window);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
  } else if (startNew) {
    const QString source = args.value(0);
    QTimer::singleShot(0, &window, [&window, source] { window.newProject(source); });
  } else if (parser.isSet(train)) {
    QTimer::singleShot(0, &window, &lb::MainWindow::startTraining);
  }
  return app.exec();
}
