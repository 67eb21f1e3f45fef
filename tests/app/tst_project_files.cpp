// The window's project files, offscreen, on folders of real Fashion-MNIST images the test writes:
// File > New project from a folder ends on a Data page that checks out, Save As writes a new
// file and the title follows, unsaved changes are asked about before closing, the recent
// projects list, and an edited example becomes a project of its own.
#include <QApplication>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>

#include "app/main_window.h"
#include "app/new_project_dialog.h"
#include "app/training_session.h"
#include "common/image_folder.h"
#include "widgets/data_block_page.h"
#include "engine/experiment/propose.h"
#include "engine/project/project.h"

using lb::MainWindow;
namespace fs = std::filesystem;

namespace {
constexpr int kTimeoutMs = 60000;
}

class TstProjectFiles : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;
  int m_projects = 0;

  // A project file beside a folder of images, as New project writes it.
  QString writeProject() {
    const fs::path root = m_dir.path().toStdString();
    const std::string name = "set" + std::to_string(++m_projects);
    lb::test::writeImageFolder(root / name, 100, 30);
    const fs::path file = root / (name + ".lbproj");
    lb::saveProject(lb::proposedProject(lb::proposeDataBlock(root / name), file), file);
    return QString::fromStdString(file.string());
  }

 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("LearnbenchTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_project_files"));
  }
  void init() { QSettings().clear(); }

  void newProjectFromAFolderEndsOnACheckedDataPage() {
    const fs::path root = m_dir.path().toStdString();
    lb::test::writeImageFolder(root / "clothes", 120, 30);
    MainWindow w;
    QVERIFY(w.openExampleProject());
    w.show();
    lb::NewProjectDialog* dialog = w.newProject(QString::fromStdString((root / "clothes").string()));
    QVERIFY(dialog);
    QTRY_VERIFY_WITH_TIMEOUT(dialog->hasProposal() || !dialog->problem().isEmpty(), kTimeoutMs);
    QVERIFY2(dialog->hasProposal(), qPrintable(dialog->problem()));
    const QString words = dialog->proposalLines().join(QLatin1Char('\n'));
    QVERIFY2(words.contains(QStringLiteral("by folder")), qPrintable(words));
    QVERIFY2(words.contains(QStringLiteral("10 classes")), qPrintable(words));
    QVERIFY2(words.contains(QStringLiteral("28 x 28")), qPrintable(words));
    // Beside the folder, not inside it.
    const QString expected = QString::fromStdString((root / "clothes.lbproj").string());
    QCOMPARE(dialog->projectFile(), expected);
    QSignalSpy previews(w.dataPage(), &lb::DataBlockPage::previewReady);
    QVERIFY(dialog->create());

    QTRY_COMPARE_WITH_TIMEOUT(QString::fromStdString(w.project().file.string()), expected, kTimeoutMs);
    QCOMPARE(w.findChild<QListWidget*>(QStringLiteral("stepList"))->currentRow(),
             int(MainWindow::DataStep));
    // The example's load may still report first: wait for this project's data.
    QTRY_VERIFY_WITH_TIMEOUT(w.session()->hasData() && w.session()->data().trainItems == 120,
                             kTimeoutMs);
    // The Data page's preview of the new project checks out.
    QTRY_VERIFY_WITH_TIMEOUT(!previews.isEmpty() && previews.last().at(0).toBool(), kTimeoutMs);
    auto* summary = w.findChild<QLabel*>(QStringLiteral("dataSummary"));
    QVERIFY2(summary->text().startsWith(QStringLiteral("Loaded")), qPrintable(summary->text()));
    QVERIFY2(w.session()->state().previewProblem.isEmpty(), qPrintable(w.session()->state().previewProblem));
    QVERIFY2(w.session()->state().dataProblem.isEmpty(), qPrintable(w.session()->state().dataProblem));
    QCOMPARE(w.session()->data().trainItems, 120);
    QCOMPARE(w.session()->data().validItems, 30);
    const lb::Project written = lb::loadProject(expected.toStdString());
    QCOMPARE(written.data.path, std::string("clothes"));  // relative: the two move together
    QVERIFY(w.windowTitle().contains(QStringLiteral("clothes")));
    QVERIFY(!w.isWindowModified());
    QCOMPARE(MainWindow::recentProjects().value(0), expected);
  }

  void aFolderThatCannotMakeAProjectSaysWhy() {
    const fs::path root = m_dir.path().toStdString();
    fs::create_directories(root / "nothing");
    MainWindow w;
    lb::NewProjectDialog* dialog = w.newProject(QString::fromStdString((root / "nothing").string()));
    QTRY_VERIFY_WITH_TIMEOUT(dialog->hasProposal() || !dialog->problem().isEmpty(), kTimeoutMs);
    QVERIFY2(dialog->problem().contains(QStringLiteral("holds no image files")), qPrintable(dialog->problem()));
    QVERIFY(!dialog->create());
    QVERIFY(!QFile::exists(QString::fromStdString((root / "nothing.lbproj").string())));
  }

  void saveAsWritesANewFileAndTheTitleFollows() {
    const QString file = writeProject();
    MainWindow w;
    QVERIFY(w.openProject(file));
    QVERIFY(w.windowTitle().startsWith(QFileInfo(file).completeBaseName()));
    const QString copy = m_dir.filePath(QStringLiteral("sub/renamed.lbproj"));
    QDir().mkpath(m_dir.filePath(QStringLiteral("sub")));
    QVERIFY(w.saveAs(copy));
    QVERIFY(QFile::exists(copy));
    QVERIFY2(w.windowTitle().startsWith(QStringLiteral("renamed[*]")), qPrintable(w.windowTitle()));
    QCOMPARE(QString::fromStdString(w.project().file.string()), copy);
    // The data path still reaches the images from the new folder.
    const lb::Project saved = lb::loadProject(copy.toStdString());
    QCOMPARE(saved.name, std::string("renamed"));
    QCOMPARE(fs::weakly_canonical(saved.dataPath()),
             fs::weakly_canonical(lb::loadProject(file.toStdString()).dataPath()));
    QCOMPARE(MainWindow::recentProjects().value(0), copy);
  }

  void unsavedChangesAreAskedAboutBeforeClosing() {
    const QString file = writeProject();
    MainWindow w;
    int asked = 0;
    QMessageBox::StandardButton answer = QMessageBox::Cancel;
    w.setUnsavedChangesAnswer([&] {
      ++asked;
      return answer;
    });
    QVERIFY(w.openProject(file));
    w.show();
    QTRY_VERIFY_WITH_TIMEOUT(w.session()->hasData(), kTimeoutMs);
    QTest::qWait(300);  // the editors settle: opening is not an edit
    QVERIFY(!w.isWindowModified());
    QVERIFY(w.close());  // nothing to ask
    QCOMPARE(asked, 0);

    w.show();
    w.session()->setTrainSettings(7, 3e-3, 32);
    QVERIFY(w.isWindowModified());
    QVERIFY(w.windowTitle().contains(QStringLiteral("[*]")));  // shown as "*" by the platform
    QVERIFY(!w.close());  // Cancel keeps the window
    QCOMPARE(asked, 1);
    QVERIFY(w.isVisible());
    answer = QMessageBox::Save;
    QVERIFY(w.close());
    QCOMPARE(asked, 2);
    QCOMPARE(lb::loadProject(file.toStdString()).train.epochs, 7);
    QVERIFY(!w.isWindowModified());

    w.show();
    w.session()->setTrainSettings(9, 3e-3, 32);
    answer = QMessageBox::Discard;
    QVERIFY(w.close());
    QCOMPARE(lb::loadProject(file.toStdString()).train.epochs, 7);
  }

  void recentProjectsNewestFirstWithoutMissingFiles() {
    const QString a = writeProject(), b = writeProject(), c = writeProject();
    MainWindow w;
    for (const QString& f : {a, b, c, a}) QVERIFY(w.openProject(f));
    QCOMPARE(MainWindow::recentProjects(), (QStringList{a, c, b}));
    QVERIFY(QFile::remove(c));
    QCOMPARE(MainWindow::recentProjects(), (QStringList{a, b}));
    auto* menu = w.findChild<QMenu*>(QStringLiteral("recentMenu"));
    QVERIFY(menu);
    Q_EMIT menu->aboutToShow();
    QStringList names;
    for (QAction* action : menu->actions()) names << action->text();
    QCOMPARE(names, (QStringList{QFileInfo(a).completeBaseName(), QFileInfo(b).completeBaseName()}));
    // A start without a project reopens the last one.
    MainWindow next;
    QVERIFY(next.openLastProject());
    QCOMPARE(QString::fromStdString(next.project().file.string()), a);
  }

  void firstStartOpensTheExample() {
    MainWindow w;
    QVERIFY(w.openLastProject());
    QVERIFY(w.session()->isExample());
  }

  void anEditedExampleIsANewUnsavedProject() {
    MainWindow w;
    QVERIFY(w.openExampleProject());
    const fs::path exampleRuns = w.session()->runProject().runFolder();
    lb::DataBlockSpec data = w.project().data;
    data.limit = 500;
    w.session()->setDataBlock(data);
    QVERIFY(w.session()->isUntitled());
    QVERIFY(!w.session()->isExample());
    QVERIFY(w.isWindowModified());
    QVERIFY2(w.windowTitle().contains(QStringLiteral("not saved yet")), qPrintable(w.windowTitle()));
    // Its runs go elsewhere than the example's.
    const fs::path runs = w.session()->runProject().runFolder();
    QVERIFY2(runs != exampleRuns, runs.c_str());
    QVERIFY2(runs.string().find("unsaved") != std::string::npos, runs.c_str());
    // Saving names it; a checkpoint of its runs moves along.
    fs::create_directories(runs / "checkpoints");
    std::ofstream(runs / "checkpoints" / "last.pt") << "a checkpoint";
    const QString file = m_dir.filePath(QStringLiteral("my-fashion.lbproj"));
    QVERIFY(w.saveAs(file));
    QVERIFY(!w.session()->isUntitled());
    QVERIFY(fs::exists(w.project().lastCheckpoint()));
    QCOMPARE(lb::loadProject(file.toStdString()).data.limit, 500);
  }
};

QTEST_MAIN(TstProjectFiles)
#include "tst_project_files.moc"
