#include "app/cli.h"

#include "app/cli_commands.h"
#include "app/cli_distributed.h"
#include "app/cli_left_out.h"
#include "app/cli_summary.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>

#include "engine/project/project.h"
#include "engine/experiment/operations.h"
#include "engine/train/distributed.h"
#include "engine/train/lr_plot.h"
#include "engine/train/progress_json.h"
#include "engine/train/schedule.h"
#include "engine/util/error.h"

namespace lb {

void applyRunOptions(const Options& o, Project& project) {
  if (auto v = wholeNumber(o, "--bs", 1, kMaxBatchSize)) project.train.batchSize = int(*v);
  if (auto v = wholeNumber(o, "--limit", 0, DataBlockSpec::kMaxLimit)) project.data.limit = int(*v);
  if (auto v = wholeNumber(o, "--seed", 0, kMaxSeed)) project.train.seed = std::uint64_t(*v);
  if (auto v = wholeNumber(o, "--threads", 0, kMaxThreads)) project.train.threads = int(*v);
}

namespace {

constexpr const char* kUsage = R"(usage: learnbench-cli COMMAND [OPTIONS]

commands:
  new PROJECT (--images DIR | --csv FILE [--path-col C] [--label-col C] [--valid-col C]
        [--label-delim D] [--folder DIR] | --example fashion-mnist)
        [--split random[:PCT] | grandparent[:TRAIN,VALID] | csv | file:LIST]
        [--label parent | regex:PATTERN | csv] [--target category|multi-category|regression]
        [--size N|WxH] [--augment] [--group-by-aspect] [--model NAME] [--seed N]
        [--pretrained FILE] [--force] [--json]
        check a data set and write a project for it (folder sources split at random, 20%
        for validation, and label by parent folder unless told otherwise); --pretrained names
        a Learnbench checkpoint or exported model whose body starts the model (transfer learning);
        --group-by-aspect trains each batch on images of one aspect ratio (rectangular training)
  train PROJECT [--epochs N] [--lr X] [--bs N] [--limit N] [--seed N] [--threads N] [--resume]
        [--fp16] [--pretrained FILE] [--nproc N] [--lr-scale none|linear|sqrt] [--sync-bn]
        [--dist-timeout S] [--json [--progress]]
        train the project's model with fastai's one-cycle schedule and print a row per epoch;
        a checkpoint is saved after every epoch in PROJECT's folder (NAME.learnbench/checkpoints/last.pt),
        and --resume goes on from it with the schedule where it stopped; --fp16 trains in mixed
        precision on a CUDA GPU; with a pretrained body (--pretrained FILE, for this run only, or
        the project's model.pretrained) it runs fastai's fine_tune instead: one epoch on the new
        head with the body frozen, then EPOCHS with all layers; every run is recorded in the
        project file. --nproc N trains on N local processes (data-parallel, PyTorch's c10d):
        --bs is per process, the lr is left as set unless --lr-scale scales it by N or sqrt(N);
        --sync-bn (the project's train.syncBatchNorm) makes every BatchNorm normalise with the
        mean and variance of all processes' batches together (SyncBatchNorm), not each one's;
        without --nproc, a process with torchrun's environment (MASTER_ADDR, MASTER_PORT,
        WORLD_SIZE, RANK, LOCAL_RANK) joins that group; a rank that is missing or stops
        answering ends the others within --dist-timeout seconds (60); --progress adds a line
        per batch ({"progress":{...}}) and each rank's images/s ({"rank":R,"images_per_s":X})
  equivalence PROJECT --nproc N [--bs B] [--steps S] [--limit N] [--seed N] [--threads N]
        [--dist-timeout S] [--json]
        the first S (20) steps on N processes at batch B (the project's) each, then on one
        process at batch N x B from the same weights: both losses per step and how far apart
        the two curves are; records nothing and writes no checkpoint
  lr-find PROJECT [--csv OUT] [--plot OUT.png] [--limit N] [--bs N] [--seed N] [--num-it N]
        [--threads N] [--json]
        sweep the lr from 1e-7 to 10 (fastai's lr_find) and print the four suggested lrs
  schedule --epochs E --iters-per-epoch N --lr X [--kind one-cycle|fine-tune|flat-cos]
        [--pct-start P] [--div D] [--div-final D] [--freeze-epochs N] [--json]
  schedule PROJECT [--epochs E] [--lr X] [--iters-per-epoch N] [--json]
        print the learning rate (the head's, for fine-tune) and momentum of every iteration of a
        planned fit; with a project, the plan `train` runs (fine-tune when the model starts from
        a pretrained body), its batches per epoch counted from its data unless given
  summary PROJECT [--json]
        walk one item through the data block (as fastai's DataBlock.summary), check every
        file, count the items per class and print the model's layers with their output shapes
        and parameter counts; exits 1 with a sentence at the step or layer that does not fit
  interpret PROJECT --out DIR [--checkpoint F] [--k N] [--limit N] [--threads N] [--gradcam]
        [--json]
        fastai's interpretation of the trained model on the validation set: the k (9) largest
        losses as top_losses.png/.csv (with Grad-CAM as top_losses_gradcam.png), the confusion
        matrix as confusion_matrix.png/.csv and most_confused.csv in DIR; multi-label projects
        get per_label.png/.csv (at threshold 0.5, with each label's best threshold), regression
        projects predicted_vs_actual.png, worst_residuals.png (the k worst) and predictions.csv;
        the checkpoint is NAME.learnbench/checkpoints/last.pt unless --checkpoint names one
  export PROJECT --out MODEL.pt [--checkpoint F] [--threads N] [--json]
        write the trained model as TorchScript with its labels and input settings
        (torch.jit.load in Python; predict_proba gives the probabilities); the checkpoint is
        NAME.learnbench/checkpoints/last.pt unless --checkpoint names one
  predict MODEL.pt IMAGE... [--k N] [--threads N] [--json]
        the k (3) most likely classes of each image with their probabilities, best first,
        each image resized and normalised as in training; exits 1 if an image cannot be read
  eject PROJECT --out train.py [--force] [--json]
        write the project as a Python script for fastai 2.7: the same DataBlock, model, loss,
        optimizer and schedule, each step commented with the setting it comes from; the files
        Learnbench skips are left out there too; an existing file is replaced only with --force
  runs PROJECT [--json] | --compare A B [--json] | --plot OUT.png [--runs A,B,...]
        the runs kept in PROJECT.learnbench/runs/ (every batch, epoch and validation prediction
        of each): a row per run with the settings that differ between runs; --compare prints
        two runs' settings diff, metric diff and how many validation images B fixed and broke;
        --plot overlays their loss curves (A and B are run ids or names)
  suspects PROJECT [--k FOLDS] [--epochs N] [--top N] [--json]
        the items whose label is most likely wrong, highest score first: score = 1 - the
        probability given to the label by a model that did not train on the item (k-fold over
        the training items, FOLDS (5) models of N (1) epochs; the latest checkpoint for the
        validation items); --json: one object per item (path, split, label, predicted, score)
  clean PROJECT (--relabel ITEM CLASS | --exclude ITEM | --keep ITEM | --undo | --redo |
        --apply | --undo-apply) [--json]
        one cleaning decision, kept in NAME.learnbench/cleaning.csv and applied as an overlay
        by training, export and eject (the files stay where they are); --apply moves excluded
        files into a folder beside the data and relabelled ones into their class folder, with
        a log that --undo-apply moves them back from
  help  show this text

Every command prints a table by default and one JSON object per line with --json.
)";

// fastai prints epoch times as mm:ss.
std::string clock(double seconds) {
  const long s = std::lround(seconds);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02ld:%02ld", s / 60, s % 60);
  return buf;
}

int train(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
          const std::atomic<bool>* stopRequested) {
  const Options o = parseOptions(
      "train", args,
      {"--epochs", "--lr", "--bs", "--limit", "--seed", "--threads", "--pretrained", "--nproc",
       "--lr-scale", "--dist-timeout"},
      {"--resume", "--fp16", "--progress", "--sync-bn"});
  if (o.positional.size() != 1)
    throw std::invalid_argument("train needs exactly one project file: learnbench-cli train PROJECT.");
  Project project = loadProject(o.positional[0]);
  if (auto v = wholeNumber(o, "--epochs", 1, kMaxEpochs)) project.train.epochs = int(*v);
  if (auto v = positiveNumber(o, "--lr")) project.train.lr = *v;
  applyRunOptions(o, project);
  if (o.has("--fp16")) project.train.mixedPrecision = true;
  if (o.has("--sync-bn")) project.train.syncBatchNorm = true;
  // For this run only: relative to where the command runs, as any path on a command line.
  if (auto it = o.values.find("--pretrained"); it != o.values.end())
    project.model.pretrained = std::filesystem::absolute(it->second).string();

  // Several processes (app/cli_distributed.cpp): --nproc starts them here; a process a launcher
  // started with torchrun's environment joins its group as one rank.
  const int timeout = int(wholeNumber(o, "--dist-timeout", 1, 3600)
                              .value_or(kDefaultDistributedTimeoutSeconds));
  const auto env = distributedEnvFromEnvironment();
  if (auto n = wholeNumber(o, "--nproc", 1, kMaxProcesses); n && *n > 1) {
    if (env)
      throw std::invalid_argument("--nproc starts its own processes: leave it out where a "
                                  "launcher such as torchrun has set WORLD_SIZE.");
    return runLocalRanks(withoutOption(args, "--nproc"), int(*n), timeout, err, stopRequested);
  }
  std::shared_ptr<DistributedGroup> group;
  if (env && env->worldSize > 1) {
    if (project.train.threads == 0) project.train.threads = threadsPerRank(env->localWorldSize);
    project.train.lr = scaledLearningRate(project.train.lr, env->worldSize, lrScaling(o));
    group = DistributedGroup::join(*env, std::chrono::seconds(timeout));
  }
  Experiment experiment(project, group);
  // --progress: a line per batch and each rank's speed, for the window (or a script) to watch.
  const bool progress = o.json && o.has("--progress");
  std::optional<RankSpeed> speed;
  if (progress) speed.emplace(group ? group->rank() : 0, project.train.batchSize, out);
  if (group && group->rank() != 0)
    return trainAsQuietRank(experiment, o.has("--resume"), stopRequested, speed ? &*speed : nullptr);
  reportLeftOut(experiment.skippedFiles(), experiment.greyExpanded(), err);
  if (group && !o.json)
    out << group->worldSize() << " processes (" << group->backend() << "), batch size "
        << project.train.batchSize << " each, " << project.train.batchSize * group->worldSize()
        << " in all, learning rate " << project.train.lr
        << (project.train.syncBatchNorm ? ", BatchNorm over all processes" : "") << "\n";
  if (!o.json) {
    char head[96];
    std::snprintf(head, sizeof head, "%-10s%-12s%-12s%-16s%s\n", "epoch", "train_loss",
                  "valid_loss", experiment.metricName().c_str(), "time");
    out << head << std::flush;
  }
  TrainingHooks hooks;
  hooks.stopRequested = stopRequested;
  // Checkpoints go beside the project, so an interrupted run can go on with --resume.
  hooks.resume = o.has("--resume");
  if (progress)
    hooks.onBatch = [&](const BatchProgress& b) {
      out << batchProgressLine(b) + "\n" << std::flush;
      speed->onBatch(b);
    };
  hooks.onEpoch = [&](const EpochResult& e) {
    if (o.json) {
      out << epochLine(e, clock(e.seconds)) << "\n" << std::flush;
      return;
    }
    char row[128];
    std::snprintf(row, sizeof row, "%-10d%-12.6f%-12.6f%-16.6f%s\n", e.epoch, e.trainLoss,
                  e.validLoss, e.metric, clock(e.seconds).c_str());
    out << row << std::flush;
  };
  const RecordedRun run = trainAndRecord(experiment, hooks);
  for (const std::string& notice : run.notices) err << notice << "\n";
  const TrainingOutcome& outcome = run.outcome;
  if (!outcome.stopReason.empty()) {
    err << outcome.stopReason << "\n";
    return 1;
  }
  if (outcome.stopped) {
    err << "Training was interrupted after " << outcome.resumedFrom + outcome.epochs.size()
        << " complete epoch(s): run it again with --resume to go on.\n";
    return 1;
  }
  return 0;
}

int lrFind(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
           const std::atomic<bool>* stopRequested) {
  const Options o = parseOptions("lr-find", args,
                                 {"--csv", "--plot", "--limit", "--bs", "--seed", "--num-it",
                                  "--threads"});
  if (o.positional.size() != 1)
    throw std::invalid_argument(
        "lr-find needs exactly one project file: learnbench-cli lr-find PROJECT.");
  Project project = loadProject(o.positional[0]);
  applyRunOptions(o, project);
  LrFinderOptions options;
  if (auto v = wholeNumber(o, "--num-it", LrFinderOptions::kMinIterations,
                               LrFinderOptions::kMaxIterations)) options.numIt = int(*v);
  const std::string csv = o.values.count("--csv") ? o.values.at("--csv") : "";
  const std::string png = o.values.count("--plot") ? o.values.at("--plot") : "";
  // Before the sweep, so a mistyped folder costs nothing; the write itself checks the rest.
  for (const auto& [file, what] : {std::pair{csv, "CSV file"}, std::pair{png, "plot"}}) {
    const std::filesystem::path path(file);
    const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    std::error_code ec;
    if (!file.empty() && !std::filesystem::is_directory(dir, ec))
      throw Error(std::string("Cannot write the ") + what + " to " + file + ": the folder " +
                  dir.string() + " does not exist.");
  }

  Experiment experiment(project);
  const LrFindResult result = experiment.findLearningRate(options, stopRequested);
  if (stopRequested && stopRequested->load()) {
    err << "The learning-rate sweep was interrupted after " << result.points.size()
        << " batches; nothing was written.\n";
    return 1;
  }
  if (!csv.empty()) writeLrFindCsv(result, csv);
  if (!png.empty()) writeLrFindPlot(result, options.numIt, png);

  const std::pair<const char*, const Suggestion*> rows[] = {
      {"valley", &result.suggestions.valley},
      {"slide", &result.suggestions.slide},
      {"minimum", &result.suggestions.minimum},
      {"steep", &result.suggestions.steep}};
  if (o.json) {
    // In fastai's order, lr before loss; null where the curve was too short for a method.
    nlohmann::ordered_json all = nlohmann::ordered_json::object();
    for (const auto& [name, s] : rows) {
      nlohmann::ordered_json one = nlohmann::ordered_json::object();
      one["lr"] = s->valid() ? nlohmann::ordered_json(s->lr) : nlohmann::ordered_json();
      one["loss"] = s->valid() ? nlohmann::ordered_json(s->loss) : nlohmann::ordered_json();
      all[name] = one;
    }
    nlohmann::ordered_json line = nlohmann::ordered_json::object();
    line["suggestions"] = all;
    out << line.dump() << "\n";
  } else {
    out << "suggestion  lr        loss\n";
    for (const auto& [name, s] : rows) {
      char row[96];
      if (s->valid())
        std::snprintf(row, sizeof row, "%-12s%-10s%.4f\n", name, formatLr(s->lr).c_str(), s->loss);
      else
        std::snprintf(row, sizeof row, "%-12s%-10s%s\n", name, "n/a", "(curve too short)");
      out << row;
    }
  }
  if (!result.suggestions.valley.valid()) {
    err << "The loss diverged after " << result.points.size()
        << " batches of the sweep, too early to suggest a learning rate: check the data and the "
           "model.\n";
    return 1;
  }
  return 0;
}

int schedule(const std::vector<std::string>& args, std::ostream& out) {
  const Options o = parseOptions("schedule", args,
                                 {"--epochs", "--iters-per-epoch", "--lr", "--kind",
                                  "--pct-start", "--div", "--div-final", "--freeze-epochs"});
  if (o.positional.size() > 1)
    throw std::invalid_argument("schedule takes at most one project file: learnbench-cli "
                                "schedule [PROJECT] --epochs E --iters-per-epoch N --lr X.");
  const auto epochs = wholeNumber(o, "--epochs", 1, kMaxEpochs);
  auto iters = wholeNumber(o, "--iters-per-epoch", 1);
  const auto lr = positiveNumber(o, "--lr");
  auto pctStart = o.values.count("--pct-start") ? std::stod(o.values.at("--pct-start")) : -1.0;
  if (o.values.count("--pct-start") && !(pctStart >= 0 && pctStart <= 1))
    throw std::invalid_argument("--pct-start must be between 0 and 1.");

  // One row per batch, from the plan (one-cycle or fine_tune) or flat-cos's own formula.
  std::function<ScheduleValue(long long)> at;
  long long total = 0;
  if (!o.positional.empty()) {
    // What `train` will run for the project: its epochs and lr unless given, its batches per
    // epoch (the data is loaded to count them) unless --iters-per-epoch says.
    Project project = loadProject(o.positional[0]);
    if (epochs) project.train.epochs = int(*epochs);
    if (lr) project.train.lr = *lr;
    if (!iters) iters = Experiment(project).batchesPerEpoch();
    const SchedulePlan plan = plannedSchedule(project, int(*iters));
    total = plan.iterations();
    at = [plan](long long i) { return plan.atIteration(i); };
  } else {
    if (!epochs || !iters || !lr)
      throw std::invalid_argument("schedule needs --epochs, --iters-per-epoch and --lr, or a "
                                  "project file.");
    const std::string kind = o.values.count("--kind") ? o.values.at("--kind") : "one-cycle";
    if (kind == "one-cycle") {
      OneCycleOptions cycle;
      cycle.lrMax = *lr;
      if (pctStart >= 0) cycle.pctStart = pctStart;
      if (auto d = positiveNumber(o, "--div")) cycle.div = *d;
      if (auto d = positiveNumber(o, "--div-final")) cycle.divFinal = *d;
      const SchedulePlan plan = oneCyclePlan(int(*epochs), int(*iters), cycle);
      at = [plan](long long i) { return plan.atIteration(i); };
    } else if (kind == "fine-tune") {
      FineTuneOptions tuning;
      tuning.baseLr = *lr;
      if (pctStart >= 0) tuning.pctStart = pctStart;
      if (auto d = positiveNumber(o, "--div")) tuning.div = *d;
      if (auto f = wholeNumber(o, "--freeze-epochs", 1)) tuning.freezeEpochs = int(*f);
      const SchedulePlan plan = fineTunePlan(int(*epochs), int(*iters), tuning);
      total = plan.iterations();
      at = [plan](long long i) { return plan.atIteration(i); };
    } else if (kind == "flat-cos") {
      FlatCosOptions flat;
      flat.lr = *lr;
      if (pctStart >= 0) flat.pctStart = pctStart;
      if (auto d = positiveNumber(o, "--div-final")) flat.divFinal = *d;
      const long long n = *epochs * *iters;
      at = [flat, n](long long i) { return flatCosAt(flat, double(i) / double(n)); };
    } else {
      throw std::invalid_argument("--kind must be one-cycle, fine-tune or flat-cos, got \"" +
                                  kind + "\".");
    }
    if (total == 0) total = *epochs * *iters;
  }

  if (!o.json) out << "iter      lr            mom\n";
  for (long long i = 0; i < total; ++i) {
    const ScheduleValue v = at(i);
    if (o.json) {
      out << nlohmann::json{{"iter", i}, {"lr", v.lr}, {"mom", v.mom}}.dump() << "\n";
    } else {
      char row[96];
      std::snprintf(row, sizeof row, "%-10lld%-14.6e%.6f\n", i, v.lr, v.mom);
      out << row;
    }
  }
  return 0;
}

}  // namespace

int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
           const std::atomic<bool>* stopRequested) {
  if (args.empty()) {
    err << kUsage;
    return 2;
  }
  const std::string& command = args[0];
  try {
    if (command == "help" || command == "--help" || command == "-h") {
      out << kUsage;
      return 0;
    }
    if (command == "train") return train(args, out, err, stopRequested);
    if (command == "equivalence") return runEquivalence(args, out, err, stopRequested);
    if (command == "lr-find") return lrFind(args, out, err, stopRequested);
    if (command == "schedule") return schedule(args, out);
    if (command == "interpret") return runInterpret(args, out, err);
    if (command == "summary") return runSummary(args, out, err);
    if (command == "new") return runNew(args, out);
    if (command == "export") return runExport(args, out, err);
    if (command == "predict") return runPredict(args, out, err);
    if (command == "eject") return runEject(args, out);
    if (command == "runs") return runRuns(args, out, err);
    if (command == "suspects") return runSuspects(args, out, err, stopRequested);
    if (command == "clean") return runClean(args, out);
    err << "Unknown command \"" << command << "\": see learnbench-cli help.\n";
    return 2;
  } catch (const std::invalid_argument& e) {
    err << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    err << userMessage(e) << "\n";  // an lb::Error's sentence, or an internal error, logged
    return 1;
  }
}

}  // namespace lb
