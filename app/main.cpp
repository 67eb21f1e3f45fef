// learnbench: the GUI. `learnbench [PROJECT] [--train]`; with no project the built-in
// Fashion-MNIST example opens, so the first click can already be Train.
#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>
#include <QTimer>

#include "app/main_window.h"
#include "engine/util/runtime.h"

int main(int argc, char* argv[]) {
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
  parser.process(app);

  lb::MainWindow window;
  const QStringList args = parser.positionalArguments();
  const bool opened =
      args.isEmpty() ? window.openExampleProject() : window.openProject(args.first());
  window.show();
  if (!opened) {
    // The window still opens; the status line keeps the sentence after the box is closed.
    auto* box = new QMessageBox(QMessageBox::Warning, QStringLiteral("Learnbench"),
                                window.statusText(), QMessageBox::Ok, &window);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
  } else if (parser.isSet(train)) {
    QTimer::singleShot(0, &window, &lb::MainWindow::startTraining);
  }
  return app.exec();
}
