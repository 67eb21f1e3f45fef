// learnbench-cli suspects and clean (issue 13) on real Fashion-MNIST PNGs with a tenth of their
// training labels flipped: suspects prints one JSON object per item (path, split, label,
// predicted, score), highest score first; clean appends decisions to the journal, undoes them,
// applies them to the files and back; bad input is a sentence and a non-zero exit.
#include <QtTest/QtTest>

#include <QJsonDocument>
#include <QJsonObject>

#include "common/cli_runner.h"
#include "common/noisy_folder.h"

class TestCliClean : public QObject {
  Q_OBJECT
  QTemporaryDir m_dir;
  QString m_project;
  lb::test::NoisyFolder m_noisy;

  QByteArray journal() const {
    QFile f(m_dir.filePath(QStringLiteral("noisy.learnbench/cleaning.csv")));
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    m_noisy = lb::test::writeNoisyFolder(m_dir.filePath(QStringLiteral("images")).toStdString(), 150, 50, 0.1);
    m_project = m_dir.filePath(QStringLiteral("noisy.lbproj"));
    const Result r = runCli({QStringLiteral("new"), m_project, QStringLiteral("--images"),
                             m_dir.filePath(QStringLiteral("images")), QStringLiteral("--split"),
                             QStringLiteral("grandparent")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
  }

  void suspectsJson() {
    const Result r = runCli({QStringLiteral("suspects"), m_project, QStringLiteral("--k"),
                             QStringLiteral("2"), QStringLiteral("--top"), QStringLiteral("15"),
                             QStringLiteral("--json")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    // No checkpoint yet: the validation items are not ranked, and it says so.
    QVERIFY2(r.err.contains(QStringLiteral("validation items are not ranked")), qPrintable(r.err));
    const QStringList lines = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 15);
    double last = 2;
    int flipped = 0;
    for (const QString& line : lines) {
      const QJsonObject o = QJsonDocument::fromJson(line.toUtf8()).object();
      for (const char* key : {"path", "split", "label", "predicted", "score"})
        QVERIFY2(o.contains(QLatin1String(key)), qPrintable(line));
      QCOMPARE(o.value(QStringLiteral("split")).toString(), QStringLiteral("train"));
      QVERIFY(o.value(QStringLiteral("score")).toDouble() <= last);
      last = o.value(QStringLiteral("score")).toDouble();
      flipped += int(m_noisy.flipped.count(o.value(QStringLiteral("path")).toString().toStdString()));
    }
    qInfo("%d of the 15 flipped items among the top 15 suspects (2 folds of 1 epoch on 150 images)", flipped);
    QVERIFY(flipped > 15 * 15 / 150);  // more than a random ranking's expected 1.5
    QVERIFY(QFile::exists(m_dir.filePath(QStringLiteral("noisy.learnbench/suspects.csv"))));
  }

  void cleanDecisionsUndoAndApply() {
    const auto first = m_noisy.flipped.begin();
    const QString item = QString::fromStdString(first->first);
    const QString truth = QString::fromStdString(first->second);
    const QString other = QString::fromStdString(std::next(first)->first);
    Result r = runCli({QStringLiteral("clean"), m_project, QStringLiteral("--relabel"), item, truth});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains(QStringLiteral("as ") + truth), qPrintable(r.out));
    r = runCli({QStringLiteral("clean"), m_project, QStringLiteral("--exclude"), other, QStringLiteral("--json")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(o.value(QStringLiteral("excluded_total")).toInt(), 1);
    QCOMPARE(o.value(QStringLiteral("relabelled_total")).toInt(), 1);
    QVERIFY(journal().contains(item.toUtf8() + ",relabel,"));

    // Apply to the files, then its undo: the images folder as it was.
    QVERIFY(QFile::exists(m_dir.filePath(QStringLiteral("images/")) + other));
    r = runCli({QStringLiteral("clean"), m_project, QStringLiteral("--apply")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("images/")) + other));
    QVERIFY(QFile::exists(m_dir.filePath(QStringLiteral("images-excluded/")) + other));
    r = runCli({QStringLiteral("clean"), m_project, QStringLiteral("--undo-apply")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY(QFile::exists(m_dir.filePath(QStringLiteral("images/")) + other));

    r = runCli({QStringLiteral("clean"), m_project, QStringLiteral("--undo")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains(QStringLiteral("In effect: 0 excluded, 1 relabelled")), qPrintable(r.out));
    QVERIFY(journal().contains(",undo,"));
  }

  void badInput() {
    const QByteArray before = journal();
    Result r = runCli({QStringLiteral("clean"), m_project, QStringLiteral("--exclude"), QStringLiteral("no/such.png")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("no item no/such.png")), qPrintable(r.err));
    r = runCli({QStringLiteral("clean"), m_project, QStringLiteral("--relabel"),
                QString::fromStdString(m_noisy.flipped.begin()->first), QStringLiteral("Dragon")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("no class \"Dragon\"")), qPrintable(r.err));
    r = runCli({QStringLiteral("clean"), m_project});
    QCOMPARE(r.exitCode, 2);
    r = runCli({QStringLiteral("suspects"), m_project, QStringLiteral("--k"), QStringLiteral("1")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QStringLiteral("--k needs a whole number of at least 2")), qPrintable(r.err));
    QCOMPARE(journal(), before);  // nothing written by a refused command
  }
};

QTEST_GUILESS_MAIN(TestCliClean)
#include "tst_cli_clean.moc"
