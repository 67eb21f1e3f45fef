// usePassiveOpenMp (issue 15): a process started without OMP_WAIT_POLICY starts itself again
// with PASSIVE, so libgomp, which reads the variable only as the process starts, sees it; a
// value the user set is kept. What the process started with is read from /proc/self/environ,
// which a later setenv does not change. And useHelperThread may be called from many threads at
// once.
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

// OMP_WAIT_POLICY in the environment this process was started with, "" when absent.
std::string startPolicy() {
  std::ifstream in("/proc/self/environ", std::ios::binary);
  const std::string env((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string key = "OMP_WAIT_POLICY=";
  for (std::size_t at = 0; at < env.size(); at = env.find('\0', at) + 1) {
    if (env.compare(at, key.size(), key) == 0) return env.substr(at + key.size()).c_str();
    if (env.find('\0', at) == std::string::npos) break;
  }
  return "";
}

// What this test program, started with `envPrefix`, says it started with.
std::string childPolicy(const std::string& envPrefix) {
  FILE* p = popen((envPrefix + " " + self + " --print-policy").c_str(), "r");
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
  void startsWithPassiveWhenUnset() {
    QCOMPARE(childPolicy("env -u OMP_WAIT_POLICY"), std::string("PASSIVE"));
  }
  void keepsTheUsersChoice() {
    QCOMPARE(childPolicy("env OMP_WAIT_POLICY=ACTIVE"), std::string("ACTIVE"));
  }
  void thisProcessStartedWithIt() { QVERIFY(!startPolicy().empty()); }

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
  lb::usePassiveOpenMp(argv);
  self = "/proc/" + std::to_string(getpid()) + "/exe";
  if (argc > 1 && std::string(argv[1]) == "--print-policy") {
    std::printf("%s", startPolicy().c_str());
    return 0;
  }
  TestWaitPolicy test;
  return QTest::qExec(&test, argc, argv);
}
#include "tst_wait_policy.moc"
