// LatestJob, "latest request wins": of three requests in a row only the last is delivered, even
// when the older ones end after it; a cancelled request (or one of a destroyed tracker) is never
// delivered, even when it ended before cancel() and only its delivery was still queued; an
// exception becomes userMessage()'s sentence; one at a time runs only the newest waiting request.
#include <QSemaphore>
#include <QThread>
#include <QThreadPool>
#include <QtTest/QtTest>
#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "engine/util/error.h"
#include "widgets/latest_job.h"

using namespace lb;

namespace {

// What the jobs saw, shared with them (they may outlive a test's locals).
struct Shared {
  std::array<QSemaphore, 4> gates;
  std::array<std::atomic<bool>, 4> sawCancel{};
  std::atomic<int> finished{0};
  std::atomic<int> running{0};
  std::atomic<int> mostRunning{0};
  std::mutex mutex;
  std::vector<int> ran;
};

// Opens every gate when a test ends, so that one that fails early leaves no job blocked (the
// global pool would wait for it at exit).
struct OpenGatesAtEnd {
  std::shared_ptr<Shared> s;
  ~OpenGatesAtEnd() {
    for (auto& gate : s->gates) gate.release(100);
  }
};

// A job that waits for its gate (when `gated`) and returns `id`.
auto gatedJob(std::shared_ptr<Shared> s, int id, bool gated = true) {
  return [s, id, gated](const std::atomic<bool>& cancelled) {
    const int now = ++s->running;
    for (int most = s->mostRunning;
         now > most && !s->mostRunning.compare_exchange_weak(most, now);) {
    }
    {
      std::lock_guard lock(s->mutex);
      s->ran.push_back(id);
    }
    if (gated) s->gates[std::size_t(id)].acquire();
    s->sawCancel[std::size_t(id)] = cancelled.load();
    --s->running;
    ++s->finished;
    return id;
  };
}

// Blocks the GUI thread (no events) until `n` jobs have ended.
void waitWithoutEvents(const Shared& s, int n) {
  for (int i = 0; i < 5000 && s.finished < n; ++i) QThread::msleep(1);
  QThread::msleep(20);  // and for QtConcurrent to report the result
}

}  // namespace

class TestLatestJob : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    // Enough threads that gated jobs never wait for each other's slots.
    QThreadPool::globalInstance()->setMaxThreadCount(8);
  }

  void threeRequestsDeliverOnlyTheLast() {
    auto s = std::make_shared<Shared>();
    const OpenGatesAtEnd open{s};
    QObject context;
    LatestJob<int> job(&context);
    std::vector<int> delivered;
    QStringList failures;
    for (int id = 1; id <= 3; ++id)
      job.start(
          gatedJob(s, id), [&](int v) { delivered.push_back(v); },
          [&](const QString& m) { failures << m; });
    QVERIFY(job.isPending());
    s->gates[3].release();  // the newest ends first
    QTRY_COMPARE(delivered, std::vector<int>{3});
    QVERIFY(!job.isPending());
    s->gates[1].release();
    s->gates[2].release();
    QTRY_COMPARE(s->finished.load(), 3);
    QTest::qWait(100);
    QCOMPARE(delivered, std::vector<int>{3});
    QVERIFY(failures.isEmpty());
    QVERIFY(s->sawCancel[1] && s->sawCancel[2]);  // older jobs were asked to stop
    QVERIFY(!s->sawCancel[3]);
  }

  void aCancelledRequestIsNeverDelivered() {
    auto s = std::make_shared<Shared>();
    const OpenGatesAtEnd open{s};
    QObject context;
    LatestJob<int> job(&context);
    std::vector<int> delivered;
    auto done = [&](int v) { delivered.push_back(v); };
    auto failed = [&](const QString& m) { QFAIL(qPrintable(m)); };

    // Cancelled while it runs.
    job.start(gatedJob(s, 1), done, failed);
    job.cancel();
    QVERIFY(!job.isPending());
    s->gates[1].release();
    QTRY_COMPARE(s->finished.load(), 1);
    QTest::qWait(100);
    QVERIFY(delivered.empty());
    QVERIFY(s->sawCancel[1]);

    // Cancelled after it ended, while only its delivery waited in the event queue.
    job.start(gatedJob(s, 2, false), done, failed);
    waitWithoutEvents(*s, 2);
    job.cancel();
    QTest::qWait(100);
    QVERIFY(delivered.empty());

    // A request after a cancel is delivered as usual.
    job.start(gatedJob(s, 3, false), done, failed);
    QTRY_COMPARE(delivered, std::vector<int>{3});
  }

  void aDestroyedTrackerDeliversNothing() {
    auto s = std::make_shared<Shared>();
    const OpenGatesAtEnd open{s};
    QObject context;
    bool delivered = false;
    auto job = std::make_unique<LatestJob<int>>(&context);
    job->start(
        gatedJob(s, 1), [&](int) { delivered = true; }, [&](const QString&) {});
    auto ended = std::make_unique<LatestJob<int>>(&context);  // ended, delivery still queued
    ended->start(
        gatedJob(s, 2, false), [&](int) { delivered = true; }, [&](const QString&) {});
    waitWithoutEvents(*s, 1);
    job.reset();
    ended.reset();
    s->gates[1].release();
    QTRY_COMPARE(s->finished.load(), 2);
    QTest::qWait(100);
    QVERIFY(!delivered);
    QVERIFY(s->sawCancel[1]);
  }

  void anExceptionBecomesTheRulesSentence() {
    QObject context;
    LatestJob<int> job(&context);
    QStringList failures;
    bool delivered = false;
    auto done = [&](int) { delivered = true; };
    auto failed = [&](const QString& m) { failures << m; };
    job.start([]() -> int { throw Error("The folder /x has no images."); }, done, failed);
    QTRY_COMPARE(failures.size(), 1);
    job.start([]() -> int { throw std::runtime_error("boom"); }, done, failed);
    QTRY_COMPARE(failures.size(), 2);
    job.start([]() -> int { throw 42; }, done, failed);
    QTRY_COMPARE(failures.size(), 3);
    QCOMPARE(failures, QStringList({QStringLiteral("The folder /x has no images."),
                                    QStringLiteral("Something went wrong inside Learnbench: boom"),
                                    QStringLiteral("Something went wrong inside Learnbench: "
                                                   "unknown exception")}));
    QVERIFY(!delivered);
    QVERIFY(!job.isPending());

    LatestJob<void> nothing(&context);
    bool ok = false;
    nothing.start([] {}, [&] { ok = true; }, failed);
    QTRY_VERIFY(ok);
  }

  void oneAtATimeRunsOnlyTheNewestWaitingRequest() {
    auto s = std::make_shared<Shared>();
    const OpenGatesAtEnd open{s};
    QObject context;
    LatestJob<int> job(&context, LatestJob<int>::Mode::OneAtATime);
    std::vector<int> delivered;
    auto done = [&](int v) { delivered.push_back(v); };
    auto failed = [&](const QString& m) { QFAIL(qPrintable(m)); };
    job.start(gatedJob(s, 1), done, failed);
    job.start(gatedJob(s, 2, false), done, failed);
    job.start(gatedJob(s, 3, false), done, failed);
    QTest::qWait(100);
    QCOMPARE(s->finished.load(), 0);  // 2 and 3 wait for 1
    QVERIFY(job.isPending());
    s->gates[1].release();
    QTRY_COMPARE(delivered, std::vector<int>{3});
    QCOMPARE(s->ran, (std::vector<int>{1, 3}));
    QCOMPARE(s->mostRunning.load(), 1);

    // A cancel while one runs: the next request still waits for it.
    job.start(gatedJob(s, 0), done, failed);
    job.cancel();
    job.start(gatedJob(s, 2, false), done, failed);
    QTest::qWait(100);
    QCOMPARE(s->finished.load(), 2);
    s->gates[0].release();
    QTRY_COMPARE(delivered, (std::vector<int>{3, 2}));
    QCOMPARE(s->mostRunning.load(), 1);
  }
};

QTEST_GUILESS_MAIN(TestLatestJob)
#include "tst_latest_job.moc"
