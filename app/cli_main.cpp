#include <csignal>
#include <iostream>

#include "app/cli.h"
#include "engine/util/runtime.h"

namespace {
std::atomic<bool> g_stop{false};
extern "C" void onInterrupt(int) { g_stop = true; }
}  // namespace

int main(int argc, char** argv) {
  lb::useShortOpenMpSpin(argv);  // first: it may start this program again
  lb::tuneAllocator();
  // Ctrl-C ends training after the current batch, with the finished epochs already printed.
  std::signal(SIGINT, onInterrupt);
  std::vector<std::string> args(argv + 1, argv + argc);
  return lb::runCli(args, std::cout, std::cerr, &g_stop);
}
