// learnbench-cli equivalence (app/cli_distributed.h): N processes against one, on the first steps.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/cli_commands.h"
#include "app/cli_distributed.h"
#include "engine/experiment/equivalence.h"
#include "engine/experiment/experiment.h"

namespace lb {

int runEquivalence(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                   const std::atomic<bool>* stopRequested) {
  const Options o = parseOptions("equivalence", args,
                                 {"--nproc", "--bs", "--steps", "--limit", "--seed", "--threads",
                                  "--dist-timeout"});
  if (o.positional.size() != 1)
    throw std::invalid_argument("equivalence needs exactly one project file: learnbench-cli "
                                "equivalence PROJECT --nproc N.");
  Project project = loadProject(o.positional[0]);
  applyRunOptions(o, project);
  const int steps = int(wholeNumber(o, "--steps", 1, kMaxEquivalenceSteps)
                            .value_or(kDefaultEquivalenceSteps));
  const int timeout = int(wholeNumber(o, "--dist-timeout", 1, 3600)
                              .value_or(kDefaultDistributedTimeoutSeconds));
  const auto env = distributedEnvFromEnvironment();
  const auto nproc = wholeNumber(o, "--nproc", 2, kMaxProcesses);
  if (nproc) {
    if (env)
      throw std::invalid_argument("--nproc starts its own processes: leave it out where a "
                                  "launcher such as torchrun has set WORLD_SIZE.");
    return runLocalRanks(withoutOption(args, "--nproc"), int(*nproc), timeout, err, stopRequested);
  }
  if (!env || env->worldSize < 2)
    throw std::invalid_argument("equivalence compares several processes with one: give --nproc N "
                                "(2 or more), or start it as torchrun starts ranks.");
  if (project.train.threads == 0) project.train.threads = threadsPerRank(env->localWorldSize);
  const int world = env->worldSize;
  std::vector<double> many;
  {
    Experiment ranks(project, DistributedGroup::join(*env, std::chrono::seconds(timeout)));
    many = firstStepLosses(ranks, steps, stopRequested);
  }
  if (env->rank != 0) return 0;
  // The other ranks are done: one process, the whole batch, from the same seeded start.
  Project one = project;
  one.train.batchSize = project.train.batchSize * world;
  Experiment alone(one);
  const std::vector<double> single = firstStepLosses(alone, steps, stopRequested);
  if (stopRequested && stopRequested->load()) {
    err << "The equivalence check was interrupted; nothing was compared.\n";
    return 1;
  }
  const LossComparison c = compareLosses(single, many, world);
  if (!o.json) {
    char head[128];
    std::snprintf(head, sizeof head, "%-8s%-22s%s\n", "step",
                  ("1 process, bs " + std::to_string(one.train.batchSize)).c_str(),
                  (std::to_string(world) + " processes, bs " +
                   std::to_string(project.train.batchSize) + " each").c_str());
    out << head;
  }
  for (int i = 0; i < c.steps; ++i) {
    const double a = single[std::size_t(i)], b = many[std::size_t(i)];
    if (o.json) {
      out << nlohmann::ordered_json{{"step", i}, {"one_process", a}, {"processes", b}}.dump()
          << "\n";
    } else {
      char row[96];
      std::snprintf(row, sizeof row, "%-8d%-22.6f%.6f\n", i + 1, a, b);
      out << row;
    }
  }
  if (o.json)
    out << nlohmann::ordered_json{{"equivalence",
                                   {{"processes", world},
                                    {"batch_size", project.train.batchSize},
                                    {"steps", c.steps},
                                    {"largest_difference", c.largestDifference},
                                    {"largest_relative", c.largestRelative},
                                    {"sentence", c.sentence}}}}
               .dump()
        << "\n";
  else
    out << c.sentence << "\n";
  return 0;
}

}  // namespace lb
