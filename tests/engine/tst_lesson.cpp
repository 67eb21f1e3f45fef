// Lessons and presenter view in the project file: round trip, old files unchanged, the example's
// three lessons, and a sentence naming the field for every kind of mistake.
#include <QtTest/QtTest>

#include "common/test_support.h"
#include "engine/project/lesson.h"
#include "engine/project/project.h"
#include "engine/util/error.h"

using namespace lb;

namespace {
QString errorOf(const std::string& json) {
  try {
    parseProject(json, "p.lbproj");
  } catch (const Error& e) {
    return QString::fromUtf8(e.what());
  }
  return {};
}

Lesson sampleLesson() {
  Lesson l;
  l.name = "Choosing a learning rate";
  l.steps = {"lr", "train"};
  l.hidden = {"schedulePlot"};
  l.locked = {"epochs", "batchSize"};
  l.text = {{"lr", "Pick a rate where the loss still falls steeply."}};
  return l;
}
}  // namespace

class TestLesson : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void lessonsAndViewSurviveSaveAndReopen() {
    QTemporaryDir dir;
    Project p;
    p.classroom.lessons = {sampleLesson()};
    p.classroom.lesson = "Choosing a learning rate";
    p.classroom.presenter = true;
    p.classroom.highContrast = true;
    p.classroom.guessFirst = true;
    const auto file = dir.filePath(QStringLiteral("c.lbproj")).toStdString();
    saveProject(p, file);
    const Project q = loadProject(file);
    QVERIFY(q.classroom == p.classroom);
    QVERIFY(q.classroom.active());
    QVERIFY(q.classroom.active()->shows("lr"));
    QVERIFY(!q.classroom.active()->shows("data"));
    QVERIFY(q.classroom.active()->locks("epochs"));
    QVERIFY(!q.classroom.active()->locks("lr"));
    QVERIFY(q.classroom.active()->hides("schedulePlot"));
    QCOMPARE(q.classroom.active()->textFor("train"), std::string());
  }

  void projectsWithoutLessonsKeepTheirFile() {
    const std::string plain = projectToJson(Project{});
    QVERIFY(plain.find("\"lessons\"") == std::string::npos);
    QVERIFY(plain.find("\"view\"") == std::string::npos);
    // A file written before lessons existed opens in the full workbench, presenter view off.
    const Project old = parseProject(R"({"formatVersion": 1, "name": "old"})", "old.lbproj");
    QVERIFY(old.classroom == Classroom{});
    QVERIFY(!old.classroom.active());
    QVERIFY(!old.classroom.guessFirst);
  }

  void guessFirstIsRememberedAlone() {
    Project p;
    p.classroom.guessFirst = true;
    const std::string text = projectToJson(p);
    QVERIFY2(text.find("\"guessFirst\": true") != std::string::npos, text.c_str());
    QVERIFY(parseProject(text, "g.lbproj").classroom.guessFirst);
  }

  void aLessonCanShowCleanLabels() {
    const Project p = parseProject(
        R"({"formatVersion": 2, "lessons": [{"name": "Cleaning", "steps": ["inspect", "suspects"],
            "text": {"suspects": "Which labels look wrong?"}}]})",
        "s.lbproj");
    QVERIFY(p.classroom.find("Cleaning")->shows("suspects"));
    QCOMPARE(p.classroom.find("Cleaning")->textFor("suspects"), std::string("Which labels look wrong?"));
  }

  void exampleShipsThreeLessonsInFastaiOrder() {
    const Project p = loadProject(
        test::exampleProjectFile().toStdString());
    QCOMPARE(int(p.classroom.lessons.size()), 3);
    QCOMPARE(p.classroom.lessons[0].name, std::string("Your first classifier"));
    QCOMPARE(p.classroom.lessons[1].name, std::string("Choosing a learning rate"));
    QCOMPARE(p.classroom.lessons[2].name, std::string("Reading mistakes"));
    QVERIFY(p.classroom.lesson.empty());  // the example opens in the full workbench
    const Lesson& first = p.classroom.lessons[0];
    QVERIFY((first.steps == std::vector<std::string>{"data", "train", "inspect"}));
    for (const std::string& s : kLessonSettings) QVERIFY(first.locks(s));
    const Lesson& lr = p.classroom.lessons[1];
    QVERIFY((lr.steps == std::vector<std::string>{"lr", "train"}));
    QVERIFY(!lr.locks("lr"));
    QVERIFY(lr.locks("epochs"));
    const Lesson& mistakes = p.classroom.lessons[2];
    QVERIFY((mistakes.steps == std::vector<std::string>{"inspect"}));
    QVERIFY(!mistakes.hides("confusionMatrix") && !mistakes.hides("gradCamBox"));
    for (const Lesson& l : p.classroom.lessons)
      for (const std::string& step : l.steps) QVERIFY(!l.textFor(step).empty());
  }

  void mistakesAreSentences_data() {
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("expected");
    const auto lesson = [](const char* body) {
      return QStringLiteral(R"({"formatVersion": 2, "lessons": [%1]})").arg(QLatin1String(body));
    };
    QTest::newRow("not a list") << QStringLiteral(R"({"formatVersion": 2, "lessons": {}})")
                                << QStringLiteral("\"lessons\" in p.lbproj must be a list");
    QTest::newRow("no name") << lesson(R"({"steps": ["train"]})")
                             << QStringLiteral("\"lessons[0].name\" in p.lbproj must name the lesson");
    QTest::newRow("no steps") << lesson(R"({"name": "a", "steps": []})")
                              << QStringLiteral("\"lessons[0].steps\" in p.lbproj must list at least one step");
    QTest::newRow("unknown step")
        << lesson(R"({"name": "a", "steps": ["trian"]})")
        << QStringLiteral("\"lessons[0].steps\" in p.lbproj names \"trian\", which is not one of \"data\"");
    QTest::newRow("step twice") << lesson(R"({"name": "a", "steps": ["train", "train"]})")
                                << QStringLiteral("names \"train\" twice");
    QTest::newRow("unknown part")
        << lesson(R"({"name": "a", "steps": ["train"], "hidden": ["card_Nope"]})")
        << QStringLiteral("\"lessons[0].hidden\" in p.lbproj names \"card_Nope\", which is not one of");
    QTest::newRow("unknown setting")
        << lesson(R"({"name": "a", "steps": ["train"], "locked": ["momentum"]})")
        << QStringLiteral("\"lessons[0].locked\" in p.lbproj names \"momentum\"");
    QTest::newRow("text for a hidden step")
        << lesson(R"({"name": "a", "steps": ["train"], "text": {"data": "Look."}})")
        << QStringLiteral("\"lessons[0].text.data\" in p.lbproj is for a step the lesson does not show");
    QTest::newRow("text too long")
        << lesson((R"({"name": "a", "steps": ["train"], "text": {"train": ")" +
                   std::string(kMaxLessonText + 1, 'x') + R"("}})").c_str())
        << QStringLiteral("is longer than 400 characters");
    QTest::newRow("text not a string")
        << lesson(R"({"name": "a", "steps": ["train"], "text": {"train": 3}})")
        << QStringLiteral("\"lessons[0].text.train\" in p.lbproj must be a string");
    QTest::newRow("two of one name")
        << lesson(R"({"name": "a", "steps": ["train"]}, {"name": "a", "steps": ["lr"]})")
        << QStringLiteral("\"lessons[1].name\" in p.lbproj names \"a\", as an earlier lesson does");
    QTest::newRow("unknown field") << lesson(R"({"name": "a", "steps": ["train"], "show": []})")
                                   << QStringLiteral("Unknown field \"lessons[0].show\"");
    QTest::newRow("view names no lesson")
        << QStringLiteral(R"({"formatVersion": 2, "view": {"lesson": "Missing"}})")
        << QStringLiteral("\"view.lesson\" in p.lbproj names \"Missing\", which is not one of the project's lessons");
    QTest::newRow("presenter not a boolean")
        << QStringLiteral(R"({"formatVersion": 2, "view": {"presenter": "yes"}})")
        << QStringLiteral("\"view.presenter\" in p.lbproj must be true or false");
    QTest::newRow("guess first not a boolean")
        << QStringLiteral(R"({"formatVersion": 2, "view": {"guessFirst": 1}})")
        << QStringLiteral("\"view.guessFirst\" in p.lbproj must be true or false");
  }

  void mistakesAreSentences() {
    QFETCH(QString, json);
    QFETCH(QString, expected);
    const QString message = errorOf(json.toStdString());
    QVERIFY2(message.contains(expected), qPrintable(message));
  }

  void aLessonMadeInTheWindowIsCheckedAlike() {
    Lesson l = sampleLesson();
    validateLesson(l);  // a good lesson passes
    l.text["data"] = "Not shown.";
    try {
      validateLesson(l);
      QFAIL("text for a step the lesson hides was accepted");
    } catch (const Error& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains(
                   QStringLiteral("The lesson \"Choosing a learning rate\"'s text.data is for a step")),
               e.what());
    }
  }
};

QTEST_APPLESS_MAIN(TestLesson)
#include "tst_lesson.moc"
