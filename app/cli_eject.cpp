// learnbench-cli eject: the project as a fastai 2.7 script (engine/experiment/eject.h), written
// atomically; an existing file is replaced only with --force.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>

#include "app/cli_commands.h"
#include "engine/experiment/eject.h"
#include "engine/project/project.h"
#include "engine/util/error.h"

namespace lb {

int runEject(const std::vector<std::string>& args, std::ostream& out) {
  namespace fs = std::filesystem;
  const Options o = parseOptions("eject", args, {"--out"}, {"--force"});
  if (o.positional.size() != 1 || !o.values.count("--out"))
    throw std::invalid_argument(
        "eject needs one project file and --out: learnbench-cli eject PROJECT --out train.py.");
  const Project project = loadProject(o.positional[0]);
  const fs::path file = o.values.at("--out");
  if (fs::exists(file) && !o.has("--force"))
    throw Error(file.string() + " already exists: choose another name, or add --force to replace it.");
  const EjectData data = ejectFastaiScript(project, file);
  if (o.json) {
    out << nlohmann::json{{"script", file.string()}, {"skipped", data.skipped.size()}}.dump()
        << "\n";
    return 0;
  }
  out << "Wrote " << file.string() << ": " << project.name
      << " as fastai 2.7 code (python3 " << file.filename().string() << " trains it)";
  if (!data.skipped.empty())
    out << "; it leaves out the " << data.skipped.size()
        << (data.skipped.size() == 1 ? " file" : " files") << " Learnbench skips";
  out << ".\n";
  return 0;
}

}  // namespace lb
