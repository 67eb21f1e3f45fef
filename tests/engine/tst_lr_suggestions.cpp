// fastai's LR-finder suggestions (valley, slide, minimum, steep) and the trimming before them, on
// fixed curves whose answers are worked out by hand in the comments (FASTAI_NOTES.md, "LR finder";
// details as fastai/callback/schedule.py computes them). Also the plot and CSV writers on curves
// too short to suggest anything, and the lr format.
#include <QtTest/QtTest>

#include <cmath>
#include <opencv2/imgcodecs.hpp>

#include "common/test_support.h"
#include "engine/train/lr_plot.h"
#include "engine/train/lr_suggestions.h"
#include "engine/util/error.h"

using namespace lb;

namespace {

using Curve = std::vector<double>;

// lr = 10^(i / 10 - 7): increasing, so the answers depend on the losses only.
Curve lrsFor(std::size_t n) {
  Curve lrs;
  for (std::size_t i = 0; i < n; ++i) lrs.push_back(std::pow(10.0, double(i) / 10 - 7));
  return lrs;
}

std::vector<LrFindPoint> pointsOf(const Curve& smooth, const Curve& raw = {}) {
  std::vector<LrFindPoint> points;
  const Curve lrs = lrsFor(smooth.size());
  for (std::size_t i = 0; i < smooth.size(); ++i)
    points.push_back({int(i), lrs[i], raw.empty() ? 100.0 + double(i) : raw[i], smooth[i]});
  return points;
}

void checkAt(const Suggestion& s, const Curve& lrs, const Curve& losses, int index,
             double lrScale = 1.0) {
  QCOMPARE(s.index, index);
  QVERIFY(s.valid());
  LB_COMPARE_NEAR(s.lr, lrs[std::size_t(index)] * lrScale, 1e-12);
  LB_COMPARE_NEAR(s.loss, losses[std::size_t(index)], 1e-12);
}

}  // namespace

Q_DECLARE_METATYPE(Curve)

class TestLrSuggestions : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void gradientIsNumpys() {
    // Ends one-sided: 4 - 1 and 16 - 9; inside central: (9 - 1) / 2, (16 - 4) / 2.
    QCOMPARE(numericalGradient({1, 4, 9, 16}), (Curve{3, 4, 6, 7}));
    QCOMPARE(numericalGradient({2, 5}), (Curve{3, 3}));
    QCOMPARE(numericalGradient({7}), (Curve{0}));
  }

  // points[numIt / 10 : -5] by numIt even after an early stop, then cut at the first NaN.
  void trimming_data() {
    QTest::addColumn<int>("points");
    QTest::addColumn<int>("numIt");
    QTest::addColumn<int>("nanAt");  // -1: none
    QTest::addColumn<int>("firstIter");
    QTest::addColumn<int>("count");
    QTest::newRow("full sweep") << 100 << 100 << -1 << 10 << 85;
    QTest::newRow("early stop") << 40 << 100 << -1 << 10 << 25;
    QTest::newRow("NaN inside") << 100 << 100 << 50 << 10 << 40;
    QTest::newRow("NaN at the first kept") << 100 << 100 << 10 << 10 << 0;
    QTest::newRow("NaN in the dropped head") << 100 << 100 << 5 << 10 << 85;
    QTest::newRow("NaN in the dropped tail") << 100 << 100 << 97 << 10 << 85;
    QTest::newRow("early stop and NaN") << 60 << 100 << 30 << 10 << 20;
    QTest::newRow("too short") << 14 << 100 << -1 << 0 << 0;
    QTest::newRow("numIt 20") << 20 << 20 << -1 << 2 << 13;
    QTest::newRow("numIt 6") << 6 << 6 << -1 << 0 << 1;
  }
  void trimming() {
    QFETCH(int, points);
    QFETCH(int, numIt);
    QFETCH(int, nanAt);
    QFETCH(int, firstIter);
    QFETCH(int, count);
    Curve smooth;
    for (int i = 0; i < points; ++i) smooth.push_back(i == nanAt ? std::nan("") : 2.0 + i);
    const auto pts = pointsOf(smooth);
    const LrCurve c = trimLrCurve(pts, numIt);
    QCOMPARE(int(c.losses.size()), count);
    QCOMPARE(int(c.lrs.size()), count);
    for (int i = 0; i < count; ++i) {
      QCOMPARE(c.losses[std::size_t(i)], smooth[std::size_t(firstIter + i)]);  // smoothed, not raw
      QCOMPARE(c.lrs[std::size_t(i)], pts[std::size_t(firstIter + i)].lr);
    }
  }

  // lds = length of the longest strictly decreasing subsequence ending at each point; the first
  // point with the largest one is the end; start = end - L; index = start + L/3 + L/6.
  void valley_data() {
    QTest::addColumn<Curve>("losses");
    QTest::addColumn<int>("index");
    // lds 1..12, end 11, L 12, start -1: -1 + 4 + 2.
    QTest::newRow("all falling") << Curve{12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1} << 5;
    // lds 1 1 2 3 4 5 6 7 8 1: end 8, L 8, start 0: 0 + 2 + 1.
    QTest::newRow("run after a low start") << Curve{1, 9, 8, 7, 6, 5, 4, 3, 2, 10} << 3;
    // lds 1 2 3 4 5 4 3 2: end 4, L 5, start -1: -1 + 1 + 0.
    QTest::newRow("v shape") << Curve{5, 4, 3, 2, 1, 2, 3, 4} << 0;
    // Equal losses do not extend a run: lds 1 1 2 2 3, end 4, L 3, start 1: 1 + 1 + 0.
    QTest::newRow("ties") << Curve{3, 3, 2, 2, 1} << 2;
    // Not contiguous: 9 8 7 6 5 4 3 2 0.5 skips the bumps 9.5 and 6.5; lds 9 at index 12,
    // L 9, start 3: 3 + 3 + 1.
    QTest::newRow("bumpy") << Curve{1, 2, 9, 8, 9.5, 7, 6, 6.5, 5, 4, 3, 2, 0.5, 8, 9} << 7;
    // lds 1 2 1 1 1: end 1, L 2, start -1, index -1: Python's last point.
    QTest::newRow("negative index wraps") << Curve{2, 1, 3, 4, 5} << 4;
    QTest::newRow("one point") << Curve{3} << 0;
  }
  void valley() {
    QFETCH(Curve, losses);
    QFETCH(int, index);
    const Curve lrs = lrsFor(losses.size());
    checkAt(suggestValley(lrs, losses), lrs, losses, index);
  }

  // r = last, l = r - 15; while l >= 0 and |g[r] - g[l]| > 0.005, keep l and move both left.
  void slide_data() {
    QTest::addColumn<Curve>("losses");
    QTest::addColumn<int>("index");
    Curve line, bend, parabola;
    for (int i = 0; i < 20; ++i) line.push_back(10 - 0.1 * i);
    // Straight (g = -0.1) to index 24, then rising as (i - 24)^2: g[24] = 0.45, g[23] = -0.1.
    // Windows r = 29..24 differ (l = 14..9 kept); r = 23, l = 8 agree: the answer is 9.
    for (int i = 0; i < 30; ++i) bend.push_back(i <= 24 ? 10 - 0.1 * i : 7.6 + (i - 24) * (i - 24));
    // g = 1, 2, 4, ..., 36, 37: every window differs by about 30, so l runs off the start: 0.
    for (int i = 0; i < 20; ++i) parabola.push_back(double(i) * i);
    QTest::newRow("straight line: first window") << line << 4;
    QTest::newRow("bend") << bend << 9;
    QTest::newRow("runs off the start") << parabola << 0;
  }
  void slide() {
    QFETCH(Curve, losses);
    QFETCH(int, index);
    const Curve lrs = lrsFor(losses.size());
    checkAt(suggestSlide(lrs, losses), lrs, losses, index);
  }

  void slideNeedsSixteenPoints() {
    const Curve losses(15, 1.0), lrs = lrsFor(15);
    QVERIFY(!suggestSlide(lrs, losses).valid());
    QVERIFY(std::isnan(suggestSlide(lrs, losses).lr));
    QVERIFY(suggestSlide(lrsFor(16), Curve(16, 1.0)).valid());
  }

  // A tenth of the lr at the (first) lowest loss; the marker sits on the lowest point.
  void minimum_data() {
    QTest::addColumn<Curve>("losses");
    QTest::addColumn<int>("index");
    QTest::newRow("one low") << Curve{3, 2, 1, 1.5, 0.5, 2} << 4;
    QTest::newRow("first of equal lows") << Curve{3, 1, 2, 1} << 1;
    QTest::newRow("at the start") << Curve{0.1, 1, 2} << 0;
  }
  void minimum() {
    QFETCH(Curve, losses);
    QFETCH(int, index);
    const Curve lrs = lrsFor(losses.size());
    checkAt(suggestMinimum(lrs, losses), lrs, losses, index, 0.1);
  }

  // The most negative (loss[i+1] - loss[i]) / (ln lr[i+1] - ln lr[i]); answer lr[i].
  void steep() {
    {
      // Even lr steps: the largest drop, 4 -> 2, starts at index 1.
      const Curve losses{5, 4, 2, 1.5, 1}, lrs = lrsFor(5);
      checkAt(suggestSteep(lrs, losses), lrs, losses, 1);
    }
    {
      // Slopes -1/ln 10, -1/ln 10, -0.5/ln 2 = -0.72: the short lr step wins, index 2.
      const Curve lrs{1e-3, 1e-2, 1e-1, 2e-1}, losses{3, 2, 1, 0.5};
      checkAt(suggestSteep(lrs, losses), lrs, losses, 2);
    }
    QVERIFY(!suggestSteep({1e-3}, {1.0}).valid());
  }

  void emptyCurveGivesNoSuggestion() {
    const Suggestions s = suggestLearningRates(pointsOf({1, 2, 3}), 100);
    for (const Suggestion* x : {&s.valley, &s.slide, &s.minimum, &s.steep}) {
      QVERIFY(!x->valid());
      QVERIFY(std::isnan(x->lr));
    }
  }

  // All four through the trimming, on the smoothed losses: a sweep of 100 with a bowl whose
  // bottom is at point 60, and raw losses that would point elsewhere.
  void allFourOnASweep() {
    Curve smooth, raw;
    for (int i = 0; i < 100; ++i) {
      smooth.push_back(1 + 0.001 * (i - 60) * (i - 60));
      raw.push_back(i == 20 ? -5.0 : 3.0);
    }
    const auto pts = pointsOf(smooth, raw);
    const Suggestions s = suggestLearningRates(pts, 100);
    const LrCurve c = trimLrCurve(pts, 100);  // points 10..94
    QCOMPARE(c.losses.size(), std::size_t(85));
    // Trimmed: falling strictly over indices 0..50 (points 10..60): lds 51 at index 50,
    // start -1: -1 + 17 + 8 = 24.
    checkAt(s.valley, c.lrs, c.losses, 24);
    checkAt(s.minimum, c.lrs, c.losses, 50, 0.1);
    // Steepest fall at the start of the trimmed curve (the slope shrinks towards the bottom).
    checkAt(s.steep, c.lrs, c.losses, 0);
    // A parabola's gradient changes by 0.002 a point, 0.03 over a window: l runs off the start.
    checkAt(s.slide, c.lrs, c.losses, 0);
    QCOMPARE(pts[10 + std::size_t(s.minimum.index)].iter, 60);
  }

  void lrFormat() {
    QCOMPARE(formatLr(0.0020892961), std::string("2.1e-3"));
    QCOMPARE(formatLr(9.96e-4), std::string("1.0e-3"));
    QCOMPARE(formatLr(10), std::string("1.0e1"));
    QCOMPARE(formatLr(std::nan("")), std::string("n/a"));
  }

  // A sweep that stopped at once (no suggestion) and one with a NaN still plot; files are
  // replaced whole, leaving no temporary behind; a missing folder is one sentence.
  void filesOfShortAndNanSweeps() {
    QTemporaryDir dir;
    const std::string png = dir.filePath(QStringLiteral("a.png")).toStdString();
    const std::string csv = dir.filePath(QStringLiteral("a.csv")).toStdString();
    LrFindResult shortSweep;
    shortSweep.points = pointsOf({2.3, 2.4, 9.0});
    shortSweep.suggestions = suggestLearningRates(shortSweep.points, 100);
    writeLrFindPlot(shortSweep, 100, png);
    QCOMPARE(cv::imread(png).cols, 1000);

    Curve smooth;
    for (int i = 0; i < 60; ++i) smooth.push_back(i < 50 ? 2.3 - 0.02 * i : std::nan(""));
    LrFindResult nanSweep;
    nanSweep.points = pointsOf(smooth);
    nanSweep.suggestions = suggestLearningRates(nanSweep.points, 100);
    QVERIFY(nanSweep.suggestions.valley.valid());
    writeLrFindPlot(nanSweep, 100, png);  // replaces the first
    QCOMPARE(cv::imread(png).rows, 650);
    writeLrFindCsv(nanSweep, csv);
    QFile f(QString::fromStdString(csv));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 61);
    QCOMPARE(lines[0], QByteArray("iteration,lr,loss,smooth_loss"));
    QVERIFY(lines[60].startsWith("59,"));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 2);

    try {
      writeLrFindCsv(nanSweep, "/nonexistent/dir/x.csv");
      QFAIL("no error");
    } catch (const Error& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("does not exist")), e.what());
    }
  }
};

QTEST_APPLESS_MAIN(TestLrSuggestions)
#include "tst_lr_suggestions.moc"
