#include "engine/util/runtime.h"

#include <ATen/Parallel.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <opencv2/core/utility.hpp>
#include <thread>

namespace lb {

int useThreads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::init_num_threads();
  at::set_num_threads(threads);
  // The engine decodes in its own threads; OpenCV's pool on top would oversubscribe the cores.
  // The setting is process-wide, and Debian's OpenCV rebuilds its TBB arena on every call:
  // loader threads calling it at once crashed in tbb::task_arena::terminate (CI, tst_cleaning).
  static std::once_flag openCvOnce;
  std::call_once(openCvOnce, [] { cv::setNumThreads(1); });
  return threads;
}

void useHelperThread() { useThreads(1); }

void useShortOpenMpSpin(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr)
    return;
  setenv("GOMP_SPINCOUNT", "10000", 1);
  execv("/proc/self/exe", argv);  // only returns when it failed: run on with libgomp's default
}

void tuneAllocator() {
  mallopt(M_MMAP_THRESHOLD, 256 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
}

}  // namespace lb
