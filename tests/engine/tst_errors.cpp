// The one rule for errors shown to users (userMessage): an lb::Error is its sentence as it is and
// is not logged; anything else reads "Something went wrong inside Learnbench: <what>" and is
// logged to stderr exactly once; torch's backtrace stays in the log, out of the sentence.
#include <QtTest/QtTest>

#include <c10/util/Exception.h>

#include <algorithm>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "engine/util/error.h"

using namespace lb;

Q_DECLARE_METATYPE(std::exception_ptr)

namespace {

// Collects what std::cerr gets while it lives.
class CerrCapture {
 public:
  CerrCapture() : m_old(std::cerr.rdbuf(m_text.rdbuf())) {}
  ~CerrCapture() { std::cerr.rdbuf(m_old); }
  std::string text() const { return m_text.str(); }
  int lines() const {
    const std::string s = text();
    return int(std::count(s.begin(), s.end(), '\n'));
  }

 private:
  std::ostringstream m_text;
  std::streambuf* m_old;
};

class NoImages : public Error {
 public:
  NoImages() : Error("The folder /x has no images.") {}
};

template <typename E>
std::exception_ptr thrown(E e) {
  try {
    throw e;
  } catch (...) {
    return std::current_exception();
  }
}

QString q(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

class TestErrors : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void anErrorIsItsSentenceAndIsNotLogged() {
    CerrCapture cerr;
    QCOMPARE(q(userMessage(Error("The file a.png cannot be read."))),
             QStringLiteral("The file a.png cannot be read."));
    QCOMPARE(q(userMessage(NoImages())), QStringLiteral("The folder /x has no images."));
    QCOMPARE(q(userMessage(thrown(Error("A sentence.")))), QStringLiteral("A sentence."));
    QCOMPARE(q(userMessage(thrown(NoImages()))), QStringLiteral("The folder /x has no images."));
    QCOMPARE(q(cerr.text()), QString());
  }

  void anyOtherExceptionIsABugLoggedOnce_data() {
    QTest::addColumn<std::exception_ptr>("error");
    QTest::addColumn<QString>("shown");
    QTest::addColumn<QString>("logged");
    QTest::newRow("runtime_error")
        << thrown(std::runtime_error("boom"))
        << QStringLiteral("Something went wrong inside Learnbench: boom") << QStringLiteral("boom");
    QTest::newRow("out_of_range") << thrown(std::out_of_range("vector::at"))
                                  << QStringLiteral(
                                         "Something went wrong inside Learnbench: vector::at")
                                  << QStringLiteral("vector::at");
    QTest::newRow("not a std::exception")
        << thrown(42) << QStringLiteral("Something went wrong inside Learnbench: unknown exception")
        << QStringLiteral("unknown exception");
    QTest::newRow("null") << std::exception_ptr()
                          << QStringLiteral(
                                 "Something went wrong inside Learnbench: unknown exception")
                          << QStringLiteral("unknown exception");
  }
  void anyOtherExceptionIsABugLoggedOnce() {
    QFETCH(std::exception_ptr, error);
    QFETCH(QString, shown);
    QFETCH(QString, logged);
    {
      CerrCapture cerr;
      QCOMPARE(q(userMessage(error)), shown);
      QCOMPARE(cerr.lines(), 1);
      QVERIFY2(q(cerr.text()).startsWith(QStringLiteral("Learnbench internal error: ") + logged),
               qPrintable(q(cerr.text())));
    }
    // The overload for a caught std::exception says and logs the same.
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      CerrCapture cerr;
      QCOMPARE(q(userMessage(e)), shown);
      QCOMPARE(cerr.lines(), 1);
    } catch (...) {
    }
  }

  void torchKeepsItsBacktraceInTheLog() {
    try {
      TORCH_CHECK(false, "Expected 3 channels, got 1");
      QFAIL("TORCH_CHECK did not throw");
    } catch (const std::exception& e) {
      const std::string what = e.what();
      QVERIFY2(what.find('\n') != std::string::npos, "c10::Error carries no backtrace here");
      CerrCapture cerr;
      const QString shown = q(userMessage(e));
      QVERIFY2(shown.startsWith(QStringLiteral("Something went wrong inside Learnbench: ")),
               qPrintable(shown));
      QVERIFY2(shown.contains(QStringLiteral("Expected 3 channels, got 1")), qPrintable(shown));
      QVERIFY2(!shown.contains(QLatin1Char('\n')), qPrintable(shown));  // one sentence
      QVERIFY(q(cerr.text()).contains(q(what)));                        // the log keeps it all
    }
  }
};

QTEST_APPLESS_MAIN(TestErrors)
#include "tst_errors.moc"
