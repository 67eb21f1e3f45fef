// learnbench-cli export and predict on the example project: a short real training run is
// exported, and real Fashion-MNIST validation images written as PNG files are predicted better
// than chance, with sorted probabilities, as text and as JSON; an unreadable image gets its
// reason and exit 1 while the others are still predicted; export before training says so.
#include <QtTest/QtTest>

#include "common/cli_runner.h"
#include "common/image_folder.h"
#include "common/test_support.h"

namespace {

QString copyExample(const QTemporaryDir& dir) {
  const QString copy = dir.filePath(QStringLiteral("fm.lbproj"));
  QFile::copy(lb::test::exampleProjectFile(),
              copy);
  QFile(copy).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
  return copy;
}

// "T-shirt/top" as writeImageFolder names its folders.
QString safe(QString label) {
  return label.replace(QLatin1Char('/'), QLatin1Char('_'))
      .replace(QLatin1Char(' '), QLatin1Char('_'));
}

}  // namespace

class TestCliExport : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    const QString project = copyExample(m_dir);
    const Result train =
        runCli({QStringLiteral("train"), project, QStringLiteral("--limit"), QStringLiteral("1200"),
                QStringLiteral("--epochs"), QStringLiteral("1")});
    QVERIFY2(train.exitCode == 0, qPrintable(train.err));
    m_model = m_dir.filePath(QStringLiteral("fm.pt"));
    const Result r = runCli({QStringLiteral("export"), project, QStringLiteral("--out"), m_model});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY(QFile::exists(m_model));
    QVERIFY(!QFile::exists(m_model + QStringLiteral(".part")));

    for (const auto& image : lb::test::writeImageFolder(
             m_dir.filePath(QStringLiteral("images")).toStdString(), 0, 20)) {
      m_images << m_dir.filePath(QStringLiteral("images/") + QString::fromStdString(image.file));
      m_labels << QString::fromStdString(image.label);
    }
    QCOMPARE(m_images.size(), 20);
  }

  void predictBeatsChance() {
    const Result r = runCli(QStringList{QStringLiteral("predict"), m_model} + m_images);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QStringList lines = r.out.trimmed().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), m_images.size());
    int right = 0;
    for (int i = 0; i < lines.size(); ++i) {
      // "FILE  Ankle boot 0.91  Sneaker 0.06  Sandal 0.02"
      const QStringList parts = lines[i].split(QStringLiteral("  "));
      QCOMPARE(parts.first(), m_images[i]);
      QCOMPARE(parts.size(), 4);  // the default k is 3
      double sum = 0, previous = 2;
      for (int t = 1; t < parts.size(); ++t) {
        const int space = int(parts[t].lastIndexOf(QLatin1Char(' ')));
        bool ok = false;
        const double p = parts[t].mid(space + 1).toDouble(&ok);
        QVERIFY2(ok, qPrintable(lines[i]));
        QVERIFY2(p <= previous, qPrintable(lines[i]));
        previous = p;
        sum += p;
        if (t == 1 && safe(parts[t].left(space)) == m_labels[i]) ++right;
      }
      QVERIFY2(sum <= 1.015, qPrintable(lines[i]));  // three values rounded to 0.01
    }
    QVERIFY2(right > 6, qPrintable(QStringLiteral("%1 of 20 right").arg(right)));
  }

  void predictJson() {
    const Result r =
        runCli(QStringList{QStringLiteral("predict"), m_model, QStringLiteral("--json"),
                           QStringLiteral("--k"), QStringLiteral("5")} +
               m_images.mid(0, 4));
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QStringList lines = r.out.trimmed().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 4);
    for (int i = 0; i < lines.size(); ++i) {
      QJsonParseError error;
      const QJsonObject line = QJsonDocument::fromJson(lines[i].toUtf8(), &error).object();
      QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(lines[i]));
      QCOMPARE(line.value(QStringLiteral("file")).toString(), m_images[i]);
      const QJsonArray top = line.value(QStringLiteral("predictions")).toArray();
      QCOMPARE(top.size(), 5);
      double sum = 0, previous = 2;
      for (const auto& v : top) {
        const double p = v.toObject().value(QStringLiteral("probability")).toDouble();
        QVERIFY(!v.toObject().value(QStringLiteral("label")).toString().isEmpty());
        QVERIFY(p <= previous && p >= 0);
        previous = p;
        sum += p;
      }
      QVERIFY(sum <= 1.0 + 1e-6);
    }
  }

  void unreadableImageGivesItsReason() {
    const QString text =
        writeFile(m_dir, QStringLiteral("notes.png"), "these are notes, not pixels");
    const Result r = runCli({QStringLiteral("predict"), m_model, text, m_images[0]});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(text + QStringLiteral(": not an image OpenCV can read")),
             qPrintable(r.err));
    QVERIFY2(r.out.startsWith(m_images[0] + QStringLiteral("  ")), qPrintable(r.out));
    QCOMPARE(r.out.trimmed().split(QLatin1Char('\n')).size(), 1);
  }

  void notAModel() {
    const QString text = writeFile(m_dir, QStringLiteral("fake.pt"), "not a model");
    const Result r = runCli({QStringLiteral("predict"), text, m_images[0]});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("is not a TorchScript model")), qPrintable(r.err));
  }

  void exportBeforeTrainingSaysSo() {
    QTemporaryDir fresh;
    const QString project = copyExample(fresh);
    const Result r = runCli({QStringLiteral("export"), project, QStringLiteral("--out"),
                             fresh.filePath(QStringLiteral("m.pt"))});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("There is no checkpoint at ")), qPrintable(r.err));
    QVERIFY2(
        r.err.contains(QStringLiteral(": train the project first, or name one with --checkpoint.")),
        qPrintable(r.err));
    QVERIFY(!QFile::exists(fresh.filePath(QStringLiteral("m.pt"))));
  }

  // Transfer learning: train --pretrained fine-tunes (a frozen epoch, then the one asked for),
  // and new --pretrained keeps the file in the project, relative to its folder.
  void trainFineTunesAPretrainedModel() {
    QTemporaryDir fresh;
    const QString project = copyExample(fresh);
    const Result r = runCli({QStringLiteral("train"), project, QStringLiteral("--pretrained"),
                             m_model, QStringLiteral("--limit"), QStringLiteral("600"),
                             QStringLiteral("--epochs"), QStringLiteral("1")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QStringList rows = r.out.trimmed().split(QLatin1Char('\n')).mid(1);
    QCOMPARE(rows.size(), 2);
    QVERIFY(rows[0].startsWith(QLatin1Char('0')));
    QVERIFY(rows[1].startsWith(QLatin1Char('1')));
    QFile file(project);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(!file.readAll().contains("pretrained"));  // this run only

    QVERIFY(QFile::copy(m_model, fresh.filePath(QStringLiteral("base.pt"))));
    const QString created = fresh.filePath(QStringLiteral("two.lbproj"));
    const Result n = runCli({QStringLiteral("new"), created, QStringLiteral("--example"),
                             QStringLiteral("fashion-mnist"), QStringLiteral("--pretrained"),
                             fresh.filePath(QStringLiteral("base.pt"))});
    QVERIFY2(n.exitCode == 0, qPrintable(n.err));
    QFile written(created);
    QVERIFY(written.open(QIODevice::ReadOnly));
    QVERIFY(written.readAll().contains("\"pretrained\": \"base.pt\""));
    const Result missing = runCli({QStringLiteral("train"), project, QStringLiteral("--pretrained"),
                                   fresh.filePath(QStringLiteral("nowhere.pt"))});
    QCOMPARE(missing.exitCode, 1);
    QVERIFY2(missing.err.contains(QStringLiteral("does not exist")), qPrintable(missing.err));
  }

 private:
  QTemporaryDir m_dir;
  QString m_model;
  QStringList m_images, m_labels;
};

QTEST_APPLESS_MAIN(TestCliExport)
#include "tst_cli_export.moc"
