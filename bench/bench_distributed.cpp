// Data-parallel training on this machine (issue 16): one epoch of the Fashion-MNIST example
// (simple CNN) trained by 1 process with 2 intra-op threads, against 2 processes (Gloo on
// loopback) with 1 thread each, at the same global batch (64 unless --bs); images/s of the
// training phase, and for 2 processes the time each step spends summing gradients over the
// ranks (DataParallel's all-reduce, bucketed, with the loss and waiting for the slower rank).
// With --sync-bn the 2 processes' BatchNorm layers are SyncBatchNorm (train.syncBatchNorm).
//   bench_distributed [--limit N] [--bs B] [--repeats R] [--sync-bn]
// The program starts itself as the workers (BENCH_THREADS and torchrun's variables set).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_common.h"
#include "engine/data/sharded_loader.h"
#include "engine/experiment/build_learner.h"
#include "engine/train/callbacks.h"
#include "engine/train/data_parallel.h"
#include "engine/train/distributed.h"
#include "engine/util/runtime.h"

namespace {

// Seconds of the training phases of a fit.
class TrainClock : public lb::Callback {
 public:
  void beforeTrain(lb::Learner&) override { m_clock = lb::bench::Stopwatch(); }
  void afterTrain(lb::Learner&) override { seconds += m_clock.seconds(); }
  double seconds = 0;

 private:
  lb::bench::Stopwatch m_clock;
};

int worker(int limit, int globalBatch, bool syncBn) {
  const int threads = std::atoi(std::getenv("BENCH_THREADS"));
  lb::useThreads(threads);
  const auto env = lb::distributedEnvFromEnvironment();
  std::shared_ptr<lb::DistributedGroup> group;
  if (env && env->worldSize > 1) group = lb::DistributedGroup::join(*env, std::chrono::seconds(60));
  const int world = group ? group->worldSize() : 1, rank = group ? group->rank() : 0;

  lb::Project project;  // the example's data and model (simple_cnn), with the defaults
  project.data.source = lb::SourceKind::FashionMnist;
  project.data.path = "/usr/share/datasets/fashion-mnist";
  project.data.limit = limit;
  project.train.batchSize = globalBatch / world;
  project.train.syncBatchNorm = syncBn;
  lb::DataLoaders data = lb::buildProjectData(project);
  std::shared_ptr<lb::ShardedLoader> validShard;
  if (group) {
    validShard = std::make_shared<lb::ShardedLoader>(data.valid, rank, world, false);
    data.train = std::make_shared<lb::ShardedLoader>(data.train, rank, world, true);
    data.valid = validShard;
  }
  auto built = lb::buildLearnerOn(project, data, true, group);
  lb::Learner& learn = *built.learner;
  auto clock = std::make_shared<TrainClock>();
  learn.addCallback(clock);
  std::shared_ptr<lb::DataParallel> parallel;
  if (group) {
    parallel = std::make_shared<lb::DataParallel>(group, validShard);
    learn.addCallback(parallel);
  }
  learn.fitOneCycle(1, lb::OneCycleOptions{}.setLrMax(1e-2));
  const long images = long(learn.trainLoader().batches()) * project.train.batchSize;
  std::printf("  rank %d: %d thread(s), batch %d, %ld images in %.2f s: %.0f images/s", rank,
              threads, project.train.batchSize, images, clock->seconds,
              double(images) / clock->seconds);
  if (parallel)
    std::printf("; all-reduce %.2f ms a step (%ld steps)",
                1000 * parallel->gradientSyncSeconds() / double(parallel->gradientSyncs()),
                parallel->gradientSyncs());
  std::printf("\n");
  std::fflush(stdout);
  return 0;
}

// Runs `processes` copies of this program as workers with `threads` threads each; waits.
void launch(const char* self, int processes, int threads, const std::vector<std::string>& args) {
  std::vector<pid_t> pids;
  for (int r = 0; r < processes; ++r) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::setenv("BENCH_THREADS", std::to_string(threads).c_str(), 1);
      if (processes > 1) {
        ::setenv("MASTER_ADDR", "127.0.0.1", 1);
        ::setenv("MASTER_PORT", "29561", 1);
        ::setenv("WORLD_SIZE", std::to_string(processes).c_str(), 1);
        ::setenv("RANK", std::to_string(r).c_str(), 1);
        ::setenv("LOCAL_RANK", std::to_string(r).c_str(), 1);
      }
      std::vector<char*> argv{const_cast<char*>(self)};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(self, argv.data());
      ::_exit(127);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) ::waitpid(pid, nullptr, 0);
}

}  // namespace

int main(int argc, char** argv) {
  lb::tuneAllocator();
  int limit = 12000, bs = 64, repeats = 2;
  bool syncBn = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--sync-bn")) {
      syncBn = true;
      continue;
    }
    if (i + 1 >= argc) break;
    if (!std::strcmp(argv[i], "--limit")) limit = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--bs")) bs = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--repeats")) repeats = std::atoi(argv[i + 1]);
    ++i;
  }
  if (std::getenv("BENCH_THREADS")) return worker(limit, bs, syncBn);
  const std::vector<std::string> args(argv + 1, argv + argc);
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::printf("bench_distributed: one epoch of %d Fashion-MNIST images, simple CNN, global batch "
              "%d, %u cores%s\n",
              limit, bs, std::thread::hardware_concurrency(),
              syncBn ? ", SyncBatchNorm on 2 processes" : "");
  for (int r = 0; r < repeats; ++r) {
    std::printf("1 process, 2 threads:\n");
    std::fflush(stdout);
    launch(self.c_str(), 1, 2, args);
    std::printf("2 processes (Gloo, loopback), 1 thread each (images/s of the pair: the sum):\n");
    std::fflush(stdout);
    launch(self.c_str(), 2, 1, args);
  }
  return 0;
}
