#include "engine/project/run_store.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

#include "engine/util/atomic_file.h"
#include "engine/util/error.h"

namespace lb {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The settings of a project as JSON without what is not a setting.
json settingsJson(const Project& project) {
  json j = json::parse(projectToJson(project));
  for (const char* key : {"runs", "name", "format", "formatVersion"}) j.erase(key);
  return j;
}

void flatten(const json& j, const std::string& path, std::map<std::string, std::string>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      flatten(it.value(), path.empty() ? it.key() : path + "." + it.key(), out);
  } else {
    out[path] = j.is_string() ? j.get<std::string>() : j.dump();
  }
}

// A run's id: its start time as localTimeNow() says it, in characters a folder name can hold.
std::string timeId(std::string started) {
  std::replace(started.begin(), started.end(), ' ', '_');
  std::replace(started.begin(), started.end(), ':', '-');
  return started;
}

json infoToJson(const RunInfo& i) {
  return {{"id", i.id},
          {"name", i.name},
          {"note", i.note},
          {"started", i.started},
          {"status", i.status},
          {"seconds", i.seconds},
          {"metric", i.metricName},
          {"metricLowerIsBetter", i.metricLowerIsBetter},
          {"classes", i.classes},
          {"environment",
           {{"learnbench", i.learnbenchVersion},
            {"libtorch", i.libtorchVersion},
            {"device", i.device},
            {"threads", i.threads},
            {"seed", i.seed}}}};
}

RunInfo infoFromJson(const json& j) {
  RunInfo i;
  i.id = j.value("id", "");
  i.name = j.value("name", "");
  i.note = j.value("note", "");
  i.started = j.value("started", "");
  i.status = j.value("status", "");
  i.seconds = j.value("seconds", 0.0);
  i.metricName = j.value("metric", "accuracy");
  i.metricLowerIsBetter = j.value("metricLowerIsBetter", false);
  i.classes = j.value("classes", std::vector<std::string>{});
  if (j.contains("environment")) {
    const json& e = j.at("environment");
    i.learnbenchVersion = e.value("learnbench", "");
    i.libtorchVersion = e.value("libtorch", "");
    i.device = e.value("device", "");
    i.threads = e.value("threads", 0);
    i.seed = e.value("seed", std::uint64_t(0));
  }
  return i;
}

std::string readText(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("Cannot read " + file.string() + ".");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A CSV with a header row, as rows of numbers (NaN for "nan" or an empty cell).
std::vector<std::vector<double>> readNumbers(const std::string& text) {
  std::vector<std::vector<double>> rows;
  std::istringstream in(text);
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (header) {
      header = false;
      continue;
    }
    if (line.empty()) continue;
    std::vector<double> row;
    std::istringstream cells(line);
    std::string cell;
    while (std::getline(cells, cell, ',')) {
      char* end = nullptr;
      const double v = std::strtod(cell.c_str(), &end);
      row.push_back(end == cell.c_str() ? std::nan("") : v);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string gunzip(const fs::path& file) {
  gzFile in = gzopen(file.c_str(), "rb");
  if (!in) throw Error("Cannot read " + file.string() + ".");
  std::string text;
  char buf[65536];
  int n = 0;
  while ((n = gzread(in, buf, sizeof buf)) > 0) text.append(buf, std::size_t(n));
  const bool failed = n < 0;
  gzclose(in);
  if (failed) throw Error(file.string() + " is damaged: its predictions cannot be read.");
  return text;
}

std::string epochCheckpointFile(int epoch) { return "epoch-" + std::to_string(epoch + 1) + ".pt"; }

std::string predictionFile(int epoch) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "epoch-%03d.csv.gz", epoch + 1);
  return buf;
}

// `to` becomes the same file as `from` (a hard link, so keeping it costs no disk), or a copy
// where links are not possible.
void linkOrCopy(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  fs::remove(to, ec);
  fs::create_hard_link(from, to, ec);
  if (ec) fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) throw Error("Cannot keep the checkpoint " + to.string() + ": " + ec.message() + ".");
}

StoredRun readRun(const fs::path& folder) {
  StoredRun run;
  run.folder = folder;
  run.info = infoFromJson(json::parse(readText(folder / "run.json")));
  run.settings = loadProject(folder / "settings.lbproj");
  flatten(settingsJson(run.settings), "", run.flatSettings);
  std::error_code ec;
  if (fs::exists(folder / "epochs.csv", ec))
    for (const auto& row : readNumbers(readText(folder / "epochs.csv"))) {
      if (row.size() < 5) continue;
      EpochResult e;
      e.epoch = int(row[0]);
      e.trainLoss = row[1];
      e.validLoss = row[2];
      e.metric = row[3];
      e.seconds = row[4];
      e.metricName = run.info.metricName;
      e.metricLowerIsBetter = run.info.metricLowerIsBetter;
      run.epochs.push_back(e);
    }
  return run;
}

}  // namespace

double StoredRun::bestValidLoss() const {
  double best = std::nan("");
  for (const EpochResult& e : epochs)
    if (std::isfinite(e.validLoss) && !(e.validLoss >= best)) best = e.validLoss;
  return best;
}

double StoredRun::bestMetric() const {
  double best = std::nan("");
  for (const EpochResult& e : epochs) {
    if (!std::isfinite(e.metric)) continue;
    if (std::isnan(best) || (info.metricLowerIsBetter ? e.metric < best : e.metric > best))
      best = e.metric;
  }
  return best;
}

RunWriter::RunWriter(const Project& project, const RunInfo& environment)
    : m_project(project), m_info(environment) {
  m_project.runs.clear();
  const fs::path runs = project.runFolder() / "runs";
  std::error_code ec;
  fs::create_directories(runs, ec);
  if (ec)
    throw Error("Cannot keep the run's files in " + runs.string() + ": " + ec.message() + ".");
  // Sortable by time; a second run in the same second gets a suffix.
  m_info.started = localTimeNow();
  const std::string base = timeId(m_info.started);
  m_info.id = base;
  for (int k = 2; fs::exists(runs / m_info.id, ec) || fs::exists(runs / ".deleted" / m_info.id, ec); ++k)
    m_info.id = base + "-" + std::to_string(k);
  m_folder = runs / m_info.id;
  fs::create_directories(m_folder / "predictions", ec);
  if (ec)
    throw Error("Cannot keep the run's files in " + m_folder.string() + ": " + ec.message() + ".");
  m_info.status = "running";
  saveProject(m_project, m_folder / "settings.lbproj");
  writeInfo();
  m_batches = std::fopen((m_folder / "batches.csv").c_str(), "w");
  m_epochs = std::fopen((m_folder / "epochs.csv").c_str(), "w");
  if (!m_batches || !m_epochs)
    throw Error("Cannot write the run's history into " + m_folder.string() + ".");
  std::fputs("iter,epoch,batch,loss,smooth_loss,lr,mom,seconds\n", m_batches);
  std::fprintf(m_epochs, "epoch,train_loss,valid_loss,%s,seconds\n", m_info.metricName.c_str());
  std::fflush(m_epochs);
}

RunWriter::~RunWriter() {
  if (m_batches) std::fclose(m_batches);
  if (m_epochs) std::fclose(m_epochs);
}

void RunWriter::writeInfo() {
  writeFileAtomically(m_folder / "run.json", infoToJson(m_info).dump(2) + "\n", "run record");
}

void RunWriter::addBatch(const BatchProgress& b) {
  const long iter = long(b.epoch) * b.batches + b.batch;
  std::fprintf(m_batches, "%ld,%d,%d,%.9g,%.9g,%.9g,%.9g,%.3f\n", iter, b.epoch, b.batch, b.loss,
               b.smoothLoss, b.lr, b.mom, b.elapsedSeconds);
}

void RunWriter::addEpoch(const EpochResult& e) {
  std::fprintf(m_epochs, "%d,%.9g,%.9g,%.9g,%.3f\n", e.epoch, e.trainLoss, e.validLoss, e.metric,
               e.seconds);
  // An epoch is a point the run can be read back to: nothing of it waits in a buffer.
  std::fflush(m_epochs);
  std::fflush(m_batches);
  m_info.seconds += e.seconds;
  writeInfo();
}

void RunWriter::addPredictions(int epoch, const Interpretation& in, const fs::path& checkpoint,
                               bool best) {
  std::string text = "item,actual,predicted,loss,probability\n";
  text.reserve(text.size() + in.items.size() * 32);
  char line[128];
  for (std::size_t i = 0; i < in.items.size(); ++i) {
    const ItemPrediction& p = in.items[i];
    std::snprintf(line, sizeof line, "%zu,%.7g,%.7g,%.6g,%.4g\n", i, double(p.actual),
                  double(p.predicted), double(p.loss), double(p.probability));
    text += line;
  }
  const fs::path file = m_folder / "predictions" / predictionFile(epoch);
  const fs::path part = file.string() + ".part";
  gzFile out = gzopen(part.c_str(), "wb6");
  const bool ok = out && gzwrite(out, text.data(), unsigned(text.size())) == int(text.size());
  if (out) gzclose(out);
  std::error_code ec;
  if (ok) fs::rename(part, file, ec);
  if (!ok || ec) {
    fs::remove(part, ec);
    throw Error("Cannot write the predictions of epoch " + std::to_string(epoch + 1) + " into " +
                file.parent_path().string() + ": check the disk has room.");
  }
  if (fs::exists(checkpoint, ec)) {
    linkOrCopy(checkpoint, m_folder / "checkpoints" / "last.pt");
    if (best) linkOrCopy(checkpoint, m_folder / "checkpoints" / "best.pt");
    if (const int keep = m_project.train.epochCheckpoints; keep > 0) {
      linkOrCopy(checkpoint, m_folder / "checkpoints" / epochCheckpointFile(epoch));
      if (epoch >= keep) fs::remove(m_folder / "checkpoints" / epochCheckpointFile(epoch - keep), ec);
    }
  }
}

void RunWriter::finish(const std::string& status, double seconds) {
  m_info.status = status;
  m_info.seconds = seconds;
  std::fflush(m_batches);
  std::fflush(m_epochs);
  writeInfo();
}

std::vector<StoredRun> listRuns(const Project& project) {
  std::vector<StoredRun> runs;
  const fs::path folder = project.runFolder() / "runs";
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return runs;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.' || !entry.is_directory(ec)) continue;
    try {
      runs.push_back(readRun(entry.path()));
    } catch (const std::exception&) {
      // A damaged run is left out; the others still show.
    }
  }
  std::sort(runs.begin(), runs.end(),
            [](const StoredRun& a, const StoredRun& b) { return a.info.id < b.info.id; });
  return runs;
}

StoredRun findRun(const Project& project, const std::string& idOrName) {
  const std::vector<StoredRun> runs = listRuns(project);
  for (const StoredRun& r : runs)
    if (r.info.id == idOrName || (!r.info.name.empty() && r.info.name == idOrName)) return r;
  std::string ids;
  for (const StoredRun& r : runs) ids += (ids.empty() ? "" : ", ") + r.info.id;
  throw Error("The project has no run \"" + idOrName + "\"" +
              (ids.empty() ? std::string(": it has no runs yet.") : ": its runs are " + ids + "."));
}

std::vector<StoredBatch> loadBatches(const StoredRun& run) {
  std::vector<StoredBatch> batches;
  for (const auto& row : readNumbers(readText(run.folder / "batches.csv"))) {
    if (row.size() < 8) continue;
    batches.push_back({long(row[0]), int(row[1]), int(row[2]), row[3], row[4], row[5], row[6],
                       row[7]});
  }
  return batches;
}

fs::path epochCheckpoint(const StoredRun& run, int epoch) {
  const fs::path file = run.folder / "checkpoints" / epochCheckpointFile(epoch);
  std::error_code ec;
  return fs::exists(file, ec) ? file : fs::path();
}

std::vector<StoredPrediction> loadPredictions(const StoredRun& run, int epoch) {
  if (epoch < 0) epoch = run.epochs.empty() ? 0 : run.epochs.back().epoch;
  const fs::path file = run.folder / "predictions" / predictionFile(epoch);
  std::error_code ec;
  if (!fs::exists(file, ec))
    throw Error("The run " + run.label() + " kept no predictions for epoch " +
                std::to_string(epoch + 1) + ".");
  std::vector<StoredPrediction> out;
  for (const auto& row : readNumbers(gunzip(file)))
    if (row.size() >= 4)  // runs stored before the probability was kept have four columns
      out.push_back({long(row[0]), row[1], row[2], row[3], row.size() >= 5 ? row[4] : std::nan("")});
  return out;
}

void describeRun(const StoredRun& run, const std::string& name, const std::string& note) {
  RunInfo info = run.info;
  info.name = name;
  info.note = note;
  writeFileAtomically(run.folder / "run.json", infoToJson(info).dump(2) + "\n", "run record");
}

void deleteRun(const StoredRun& run) {
  const fs::path aside = run.folder.parent_path() / ".deleted";
  std::error_code ec;
  fs::create_directories(aside, ec);
  fs::rename(run.folder, aside / run.folder.filename(), ec);
  if (ec) throw Error("Cannot move the run " + run.label() + " aside: " + ec.message() + ".");
}

void restoreRun(const Project& project, const std::string& id) {
  const fs::path runs = project.runFolder() / "runs";
  std::error_code ec;
  fs::rename(runs / ".deleted" / id, runs / id, ec);
  if (ec) throw Error("Cannot restore the run " + id + ": " + ec.message() + ".");
}

std::vector<std::string> differingSettings(const std::vector<StoredRun>& runs) {
  std::map<std::string, int> seen;
  for (const StoredRun& r : runs)
    for (const auto& [path, value] : r.flatSettings) seen[path];
  std::vector<std::string> out;
  for (const auto& [path, unused] : seen) {
    for (const StoredRun& r : runs)
      if (settingValue(r, path) != settingValue(runs.front(), path)) {
        out.push_back(path);
        break;
      }
  }
  return out;
}

std::string settingValue(const StoredRun& run, const std::string& path) {
  auto it = run.flatSettings.find(path);
  return it == run.flatSettings.end() ? std::string() : it->second;
}

RunComparison compareRuns(const StoredRun& a, const StoredRun& b) {
  RunComparison c;
  for (const std::string& path : differingSettings({a, b}))
    c.settings.push_back({path, settingValue(a, path), settingValue(b, path)});
  c.metricName = a.info.metricName;
  const auto last = [](const StoredRun& r, auto field) {
    return r.epochs.empty() ? std::nan("") : r.epochs.back().*field;
  };
  c.validLossA = last(a, &EpochResult::validLoss);
  c.validLossB = last(b, &EpochResult::validLoss);
  c.metricA = last(a, &EpochResult::metric);
  c.metricB = last(b, &EpochResult::metric);

  const std::vector<StoredPrediction> pa = loadPredictions(a), pb = loadPredictions(b);
  if (pa.size() != pb.size())
    throw Error("The runs " + a.label() + " and " + b.label() +
                " were validated on different images (" + std::to_string(pa.size()) + " and " +
                std::to_string(pb.size()) + "): only runs of one data block compare image by image.");
  if (a.settings.data.target != TargetKind::Category) return c;
  int classes = 0;
  for (std::size_t i = 0; i < pa.size(); ++i) {
    if (pa[i].actual != pb[i].actual)
      throw Error("The runs " + a.label() + " and " + b.label() +
                  " were validated on different images: only runs of one data block compare "
                  "image by image.");
    classes = std::max({classes, int(pa[i].actual) + 1, int(pa[i].predicted) + 1,
                        int(pb[i].predicted) + 1});
  }
  c.confusionDiff.assign(std::size_t(classes), std::vector<long>(std::size_t(classes), 0));
  for (std::size_t i = 0; i < pa.size(); ++i) {
    const bool rightA = pa[i].predicted == pa[i].actual, rightB = pb[i].predicted == pb[i].actual;
    if (!rightA && rightB) c.fixed.push_back(long(i));
    if (rightA && !rightB) c.broken.push_back(long(i));
    const int actual = int(pa[i].actual);
    --c.confusionDiff[std::size_t(actual)][std::size_t(pa[i].predicted)];
    ++c.confusionDiff[std::size_t(actual)][std::size_t(pb[i].predicted)];
    c.actual.push_back(actual);
    c.predictedA.push_back(int(pa[i].predicted));
    c.predictedB.push_back(int(pb[i].predicted));
  }
  return c;
}

RunComparison::CellChange RunComparison::cellChange(int actualClass, int predicted) const {
  CellChange out;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    if (actual[i] != actualClass || (predictedA[i] == predicted) == (predictedB[i] == predicted))
      continue;
    (predictedB[i] == predicted ? out.entered : out.left).push_back(long(i));
  }
  return out;
}

}  // namespace lb
