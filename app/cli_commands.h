#pragma once
// What the command files of learnbench-cli share: option parsing and number checks (errors are
// std::invalid_argument with a sentence, which runCli turns into exit code 2), and the commands
// that live in their own files. No torch, no Qt.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace lb {

struct Project;

// A command's options: "--name value" pairs and flags, checked against what the command takes.
struct Options {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;
  std::vector<std::string> flags;
  bool json = false;
  bool has(const std::string& flag) const {
    return std::find(flags.begin(), flags.end(), flag) != flags.end();
  }
};

inline Options parseOptions(const std::string& command, const std::vector<std::string>& args,
                            const std::vector<std::string>& takesValue,
                            const std::vector<std::string>& flags = {}) {
  Options o;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--json") {
      o.json = true;
    } else if (std::find(flags.begin(), flags.end(), a) != flags.end()) {
      o.flags.push_back(a);
    } else if (a.rfind("--", 0) == 0) {
      if (std::find(takesValue.begin(), takesValue.end(), a) == takesValue.end())
        throw std::invalid_argument("The option " + a + " is not one that \"" + command +
                                    "\" takes: see learnbench-cli help.");
      if (i + 1 >= args.size())
        throw std::invalid_argument("The option " + a + " needs a value after it.");
      o.values[a] = args[++i];
    } else {
      o.positional.push_back(a);
    }
  }
  return o;
}

// What to do when a command finds no checkpoint (requireCheckpoint's remedy), in CLI terms.
inline std::string checkpointRemedy(const std::string& projectArg) {
  return "train the project first, or name one with --checkpoint. To train it: learnbench-cli "
         "train " + projectArg;
}

// The checkpoint --checkpoint names, or empty for the project's last one.
inline std::string chosenCheckpoint(const Options& o) {
  auto it = o.values.find("--checkpoint");
  return it == o.values.end() ? std::string() : it->second;
}

// The whole number given for `name`, within [min, max] (the project file's bounds where it has
// them): throws std::invalid_argument with a sentence naming the bounds otherwise.
inline std::optional<long long> wholeNumber(const Options& o, const std::string& name,
                                            long long min,
                                            long long max = std::numeric_limits<long long>::max()) {
  auto it = o.values.find(name);
  if (it == o.values.end()) return std::nullopt;
  std::size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(it->second, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != it->second.size() || v < min || v > max)
    throw std::invalid_argument(
        name + " needs a whole number of at least " + std::to_string(min) +
        (max == std::numeric_limits<long long>::max() ? ""
                                                      : " and at most " + std::to_string(max)) +
        ", got \"" + it->second + "\".");
  return v;
}

inline std::optional<double> positiveNumber(const Options& o, const std::string& name) {
  auto it = o.values.find(name);
  if (it == o.values.end()) return std::nullopt;
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(it->second, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != it->second.size() || !(v > 0) || !std::isfinite(v))
    throw std::invalid_argument(name + " needs a positive number, got \"" + it->second + "\".");
  return v;
}

// Applies to `project` whichever of --bs, --limit, --seed and --threads were given, within the
// project file's bounds (app/cli.cpp); which of them a command takes, its parseOptions decides.
void applyRunOptions(const Options& o, Project& project);

// learnbench-cli interpret PROJECT [--checkpoint F] [--k N] [--limit N] [--threads N] --out DIR
// [--gradcam] [--json] (app/cli_interpret.cpp). Returns the exit code; throws as runCli expects.
int runInterpret(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// learnbench-cli new PROJECT (--images DIR | --csv FILE | --example fashion-mnist) [...]
// (app/cli_new.cpp): checks the data block and writes the project file.
int runNew(const std::vector<std::string>& args, std::ostream& out);

// learnbench-cli export PROJECT --out MODEL.pt [--checkpoint F] and
// predict MODEL.pt IMAGE... [--k N] [--json] (app/cli_export.cpp).
int runExport(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int runPredict(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// learnbench-cli eject PROJECT --out train.py [--force] [--json] (app/cli_eject.cpp): the project
// as a fastai 2.7 script.
int runEject(const std::vector<std::string>& args, std::ostream& out);
int runRuns(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// learnbench-cli suspects PROJECT [--k FOLDS] [--epochs N] [--top N] [--json]
// (app/cli_suspects.cpp) and clean PROJECT (--relabel ITEM CLASS | --exclude ITEM | --keep ITEM |
// --undo | --redo | --apply | --undo-apply) [--json] (app/cli_clean.cpp).
int runSuspects(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                const std::atomic<bool>* stopRequested);
int runClean(const std::vector<std::string>& args, std::ostream& out);

}  // namespace lb
