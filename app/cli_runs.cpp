// learnbench-cli runs: the project's kept runs (engine/project/run_store.h) as a table or JSON,
// two runs compared setting by setting and image by image, and their curves overlaid as a PNG.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "app/cli_commands.h"
#include "engine/project/project.h"
#include "engine/project/run_store.h"
#include "engine/project/runs_plot.h"
#include "engine/util/error.h"

namespace lb {

namespace {

// NaN as JSON null, as the project file stores it.
nlohmann::ordered_json number(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json();
}

std::string fixed(double v, int decimals) {
  if (!std::isfinite(v)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

int listing(const Project& project, const std::vector<StoredRun>& runs, bool json,
            std::ostream& out) {
  const std::vector<std::string> differ = differingSettings(runs);
  if (json) {
    for (const StoredRun& r : runs) {
      nlohmann::ordered_json line;
      line["id"] = r.info.id;
      line["name"] = r.info.name;
      line["note"] = r.info.note;
      line["started"] = r.info.started;
      line["status"] = r.info.status;
      line["seconds"] = r.info.seconds;
      line["epochs"] = int(r.epochs.size());
      line["lr"] = r.settings.train.lr;
      line["batch_size"] = r.settings.train.batchSize;
      line["seed"] = r.settings.train.seed;
      line["best_valid_loss"] = number(r.bestValidLoss());
      line[r.info.metricName] = number(r.bestMetric());
      nlohmann::ordered_json settings = nlohmann::ordered_json::object();
      for (const std::string& path : differ) settings[path] = settingValue(r, path);
      line["differs"] = settings;
      out << line.dump() << "\n";
    }
    return 0;
  }
  if (runs.empty()) {
    out << "The project " << project.file.string() << " has no kept runs yet: train it first.\n";
    return 0;
  }
  char head[200];
  std::snprintf(head, sizeof head, "%-22s%-16s%-10s%-8s%-10s%-8s%-12s%-10s", "id", "name",
                "status", "epochs", "lr", "bs", "valid_loss", runs.front().info.metricName.c_str());
  out << head;
  for (const std::string& path : differ) out << "  " << path;
  out << "\n";
  for (const StoredRun& r : runs) {
    char row[256];
    std::snprintf(row, sizeof row, "%-22s%-16s%-10s%-8d%-10g%-8d%-12s%-10s", r.info.id.c_str(),
                  r.info.name.substr(0, 15).c_str(), r.info.status.substr(0, 9).c_str(),
                  int(r.epochs.size()), r.settings.train.lr, r.settings.train.batchSize,
                  fixed(r.bestValidLoss(), 4).c_str(), fixed(r.bestMetric(), 4).c_str());
    out << row;
    for (const std::string& path : differ) out << "  " << settingValue(r, path);
    out << "\n";
  }
  return 0;
}

int comparison(const StoredRun& a, const StoredRun& b, bool json, std::ostream& out) {
  const RunComparison c = compareRuns(a, b);
  if (json) {
    nlohmann::ordered_json line;
    line["a"] = a.info.id;
    line["b"] = b.info.id;
    nlohmann::ordered_json settings = nlohmann::ordered_json::array();
    for (const auto& s : c.settings) settings.push_back({{"setting", s.path}, {"a", s.a}, {"b", s.b}});
    line["settings"] = settings;
    line["valid_loss"] = {{"a", number(c.validLossA)}, {"b", number(c.validLossB)}};
    line[c.metricName] = {{"a", number(c.metricA)}, {"b", number(c.metricB)}};
    line["fixed"] = c.fixed.size();
    line["broken"] = c.broken.size();
    out << line.dump() << "\n";
    return 0;
  }
  out << "A: " << a.label() << "   B: " << b.label() << "\n\n";
  if (c.settings.empty()) out << "Same settings.\n";
  for (const auto& s : c.settings) out << s.path << ": " << s.a << " -> " << s.b << "\n";
  out << "\nvalid_loss: " << fixed(c.validLossA, 4) << " -> " << fixed(c.validLossB, 4) << "\n"
      << c.metricName << ": " << fixed(c.metricA, 4) << " -> " << fixed(c.metricB, 4) << "\n";
  if (a.settings.data.target == TargetKind::Category)
    out << "\nValidation images B gets right that A got wrong (fixed): " << c.fixed.size()
        << "\nValidation images A got right that B gets wrong (broken): " << c.broken.size() << "\n";
  return 0;
}

}  // namespace

int runRuns(const std::vector<std::string>& args, std::ostream& out, std::ostream& /*err*/) {
  const Options o = parseOptions("runs", args, {"--compare", "--plot", "--runs"});
  // --compare takes two ids: the second one arrives as a positional argument.
  std::vector<std::string> files = o.positional;
  std::vector<std::string> compared;
  if (o.values.count("--compare")) {
    compared.push_back(o.values.at("--compare"));
    if (files.size() == 2) {
      compared.push_back(files.back());
      files.pop_back();
    }
    if (compared.size() != 2)
      throw std::invalid_argument("--compare needs two runs: learnbench-cli runs PROJECT --compare A B.");
  }
  if (files.size() != 1)
    throw std::invalid_argument("runs needs exactly one project file: learnbench-cli runs PROJECT.");
  const Project project = loadProject(files[0]);
  if (!compared.empty()) {
    const StoredRun a = findRun(project, compared[0]);  // A first: its error comes first
    const StoredRun b = findRun(project, compared[1]);
    return comparison(a, b, o.json, out);
  }

  std::vector<StoredRun> runs = listRuns(project);
  if (o.values.count("--runs")) {
    std::vector<StoredRun> picked;
    std::istringstream ids(o.values.at("--runs"));
    std::string id;
    while (std::getline(ids, id, ','))
      if (!id.empty()) picked.push_back(findRun(project, id));
    runs = picked;
  }
  if (o.values.count("--plot")) {
    if (runs.empty()) throw Error("The project has no kept runs to plot: train it first.");
    writeRunsPlot(runs, o.values.at("--plot"));
    if (!o.json) out << "Wrote " << o.values.at("--plot") << " (" << runs.size() << " runs).\n";
    return 0;
  }
  return listing(project, runs, o.json, out);
}

}  // namespace lb
