#include "engine/train/distributed.h"

// ProcessGroupGloo.hpp declares its class only with USE_C10D_GLOO defined.
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include <c10/util/Exception.h>
#include <c10/util/Logging.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "engine/util/device.h"
#include "engine/util/error.h"

namespace lb {

namespace {

// An environment variable as a whole number in [lo, hi]; nullopt when unset.
std::optional<int> envNumber(const char* name, int lo, int hi) {
  const char* text = std::getenv(name);
  if (text == nullptr) return std::nullopt;
  const std::string s(text);
  int value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || value < lo || value > hi)
    throw Error(std::string("The environment variable ") + name + " is \"" + s +
                "\": it must be a whole number from " + std::to_string(lo) + " to " +
                std::to_string(hi) + ".");
  return value;
}

int requiredEnvNumber(const char* name, int lo, int hi) {
  if (auto v = envNumber(name, lo, hi)) return *v;
  throw Error(std::string("WORLD_SIZE is set but ") + name +
              " is not: start every rank with MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK and "
              "LOCAL_RANK, as torchrun does.");
}

// The first line of a library's message, without c10's backtrace.
std::string firstLine(const std::exception& e) {
  const auto* c10 = dynamic_cast<const c10::Error*>(&e);
  std::string s = c10 ? c10->what_without_backtrace() : e.what();
  s = s.substr(0, s.find('\n'));
  while (!s.empty() && (s.back() == '.' || s.back() == ' ')) s.pop_back();
  return s;
}

bool isLoopback(const std::string& addr) {
  return addr == "localhost" || addr.rfind("127.", 0) == 0 || addr == "::1";
}

// The one place the backend is chosen: NCCL for CUDA tensors where this LibTorch has it, Gloo
// otherwise (and always for CPU tensors).
c10::intrusive_ptr<c10d::ProcessGroup> makeProcessGroup(
    const c10::intrusive_ptr<c10d::Store>& store, const DistributedEnv& env,
    std::chrono::milliseconds timeout) {
#ifdef USE_C10D_NCCL
  if (defaultDevice().is_cuda()) {
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = timeout;
    return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, env.rank, env.worldSize, options);
  }
#endif
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  // GLOO_SOCKET_IFNAME as torch reads it; loopback when every rank is on this machine.
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"))
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
  else if (isLoopback(env.masterAddr))
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  else
    options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.worldSize, options);
}

}  // namespace

struct DistributedGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroup> group;
};

std::optional<DistributedEnv> distributedEnvFromEnvironment() {
  const auto world = envNumber("WORLD_SIZE", 1, 65536);
  if (!world) return std::nullopt;
  DistributedEnv env;
  env.worldSize = *world;
  env.rank = requiredEnvNumber("RANK", 0, env.worldSize - 1);
  env.localRank = envNumber("LOCAL_RANK", 0, env.worldSize - 1).value_or(0);
  env.localWorldSize = envNumber("LOCAL_WORLD_SIZE", 1, env.worldSize).value_or(1);
  env.masterPort = requiredEnvNumber("MASTER_PORT", 1, 65535);
  const char* addr = std::getenv("MASTER_ADDR");
  if (addr == nullptr || *addr == '\0')
    throw Error(
        "WORLD_SIZE is set but MASTER_ADDR is not: set it to rank 0's address on every rank.");
  env.masterAddr = addr;
  return env;
}

int threadsPerRank(int localRanks) {
  const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, cores / std::max(1, localRanks));
}

double scaledLearningRate(double lr, int worldSize, LrScaling scaling) {
  if (scaling == LrScaling::Linear) return lr * worldSize;
  if (scaling == LrScaling::Sqrt) return lr * std::sqrt(double(worldSize));
  return lr;
}

DistributedGroup::DistributedGroup(DistributedEnv env, std::chrono::seconds timeout,
                                   std::unique_ptr<Impl> impl)
    : m_env(std::move(env)), m_timeout(timeout), m_impl(std::move(impl)) {}

DistributedGroup::~DistributedGroup() = default;

std::shared_ptr<DistributedGroup> DistributedGroup::join(const DistributedEnv& env,
                                                         std::chrono::seconds timeout) {
#ifdef C10_USE_GLOG
  // c10d logs its socket errors through glog before throwing them; the sentences below say the
  // same to the user, once.
  FLAGS_minloglevel = 3;
#endif
  auto impl = std::make_unique<Impl>();
  const std::string where = env.masterAddr + ":" + std::to_string(env.masterPort);
  const std::string seconds = std::to_string(timeout.count()) + " s";
  const auto timedOut = [](const std::string& why) {
    return why.find("imeout") != std::string::npos || why.find("timed out") != std::string::npos;
  };
  const auto notArrived = [&] {
    if (env.rank == 0)
      return Error("Not all " + std::to_string(env.worldSize) + " ranks arrived at " + where +
                   " within " + seconds +
                   ": start every rank with the same MASTER_ADDR, MASTER_PORT and WORLD_SIZE.");
    return Error("Rank " + std::to_string(env.rank) + " could not reach rank 0 at " + where +
                 " within " + seconds +
                 ": start rank 0 there, or correct MASTER_ADDR and MASTER_PORT.");
  };
  try {
    c10d::TCPStoreOptions o;
    o.port = std::uint16_t(env.masterPort);
    o.isServer = env.rank == 0;
    o.numWorkers = std::size_t(env.worldSize);
    o.waitWorkers = true;
    o.timeout = timeout;
    impl->store = c10::make_intrusive<c10d::TCPStore>(env.masterAddr, o);
  } catch (const std::exception& e) {
    const std::string why = firstLine(e);
    if (env.rank == 0 && !timedOut(why))
      throw Error("Rank 0 could not open the rendezvous at " + where + " (" + why +
                  "): choose a free MASTER_PORT on an address of this machine.");
    throw notArrived();
  }
  try {
    impl->group = makeProcessGroup(impl->store, env, timeout);
  } catch (const std::exception& e) {
    const std::string why = firstLine(e);
    if (timedOut(why)) throw notArrived();
    throw Error("The " + std::to_string(env.worldSize) + " ranks met at " + where +
                " but could not connect to each other (" + why +
                "): check that every machine can reach the others, or set GLOO_SOCKET_IFNAME.");
  }
  return std::shared_ptr<DistributedGroup>(new DistributedGroup(env, timeout, std::move(impl)));
}

std::string DistributedGroup::backend() const { return m_impl->group->getBackendName(); }

void DistributedGroup::lost(const std::exception& e) const {
  const std::string who =
      m_env.worldSize == 2 ? "The other rank (rank " + std::to_string(1 - m_env.rank) + ")"
                           : "One of the other " + std::to_string(m_env.worldSize - 1) + " ranks";
  throw Error(who + " stopped answering rank " + std::to_string(m_env.rank) + " (" + firstLine(e) +
              "), so this rank stops too: it crashed, was killed, or waited more "
              "than " +
              std::to_string(m_timeout.count()) + " s.");
}

void DistributedGroup::allreduceSum(std::vector<torch::Tensor>& tensors) {
  try {
    std::vector<c10::intrusive_ptr<c10d::Work>> work;
    std::vector<std::vector<at::Tensor>> each(tensors.size());
    for (std::size_t i = 0; i < tensors.size(); ++i) {
      each[i] = {tensors[i]};
      work.push_back(m_impl->group->allreduce(each[i]));
    }
    for (auto& w : work) w->wait(m_timeout);
  } catch (const std::exception& e) {
    lost(e);
  }
}

void DistributedGroup::broadcast(std::vector<torch::Tensor>& tensors) {
  try {
    for (auto& t : tensors) {
      std::vector<at::Tensor> one{t};
      m_impl->group->broadcast(one)->wait(m_timeout);
    }
  } catch (const std::exception& e) {
    lost(e);
  }
}

std::vector<torch::Tensor> DistributedGroup::allgather(const torch::Tensor& tensor) {
  try {
    std::vector<std::vector<at::Tensor>> out(1);
    for (int r = 0; r < m_env.worldSize; ++r) out[0].push_back(torch::empty_like(tensor));
    std::vector<at::Tensor> in{tensor.contiguous()};
    m_impl->group->allgather(out, in)->wait(m_timeout);
    return out[0];
  } catch (const std::exception& e) {
    lost(e);
  }
}

int freeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw Error("No free port on 127.0.0.1 for the ranks to meet at: " +
                std::string(std::strerror(errno)) + ".");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace lb
