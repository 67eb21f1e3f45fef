// Lessons and presenter view in the window (offscreen): a lesson hides exactly its steps, cards
// and options and locks exactly its settings, survives save and reopen, and Full workbench shows
// everything again; a lesson made from the view matches it; presenter view enlarges the pages,
// not the step list, and each project remembers it.
#include <QAction>
#include <QApplication>
#include <QListWidget>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <memory>

#include "app/lesson_view.h"
#include "app/main_window.h"
#include "app/presenter_mode.h"
#include "common/test_support.h"
#include "common/window_test.h"
#include "widgets/top_losses_view.h"
#include "engine/project/project.h"

using namespace lb;

class TstClassroom : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    lb::test::useOwnSettings("tst_classroom");
    if (!std::filesystem::exists(test::fashionMnistDir()))
      QSKIP("Fashion-MNIST is not installed (package dataset-fashion-mnist)");
    QVERIFY(m_dir.isValid());
  }

  void everyNameALessonUsesIsInTheWindow() {
    MainWindow w;
    QVERIFY(w.openProject(exampleCopy()));
    for (const std::string& part : kLessonParts)
      QVERIFY2(w.lessonView()->part(part), part.c_str());
    for (const std::string& setting : kLessonSettings)
      QVERIFY2(w.lessonView()->setting(setting), setting.c_str());
  }

  void eachLessonHidesAndLocksExactlyItsOwn() {
    MainWindow w;
    QVERIFY(w.openProject(exampleCopy()));
    w.show();
    const auto lessons = w.project().classroom.lessons;
    QCOMPARE(int(lessons.size()), 3);
    for (const Lesson& lesson : lessons) {
      QVERIFY(w.lessonView()->showLesson(QString::fromStdString(lesson.name)));
      checkShows(w, &lesson);
    }
    // Full workbench: everything shown and editable again.
    QVERIFY(w.lessonView()->showLesson({}));
    checkShows(w, nullptr);
    QVERIFY(!w.lessonView()->showLesson(QStringLiteral("No such lesson")));
  }

  void lessonSurvivesSaveAndReopen() {
    const QString file = m_dir.filePath(QStringLiteral("lesson.lbproj"));
    {
      MainWindow w;
      w.setUnsavedChangesAnswer([] { return QMessageBox::Discard; });
      QVERIFY(w.openProject(exampleCopy()));
      QVERIFY(w.lessonView()->showLesson(QStringLiteral("Choosing a learning rate")));
      QVERIFY(w.isWindowModified());  // the lesson shown is part of the project
      QVERIFY(w.saveAs(file));
    }
    MainWindow w;
    QVERIFY(w.openProject(file));
    w.show();
    QCOMPARE(w.lessonView()->lessonName(), QStringLiteral("Choosing a learning rate"));
    checkShows(w, w.project().classroom.active());
    // It opens on the lesson's first step, with its text.
    QCOMPARE(w.findChild<QListWidget*>(QStringLiteral("stepList"))->currentRow(),
             int(MainWindow::LearningRateStep));
    QCOMPARE(w.lessonView()->bannerText().toStdString(),
             w.project().classroom.active()->textFor("lr"));
  }

  // View > Guess first hides the predictions of the top losses and the Export page, and the
  // project remembers it.
  void guessFirstIsAViewTheProjectRemembers() {
    const QString file = m_dir.filePath(QStringLiteral("guess.lbproj"));
    {
      MainWindow w;
      w.setUnsavedChangesAnswer([] { return QMessageBox::Discard; });
      QVERIFY(w.openProject(exampleCopy()));
      QVERIFY(!w.findChild<TopLossesView*>()->guessFirst());
      w.findChild<QAction*>(QStringLiteral("guessFirstAction"))->trigger();
      QVERIFY(w.project().classroom.guessFirst);
      QVERIFY(w.findChild<TopLossesView*>()->guessFirst());
      QVERIFY(w.saveAs(file));
    }
    MainWindow w;
    QVERIFY(w.openProject(file));
    QVERIFY(w.findChild<QAction*>(QStringLiteral("guessFirstAction"))->isChecked());
    QVERIFY(w.findChild<TopLossesView*>()->guessFirst());
  }

  // A lesson may show the Clean labels step ("suspects").
  void aLessonShowsCleanLabels() {
    Project p = loadProject(exampleCopy().toStdString());
    p.classroom.lessons.push_back(Lesson{"Cleaning", {"inspect", "suspects"}, {}, {}, {}});
    p.classroom.lesson = "Cleaning";
    const QString file = m_dir.filePath(QStringLiteral("cleaning.lbproj"));
    saveProject(p, file.toStdString());
    MainWindow w;
    QVERIFY(w.openProject(file));
    w.show();
    auto* steps = w.findChild<QListWidget*>(QStringLiteral("stepList"));
    QVERIFY(!steps->item(MainWindow::SuspectsStep)->isHidden());
    QVERIFY(steps->item(MainWindow::DataStep)->isHidden());
    checkShows(w, w.project().classroom.active());
  }

  void aLessonMadeFromTheViewMatchesIt() {
    MainWindow w;
    w.setUnsavedChangesAnswer([] { return QMessageBox::Discard; });
    QVERIFY(w.openProject(exampleCopy()));
    w.show();
    QVERIFY(w.lessonView()->showLesson(QStringLiteral("Your first classifier")));
    const Lesson first = *w.project().classroom.active();
    Lesson made = w.lessonView()->lessonFromView(QStringLiteral("My copy"), {"epochs"});
    QVERIFY(made.steps == first.steps);
    QVERIFY(made.hidden == first.hidden);
    QVERIFY(made.text == first.text);
    QVERIFY(w.lessonView()->addLesson(made).isEmpty());
    QCOMPARE(w.lessonView()->lessonName(), QStringLiteral("My copy"));
    checkShows(w, w.project().classroom.active());
    QCOMPARE(int(w.project().classroom.lessons.size()), 4);
    // A lesson without a name is refused with the engine's sentence; nothing changes.
    made.name.clear();
    QVERIFY(w.lessonView()->addLesson(made).contains(QStringLiteral("must name the lesson")));
    QCOMPARE(int(w.project().classroom.lessons.size()), 4);
  }

  void presenterViewEnlargesThePagesAndIsRememberedPerProject() {
    const QString withPresenter = exampleCopy();
    const QString plain = exampleCopy();
    MainWindow w;
    w.setUnsavedChangesAnswer([] { return QMessageBox::Discard; });
    QVERIFY(w.openProject(withPresenter));
    w.show();
    auto* steps = w.findChild<QListWidget*>(QStringLiteral("stepList"));
    auto* epochs = w.findChild<QWidget*>(QStringLiteral("epochsSpin"));
    const double stepsBefore = QFontInfo(steps->font()).pixelSize();
    const double pageBefore = QFontInfo(epochs->font()).pixelSize();
    QVERIFY(!w.presenter()->isOn());

    w.presenter()->toggleAction()->trigger();
    QVERIFY(w.presenter()->isOn());
    QVERIFY(w.isFullScreen());
    QCOMPARE(double(QFontInfo(steps->font()).pixelSize()), stepsBefore);  // the chrome stays
    // The page text is at least 1/30 of the screen's height: readable from the back.
    const int screenHeight = w.screen()->geometry().height();
    QVERIFY2(QFontMetrics(epochs->font()).height() >= screenHeight / 30,
             qPrintable(QStringLiteral("%1 px lines on a %2 px screen")
                            .arg(QFontMetrics(epochs->font()).height())
                            .arg(screenHeight)));
    QVERIFY(QFontInfo(epochs->font()).pixelSize() > pageBefore);
    w.presenter()->setHighContrast(true);
    QCOMPARE(epochs->palette().color(QPalette::Base), QColor(Qt::black));
    QVERIFY(w.save());

    // Another project opens as it was shown: not in presenter view.
    QVERIFY(w.openProject(plain));
    QVERIFY(!w.presenter()->isOn());
    QVERIFY(!w.isFullScreen());
    QCOMPARE(double(QFontInfo(epochs->font()).pixelSize()), pageBefore);
    QVERIFY(epochs->palette().color(QPalette::Base) != QColor(Qt::black));
    // And the first comes back in it.
    QVERIFY(w.openProject(withPresenter));
    QVERIFY(w.presenter()->isOn());
    QVERIFY(w.presenter()->highContrast());
    QVERIFY(w.presenter()->toggleAction()->isChecked());
  }

  void aSavedGeometryLargerThanTheScreenIsFittedToIt() {
    const QRect screen(0, 0, 1280, 720);
    QCOMPARE(fitInside(QRect(300, 200, 1900, 1000), screen), QRect(0, 0, 1280, 720));
    QCOMPARE(fitInside(QRect(900, 500, 800, 600), screen), QRect(480, 120, 800, 600));
    QCOMPARE(fitInside(QRect(10, 10, 800, 600), screen), QRect(10, 10, 800, 600));
  }

 private:
  // The example with its lessons, on a few hundred images, saved where the test may write.
  QString exampleCopy() {
    Project p = loadProject(
        test::exampleProjectFile().toStdString());
    p.data.limit = 300;
    const QString file = m_dir.filePath(QStringLiteral("c%1.lbproj").arg(++m_count));
    saveProject(p, file.toStdString());
    return file;
  }

  // Exactly the lesson's steps, hidden parts and locked settings (none for the full workbench).
  static void checkShows(MainWindow& w, const Lesson* lesson) {
    auto* steps = w.findChild<QListWidget*>(QStringLiteral("stepList"));
    QVERIFY(steps->count() >= int(kLessonSteps.size()));
    for (int row = 0; row < steps->count(); ++row) {
      const bool shown = lesson && row < int(kLessonSteps.size()) && lesson->shows(kLessonSteps[row]);
      QVERIFY2(steps->item(row)->isHidden() == (lesson && !shown),
               qPrintable(steps->item(row)->text()));
    }
    QVERIFY(!steps->item(steps->currentRow())->isHidden());
    for (const std::string& part : kLessonParts)
      QVERIFY2(w.lessonView()->part(part)->isHidden() == (lesson && lesson->hides(part)),
               part.c_str());
    for (const std::string& setting : kLessonSettings) {
      QWidget* widget = w.lessonView()->setting(setting);
      const bool locked = lesson && lesson->locks(setting);
      QVERIFY2(widget->toolTip().contains(QStringLiteral("locks this setting")) == locked,
               setting.c_str());
      if (locked) QVERIFY2(!widget->isEnabled(), setting.c_str());
    }
    QCOMPARE(w.lessonView()->bannerText().isEmpty(), !lesson || lesson->textFor(
        kLessonSteps[steps->currentRow()]).empty());
  }

  QTemporaryDir m_dir;
  int m_count = 0;
};

QTEST_MAIN(TstClassroom)
#include "tst_classroom.moc"
