// useShortOpenMpSpin (issue 15): a process started with neither OMP_WAIT_POLICY nor
// GOMP_SPINCOUNT starts itself again with GOMP_SPINCOUNT=10000, so libgomp, which reads them only
// as the process starts, sees it; a value the user set for either is kept, and nothing added.
// What the process started with is read from /proc/self/environ, which a later setenv does not
// change. And useHelperThread may be called from many threads at once.
#include <QtTest/QtTest>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "engine/util/runtime.h"

namespace {

std::string self;

// `name`'s value in the environment this process was started with, "" when absent.
std::string startValue(const std::string& name) {
  std::ifstream in("/proc/self/environ", std::ios::binary);
  const std::string env((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string key = name + "=";
  for (std::size_t at = 0; at < env.size(); at = env.find('\0', at) + 1) {
    if (env.compare(at, key.size(), key) == 0) return env.substr(at + key.size()).c_str();
    if (env.find('\0', at) == std::string::npos) break;
  }
  return "";
}

// What this test program, started with `envPrefix`, says it started with:
// "OMP_WAIT_POLICY GOMP_SPINCOUNT", each "-" when absent.
std::string childSettings(const std::string& envPrefix) {
  FILE* p = popen(("env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT " + envPrefix + " " + self +
                   " --print-settings")
                      .c_str(),
                  "r");
  if (!p) return "popen failed";
  char line[64] = {};
  const bool read = std::fgets(line, sizeof line, p) != nullptr;
  pclose(p);
  return read ? std::string(line) : "";
}

}  // namespace

class TestWaitPolicy : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void startsWithAShortSpinWhenUnset() { QCOMPARE(childSettings(""), std::string("- 10000")); }
  void keepsTheUsersChoice() {
    QCOMPARE(childSettings("OMP_WAIT_POLICY=PASSIVE"), std::string("PASSIVE -"));
    QCOMPARE(childSettings("OMP_WAIT_POLICY=ACTIVE"), std::string("ACTIVE -"));
    QCOMPARE(childSettings("GOMP_SPINCOUNT=500"), std::string("- 500"));
  }
  void thisProcessStartedWithIt() {
    QVERIFY(!startValue("OMP_WAIT_POLICY").empty() || !startValue("GOMP_SPINCOUNT").empty());
  }

  // Every loader thread calls useHelperThread as it starts. OpenCV's thread count is one
  // setting for the process, and setting it rebuilt a TBB arena that other threads were
  // rebuilding too: CI crashed in tbb::task_arena::terminate. Many threads at once, many times.
  void helperThreadsStartingTogetherDoNotCrash() {
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
      threads.emplace_back([] {
        for (int i = 0; i < 200; ++i) lb::useHelperThread();
      });
    for (auto& thread : threads) thread.join();
    QCOMPARE(lb::useThreads(2), 2);
  }
};

int main(int argc, char** argv) {
  lb::useShortOpenMpSpin(argv);
  self = "/proc/" + std::to_string(getpid()) + "/exe";
  if (argc > 1 && std::string(argv[1]) == "--print-settings") {
    const std::string policy = startValue("OMP_WAIT_POLICY"), spin = startValue("GOMP_SPINCOUNT");
    std::printf("%s %s", policy.empty() ? "-" : policy.c_str(), spin.empty() ? "-" : spin.c_str());
    return 0;
  }
  TestWaitPolicy test;
  return QTest::qExec(&test, argc, argv);
}
#include "tst_wait_policy.moc"
