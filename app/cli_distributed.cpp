#include "app/cli_distributed.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "engine/experiment/experiment.h"
#include "engine/util/error.h"

extern char** environ;

namespace lb {

namespace {

std::string howItEnded(int status) {
  if (WIFSIGNALED(status))
    return std::string("was killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  return "ended with exit status " + std::to_string(WEXITSTATUS(status));
}

struct Rank {
  pid_t pid = -1;
  std::optional<int> status;  // set once it has ended
};

}  // namespace

std::vector<std::string> withoutOption(const std::vector<std::string>& args,
                                       const std::string& option) {
  std::vector<std::string> kept;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == option) {
      ++i;
      continue;
    }
    kept.push_back(args[i]);
  }
  return kept;
}

LrScaling lrScaling(const Options& o) {
  const auto it = o.values.find("--lr-scale");
  if (it == o.values.end() || it->second == "none") return LrScaling::None;
  if (it->second == "linear") return LrScaling::Linear;
  if (it->second == "sqrt") return LrScaling::Sqrt;
  throw std::invalid_argument("--lr-scale is \"" + it->second + "\": choose none, linear or sqrt.");
}

int trainAsQuietRank(Experiment& experiment, bool resume, const std::atomic<bool>* stopRequested,
                     RankSpeed* speed) {
  TrainingHooks hooks;
  if (speed) hooks.onBatch = [speed](const BatchProgress& b) { speed->onBatch(b); };
  hooks.stopRequested = stopRequested;
  hooks.resume = resume;
  // Read to resume from; Experiment writes it on rank 0 only.
  hooks.checkpointFile = experiment.project().lastCheckpoint();
  const TrainingOutcome outcome = experiment.train(hooks);
  return outcome.stopped || !outcome.stopReason.empty() ? 1 : 0;
}

RankSpeed::RankSpeed(int rank, int batchSize, std::ostream& out)
    : m_rank(rank), m_batchSize(batchSize), m_out(out) {}

void RankSpeed::onBatch(const BatchProgress& b) {
  const double busy = b.elapsedSeconds - b.syncSeconds;
  // An epoch's first batch comes after the validation before it: a new window starts there.
  if (!m_started || b.batch == 0) {
    m_started = true;
    m_busyFrom = busy;
    m_images = 0;
    if (m_printedAt == 0) m_printedAt = b.elapsedSeconds;
    return;
  }
  m_images += m_batchSize;
  const bool epochEnds = b.batch + 1 == b.batches;
  if ((b.elapsedSeconds - m_printedAt < 1.0 && !epochEnds) || busy <= m_busyFrom) return;
  const nlohmann::ordered_json line = {{"rank", m_rank},
                                       {"images_per_s", double(m_images) / (busy - m_busyFrom)}};
  // One flush of a short line: one write(), whole, on a pipe the ranks share.
  m_out << line.dump() + "\n" << std::flush;
  m_printedAt = b.elapsedSeconds;
  m_busyFrom = busy;
  m_images = 0;
}

int runLocalRanks(const std::vector<std::string>& args, int nproc, int timeoutSeconds,
                  std::ostream& err, const std::atomic<bool>* stopRequested) {
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  const std::string port = std::to_string(freeLoopbackPort());
  std::vector<Rank> ranks(static_cast<std::size_t>(nproc));
  err << std::flush;
  for (int r = 0; r < nproc; ++r) {
    // Everything the child needs is made before fork: between fork and exec only
    // async-signal-safe calls are allowed.
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) {
      const std::string var(*e);
      const auto ours = {"MASTER_ADDR=", "MASTER_PORT=", "WORLD_SIZE=",
                         "RANK=",        "LOCAL_RANK=",  "LOCAL_WORLD_SIZE="};
      if (std::none_of(ours.begin(), ours.end(),
                       [&](const char* v) { return var.rfind(v, 0) == 0; }))
        env.push_back(var);
    }
    env.push_back("MASTER_ADDR=127.0.0.1");
    env.push_back("MASTER_PORT=" + port);
    env.push_back("WORLD_SIZE=" + std::to_string(nproc));
    env.push_back("RANK=" + std::to_string(r));
    env.push_back("LOCAL_RANK=" + std::to_string(r));
    env.push_back("LOCAL_WORLD_SIZE=" + std::to_string(nproc));
    std::vector<char*> envp, argv{const_cast<char*>(self.c_str())};
    for (auto& v : env) envp.push_back(v.data());
    envp.push_back(nullptr);
    std::vector<std::string> argCopy = args;
    for (auto& a : argCopy) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0)
      throw Error("Could not start rank " + std::to_string(r) + ": " + std::strerror(errno) + ".");
    if (pid == 0) {
      // A launcher that dies asks its ranks to stop, as Ctrl-C does.
      ::prctl(PR_SET_PDEATHSIG, SIGINT);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    ranks[std::size_t(r)].pid = pid;
  }

  using Clock = std::chrono::steady_clock;
  bool stopForwarded = false;
  std::optional<int> failed;  // the first rank that ended badly
  std::optional<Clock::time_point> deadline;
  bool killed = false;
  for (int running = nproc; running > 0;) {
    if (stopRequested && stopRequested->load() && !stopForwarded) {
      for (const Rank& rank : ranks)
        if (!rank.status) ::kill(rank.pid, SIGINT);
      stopForwarded = true;
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      for (int r = 0; r < nproc; ++r) {
        Rank& rank = ranks[std::size_t(r)];
        if (rank.pid != pid) continue;
        rank.status = status;
        --running;
        const bool bad = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
        // A signal is the cause; the exit status 1 of a rank that lost its peer is the effect.
        if (bad && !stopForwarded &&
            (!failed || (WIFSIGNALED(status) && !WIFSIGNALED(*ranks[std::size_t(*failed)].status))))
          failed = r;
        if (bad && !deadline) deadline = Clock::now() + std::chrono::seconds(timeoutSeconds + 5);
      }
      continue;
    }
    if (deadline && Clock::now() > *deadline && !killed) {
      for (const Rank& rank : ranks)
        if (!rank.status) ::kill(rank.pid, SIGKILL);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (failed) {
    err << "Rank " << *failed << " of " << nproc << " "
        << howItEnded(*ranks[std::size_t(*failed)].status)
        << (killed ? "; the other ranks did not stop within " + std::to_string(timeoutSeconds + 5) +
                         " s and were killed."
                   : "; the other ranks stopped with it.")
        << "\n";
    return 1;
  }
  for (const Rank& rank : ranks)
    if (!WIFEXITED(*rank.status) || WEXITSTATUS(*rank.status) != 0) return 1;
  return 0;
}

}  // namespace lb
