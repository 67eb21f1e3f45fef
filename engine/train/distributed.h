#pragma once
// Data-parallel training on PyTorch's own distributed layer (c10d): the ranks of one training
// meet through a TCPStore at MASTER_ADDR:MASTER_PORT (torchrun's environment) and talk through a
// process group: Gloo for CPU tensors, NCCL for CUDA tensors where LibTorch was built with it
// (chosen in one place, distributed.cpp's makeProcessGroup). The C++ frontend has no
// DistributedDataParallel; DataParallel (engine/train/data_parallel.h) is ours, on these
// collectives. Every collective waits at most the group's timeout; a rank that crashed, was
// killed or lost its network ends the others with an lb::Error that says so, never a hang.
// Torch-free, so the command line can join a group without compiling LibTorch.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace at {
class Tensor;
}

namespace lb {

// torchrun's environment contract: MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK and
// (optional) LOCAL_WORLD_SIZE.
struct DistributedEnv {
  std::string masterAddr = "127.0.0.1";
  int masterPort = 29500;
  int worldSize = 1;
  int rank = 0;
  int localRank = 0;
  int localWorldSize = 1;  // ranks on this machine
};

// The environment's group, or nullopt when WORLD_SIZE is unset (a plain single process).
// Throws lb::Error naming a variable that is missing or out of range.
std::optional<DistributedEnv> distributedEnvFromEnvironment();

// A port the system says is free now on 127.0.0.1, for ranks started here to meet at (as
// torchrun --standalone finds one). Throws lb::Error when no socket can be bound.
int freeLoopbackPort();

// Intra-op threads for each of `localRanks` ranks sharing this machine's cores: at least one.
int threadsPerRank(int localRanks);

// How a learning rate set for one process is scaled for `worldSize` processes: left as set (the
// default), times worldSize (linear), or times its square root.
enum class LrScaling { None, Linear, Sqrt };
double scaledLearningRate(double lr, int worldSize, LrScaling scaling);

// How long rendezvous and each collective wait for the other ranks, unless told otherwise.
inline constexpr int kDefaultDistributedTimeoutSeconds = 60;

class DistributedGroup {
 public:
  // Meets the other ranks: rank 0 serves the TCPStore, every rank connects to it, then the
  // process group is formed. Throws lb::Error within `timeout` when a peer never arrives, when
  // rank 0's address cannot be reached, or when its port is taken.
  static std::shared_ptr<DistributedGroup> join(const DistributedEnv& env,
                                                std::chrono::seconds timeout);
  ~DistributedGroup();

  int rank() const { return m_env.rank; }
  int worldSize() const { return m_env.worldSize; }
  const DistributedEnv& env() const { return m_env; }
  std::string backend() const;
  std::chrono::seconds timeout() const { return m_timeout; }

  // In place, every rank's tensors summed (started together, then waited for, so several
  // buckets travel at once).
  void allreduceSum(std::vector<at::Tensor>& tensors);
  // In place, rank 0's values on every rank.
  void broadcast(std::vector<at::Tensor>& tensors);
  // Every rank's `tensor` (the same shape on every rank), in rank order.
  std::vector<at::Tensor> allgather(const at::Tensor& tensor);

 private:
  struct Impl;
  DistributedGroup(DistributedEnv env, std::chrono::seconds timeout, std::unique_ptr<Impl> impl);
  // Turns a failed collective's exception into the sentence naming the rank(s) lost.
  [[noreturn]] void lost(const std::exception& e) const;

  DistributedEnv m_env;
  std::chrono::seconds m_timeout;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace lb
