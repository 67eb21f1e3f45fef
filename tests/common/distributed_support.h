#pragma once
// Shared by the tests of training on several processes: a Fashion-MNIST project whose model has
// no BatchNorm and no dropout (so N ranks and one process must agree), and the ranks a launcher
// started. Needs cli_runner.h's runCli (LB_CLI_PATH) and lb_engine.
#include <sys/types.h>

#include <QString>
#include <fstream>
#include <map>
#include <string>

#include "common/cli_runner.h"
#include "engine/project/project.h"

namespace {

// The Fashion-MNIST example as `new` writes it, as dir/p.lbproj, with `limit` items, one epoch
// and the model Conv2d (8 channels, stride 2), ReLU, Flatten, Linear.
inline QString writeNoBatchNormProject(const QString& dir, int limit) {
  const QString file = dir + QStringLiteral("/p.lbproj");
  const Result made = runCli({QStringLiteral("new"), file, QStringLiteral("--example"),
                              QStringLiteral("fashion-mnist")});
  if (made.exitCode != 0) qFatal("new failed: %s", qPrintable(made.err));
  lb::Project p = lb::loadProject(file.toStdString());
  p.model = lb::ModelSpec{};
  p.model.name = "layers";
  auto conv = lb::layerOf(lb::LayerKind::Conv2d);
  conv.out = 8;
  conv.stride = 2;
  p.model.layers = {conv, lb::layerOf(lb::LayerKind::ReLU), lb::layerOf(lb::LayerKind::Flatten),
                    lb::layerOf(lb::LayerKind::Linear)};
  p.data.limit = limit;
  p.train.epochs = 1;
  lb::saveProject(p, file.toStdString());
  return file;
}

// The children of `pid` (a launcher's ranks), each by its RANK.
inline std::map<int, pid_t> ranksOf(qint64 pid) {
  std::map<int, pid_t> ranks;
  std::ifstream children("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) +
                         "/children");
  for (pid_t child; children >> child;) {
    std::ifstream environ("/proc/" + std::to_string(child) + "/environ");
    for (std::string var; std::getline(environ, var, '\0');)
      if (var.rfind("RANK=", 0) == 0) ranks[std::stoi(var.substr(5))] = child;
  }
  return ranks;
}

}  // namespace
