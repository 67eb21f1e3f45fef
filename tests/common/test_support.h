#pragma once
// Shared by the test suites: where the real data and the sources are, and a comparison of
// floating-point values with a tolerance that prints both sides.
#include <QtTest/QtTest>

#include <cmath>
#include <cstdlib>
#include <string>

namespace lb::test {

inline std::string fashionMnistDir() { return "/usr/share/datasets/fashion-mnist"; }

inline QString sourceDir() { return QString::fromLocal8Bit(qgetenv("LB_SOURCE_DIR")); }

// The example project the app opens on first start (Fashion-MNIST), in the source tree.
inline QString exampleProjectFile() {
  return sourceDir() + QStringLiteral("/resources/examples/fashion-mnist.lbproj");
}

inline bool near(double actual, double expected, double relTol = 1e-9, double absTol = 1e-12) {
  return std::abs(actual - expected) <= absTol + relTol * std::abs(expected);
}

}  // namespace lb::test

// QCOMPARE for doubles with an explicit tolerance and a readable failure message.
#define LB_COMPARE_NEAR(actual, expected, relTol)                                           \
  do {                                                                                      \
    const double a_ = (actual), e_ = (expected);                                            \
    if (!lb::test::near(a_, e_, (relTol)))                                                  \
      QFAIL(qPrintable(QStringLiteral("%1 = %2, expected %3 (relative tolerance %4)")       \
                           .arg(QStringLiteral(#actual)).arg(a_, 0, 'g', 12)               \
                           .arg(e_, 0, 'g', 12).arg(relTol)));                              \
  } while (0)
