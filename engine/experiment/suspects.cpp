#include "engine/experiment/suspects.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "engine/data/csv_table.h"
#include "engine/data/data_loaders.h"
#include "engine/experiment/build_learner.h"
#include "engine/experiment/operations.h"
#include "engine/interpret/interpretation.h"
#include "engine/project/cleaning_journal.h"
#include "engine/train/callbacks.h"
#include "engine/train/checkpoint.h"
#include "engine/util/atomic_file.h"
#include "engine/util/device.h"
#include "engine/util/error.h"
#include "engine/util/runtime.h"

namespace lb {

namespace fs = std::filesystem;

namespace {

// The project's data with its cleaning decisions (or none), always through the pipeline, so the
// items can be regrouped into folds.
DataLoaders streamedData(const Project& p, const ItemOverrides& overrides) {
  return buildDataLoaders(p.data, p.folder(), p.train.batchSize, p.train.seed, -1, overrides,
                          /*stream=*/true);
}

std::shared_ptr<DataLoader> loaderOver(const DataLoaders& data, std::vector<int> items,
                                       bool train, const Project& p) {
  auto loader = std::make_shared<ImageLoader>(data.pipeline, std::move(items),
                                              train ? p.train.batchSize : p.train.batchSize * 2,
                                              train, p.train.seed, loaderWorkers(p.data));
  loader->to(defaultDevice());
  return loader;
}

// `data` with its splits replaced by `train` and `valid` (item indices of its pipeline).
DataLoaders regrouped(const DataLoaders& data, std::vector<int> train, std::vector<int> valid,
                      const Project& p) {
  DataLoaders out = data;
  out.train = train.empty() ? data.train : loaderOver(data, std::move(train), true, p);
  out.valid = loaderOver(data, std::move(valid), false, p);
  return out;
}

std::string className(const std::vector<std::string>& classes, int c) {
  return c >= 0 && c < int(classes.size()) ? classes[std::size_t(c)] : std::string();
}

}  // namespace

double SuspectProgress::fraction() const {
  if (folds <= 0) return 0;
  const double inFold = batch.epochs > 0 ? (batch.epoch + double(batch.batch + 1) /
                                                              std::max(1, batch.batches)) /
                                               batch.epochs
                                         : 0;
  return std::clamp((fold + inFold) / (folds + 1.0), 0.0, 1.0);
}

SuspectReport findSuspects(const Project& project, const SuspectOptions& options) {
  if (project.data.target != TargetKind::Category)
    throw Error("Suspects rank the labels of a project with one category per image; this project's "
                "target is " + std::string(targetKindName(project.data.target)) + ".");
  if (options.folds < 2 || options.folds > kMaxSuspectFolds)
    throw Error("The number of folds must be between 2 and " + std::to_string(kMaxSuspectFolds) +
                ", not " + std::to_string(options.folds) + ".");
  Project p = project;
  if (options.epochs > 0) p.train.epochs = options.epochs;
  useThreads(p.train.threads);
  const DataLoaders data = streamedData(p, projectOverrides(p));
  const DataItems& items = data.pipeline->items();
  if (int(items.train.size()) < options.folds)
    throw Error("There are " + std::to_string(items.train.size()) + " training items, fewer than " +
                std::to_string(options.folds) + " folds: choose fewer folds.");

  SuspectReport report;
  report.classes = data.vocab;
  report.folds = options.folds;
  const auto add = [&](const std::vector<int>& which, const torch::Tensor& probs, bool valid) {
    const auto p = probs.to(torch::kCPU).to(torch::kDouble).contiguous();
    for (std::size_t k = 0; k < which.size(); ++k) {
      const int i = which[k];
      Suspect s;
      s.item = items.names[std::size_t(i)];
      if (!items.files.empty()) s.file = items.files[std::size_t(i)];
      s.valid = valid;
      s.label = items.labels[std::size_t(i)].front();
      const auto row = p[long(k)];
      s.predicted = int(row.argmax().item<std::int64_t>());
      s.labelProbability = row[s.label].item<double>();
      s.predictedProbability = row[s.predicted].item<double>();
      s.score = 1.0 - s.labelProbability;
      report.suspects.push_back(std::move(s));
    }
  };
  const auto progress = [&](int fold) {
    auto reporter = std::make_shared<ProgressReporter>();
    if (options.onProgress)
      reporter->onBatch = [&, fold](const BatchProgress& b) {
        options.onProgress({fold, options.folds, b});
      };
    return reporter;
  };

  // The folds: the training items shuffled with the project's seed, dealt out in turn.
  std::vector<int> order = items.train;
  std::mt19937_64 rng(p.train.seed);
  std::shuffle(order.begin(), order.end(), rng);
  for (int fold = 0; fold < options.folds; ++fold) {
    std::vector<int> train, held;
    for (std::size_t k = 0; k < order.size(); ++k)
      (int(k % std::size_t(options.folds)) == fold ? held : train).push_back(order[k]);
    std::sort(held.begin(), held.end());  // predictions come back in this order
    BuiltLearner built = buildLearnerOn(p, regrouped(data, train, held, p));
    Learner& learn = *built.learner;
    auto stop = std::make_shared<StopControl>();
    stop->watch(options.stop);
    const auto reporter = progress(fold);
    learn.addCallback(stop);
    learn.addCallback(reporter);
    if (built.pretrainedTensors > 0) {
      FineTuneOptions tuning;
      tuning.baseLr = p.train.lr;
      learn.fineTune(p.train.epochs, tuning);
    } else {
      learn.fitOneCycle(p.train.epochs, OneCycleOptions{}.setLrMax(p.train.lr));
    }
    if (stop->stopRequested()) {
      report.stopped = true;
      report.suspects.clear();
      return report;
    }
    add(held, predictValidation(learn).probabilities, false);
  }

  if (options.validation) {
    try {
      const fs::path checkpoint = requireCheckpoint(p);
      BuiltLearner built = buildLearnerOn(p, regrouped(data, {}, items.valid, p), false);
      loadModelWeights(*built.learner->model(), checkpoint);
      if (options.onProgress) options.onProgress({options.folds, options.folds, {}});
      add(items.valid, predictValidation(*built.learner).probabilities, true);
    } catch (const Error& e) {
      report.notice = std::string("The validation items are not ranked: ") + e.what();
    }
  }

  std::stable_sort(report.suspects.begin(), report.suspects.end(), [](const Suspect& a, const Suspect& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.valid != b.valid) return !a.valid;
    return a.item < b.item;
  });
  // Their images as the model sees them, for the first few.
  const std::size_t shown = std::min(report.suspects.size(), std::size_t(std::max(0, options.images)));
  if (shown > 0) {
    std::map<std::string, int> index;
    for (std::size_t i = 0; i < items.names.size(); ++i) index.emplace(items.names[i], int(i));
    std::vector<int> which;
    std::vector<std::int64_t> positions;
    for (std::size_t k = 0; k < shown; ++k) {
      which.push_back(index.at(report.suspects[k].item));
      positions.push_back(std::int64_t(k));
    }
    auto loader = loaderOver(data, which, false, p);
    const torch::Tensor x = loader->itemsAt(positions).x.to(torch::kCPU);
    for (std::size_t k = 0; k < shown; ++k) report.suspects[k].image = toImage8(x[long(k)], data.stats);
  }
  return report;
}

fs::path suspectsFile(const Project& project) { return project.runFolder() / "suspects.csv"; }

void writeSuspects(const Project& project, const SuspectReport& report) {
  std::string out =
      "item,file,split,label,predicted,score,label_probability,predicted_probability\n";
  char number[64];
  for (const Suspect& s : report.suspects) {
    out += csvField(s.item) + "," + csvField(s.file.string()) + "," + (s.valid ? "valid" : "train") +
           "," + csvField(className(report.classes, s.label)) + "," +
           csvField(className(report.classes, s.predicted));
    for (double v : {s.score, s.labelProbability, s.predictedProbability}) {
      std::snprintf(number, sizeof number, ",%.6g", v);
      out += number;
    }
    out += "\n";
  }
  std::error_code ec;  // a project never trained has no run folder yet
  fs::create_directories(suspectsFile(project).parent_path(), ec);
  writeFileAtomically(suspectsFile(project), out, "list of suspects");
}

SuspectReport readSuspects(const Project& project, const std::vector<std::string>& classes) {
  SuspectReport report;
  report.classes = classes;
  std::error_code ec;
  if (!fs::exists(suspectsFile(project), ec)) return report;
  const CsvTable table = readCsv(suspectsFile(project));
  const auto classOf = [&](const std::string& name) {
    const auto it = std::find(classes.begin(), classes.end(), name);
    return it == classes.end() ? -1 : int(it - classes.begin());
  };
  for (const auto& row : table.rows) {
    Suspect s;
    s.item = row.count("item") ? row.at("item") : "";
    s.file = row.count("file") ? row.at("file") : "";
    s.valid = row.count("split") && row.at("split") == "valid";
    s.label = classOf(row.count("label") ? row.at("label") : "");
    s.predicted = classOf(row.count("predicted") ? row.at("predicted") : "");
    if (s.item.empty() || s.label < 0 || s.predicted < 0) continue;
    const auto number = [&](const char* column) {
      return row.count(column) ? std::strtod(row.at(column).c_str(), nullptr) : 0.0;
    };
    s.score = number("score");
    s.labelProbability = number("label_probability");
    s.predictedProbability = number("predicted_probability");
    report.suspects.push_back(std::move(s));
  }
  return report;
}

std::string DecisionAgreement::sentence() const {
  if (decisions == 0) return "There are no cleaning decisions for the latest model to check.";
  std::string text = "The latest model agrees with " + std::to_string(agreed) + " of " +
                     std::to_string(decisions) + " cleaning decisions";
  if (validDecisions > 0)
    text += " (" + std::to_string(validAgreed) + " of the " + std::to_string(validDecisions) +
            " on validation items, which it never trained on)";
  return text + ".";
}

DecisionAgreement decisionAgreement(const Project& project) {
  const fs::path checkpoint = requireCheckpoint(project);
  const CleaningState state = CleaningJournal(cleaningJournalFile(project)).state();
  const auto decisions = state.decisions();
  DecisionAgreement result;
  if (decisions.empty()) return result;
  useThreads(project.train.threads);
  // Without the overlay, so excluded items are there to be predicted.
  const DataLoaders data = streamedData(project, {});
  const DataItems& items = data.pipeline->items();
  std::map<std::string, int> index;
  for (std::size_t i = 0; i < items.names.size(); ++i) index.emplace(items.names[i], int(i));
  std::vector<int> which;
  std::vector<const CleaningEntry*> entries;
  for (const auto& [name, entry] : decisions) {
    const auto it = index.find(name);
    if (it == index.end()) continue;
    which.push_back(it->second);
    entries.push_back(&entry);
  }
  if (which.empty()) return result;
  std::vector<bool> valid(items.size(), false);
  for (int i : items.valid) valid[std::size_t(i)] = true;
  BuiltLearner built = buildLearnerOn(project, regrouped(data, {}, which, project), false);
  loadModelWeights(*built.learner->model(), checkpoint);
  const torch::Tensor predicted = predictValidation(*built.learner).predicted.to(torch::kCPU);
  for (std::size_t k = 0; k < which.size(); ++k) {
    const std::string said = className(data.vocab, int(predicted[long(k)].item<std::int64_t>()));
    const CleaningEntry& e = *entries[k];
    const bool agrees = e.action == CleaningAction::Relabel ? said == e.newLabel
                        : e.action == CleaningAction::Exclude ? said != e.oldLabel
                                                               : said == e.oldLabel;
    ++result.decisions;
    result.agreed += agrees;
    if (valid[std::size_t(which[k])]) {
      ++result.validDecisions;
      result.validAgreed += agrees;
    }
  }
  return result;
}

}  // namespace lb
