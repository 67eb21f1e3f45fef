// The Clean labels step (app/suspects_page.h): the suspects the last search kept, by keyboard (K,
// E, a digit, Ctrl+Z) and by click, every decision in the project's journal at once and the
// selection on to the next image; the class filter; undo gives back the state before. With
// LB_SHOTS set, saves the page mid-cleaning there for the eye.
#include <QtTest/QtTest>

#include <QComboBox>
#include <QListWidget>
#include <QSignalSpy>

#include "app/suspects_page.h"
#include "app/training_session.h"
#include "common/image_folder.h"
#include "engine/project/cleaning_journal.h"

using namespace lb;

class TestSuspectsPage : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void decideByKeyboardAndUndo() {
    QTemporaryDir tmp;
    const std::filesystem::path dir(tmp.path().toStdString());
    test::writeImageFolder(dir / "images", 40, 20);
    Project p;
    p.file = dir / "p.lbproj";
    p.data.source = SourceKind::Folder;
    p.data.path = "images";
    p.data.split.kind = SplitKind::Grandparent;
    saveProject(p, p.file);
    TrainingSession session;
    QSignalSpy ready(&session, &TrainingSession::dataReady);
    QVERIFY(session.setProject(loadProject(p.file)));
    QVERIFY(ready.wait(60000));

    // The last search's suspects, as the engine keeps them: the first four images, one a
    // validation image, given class 0 and predicted class 1.
    SuspectReport report;
    report.classes = session.data().classes;
    const DataItems items = collectItems(p.data, dir);
    for (int i : {items.train[0], items.train[1], items.train[2], items.valid[0]}) {
      Suspect s;
      s.item = items.names[std::size_t(i)];
      s.file = items.files[std::size_t(i)];
      s.valid = i == items.valid[0];
      s.label = items.labels[std::size_t(i)].front();
      s.predicted = (s.label + 1) % int(report.classes.size());
      s.score = 0.9 - 0.1 * double(report.suspects.size());
      report.suspects.push_back(s);
    }
    writeSuspects(session.runProject(), report);

    SuspectsPage page(&session);
    page.resize(1100, 760);
    page.show();
    page.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&page));  // shortcuts answer in the active window
    page.setConfirmValidation(false);
    page.showSuspects();
    QListWidget* list = page.list();
    QCOMPARE(list->count(), 4);
    QCOMPARE(list->currentRow(), 0);
    list->setFocus();
    CleaningJournal journal(cleaningJournalFile(session.runProject()));

    QSignalSpy changed(&page, &SuspectsPage::decisionsChanged);
    QTest::keyClick(list, Qt::Key_K);
    QCOMPARE(list->currentRow(), 1);  // on to the next
    QTest::keyClick(list, Qt::Key_E);
    QCOMPARE(list->currentRow(), 2);
    const auto beforeRelabel = journal.state();
    QTest::keyClick(list, Qt::Key_3);  // the third class
    QCOMPARE(changed.count(), 3);
    auto decisions = journal.state().decisions();
    QCOMPARE(decisions.at(report.suspects[0].item).action, CleaningAction::Keep);
    QCOMPARE(decisions.at(report.suspects[1].item).action, CleaningAction::Exclude);
    QCOMPARE(decisions.at(report.suspects[2].item).newLabel, report.classes[2]);
    QVERIFY(list->item(1)->text().contains(QStringLiteral("excluded")));

    if (!qEnvironmentVariableIsEmpty("LB_SHOTS"))
      page.grab().save(qEnvironmentVariable("LB_SHOTS") + QStringLiteral("/suspects_page.png"));

    QTest::keyClick(list, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(journal.state().applied, beforeRelabel.applied);
    QCOMPARE(journal.state().overrides(), beforeRelabel.overrides());

    // The class filter keeps the suspects given or predicted as that class.
    auto* filter = page.findChild<QComboBox*>(QStringLiteral("suspectClassFilter"));
    const int cls = report.suspects[0].label;
    filter->setCurrentIndex(cls + 1);
    for (int r = 0; r < list->count(); ++r)
      QVERIFY(list->item(r)->text().contains(QString::fromStdString(report.classes[std::size_t(cls)])));
    QVERIFY(list->count() < 4 || report.suspects[3].label == cls || report.suspects[3].predicted == cls);
  }
};

QTEST_MAIN(TestSuspectsPage)
#include "tst_suspects_page.moc"
