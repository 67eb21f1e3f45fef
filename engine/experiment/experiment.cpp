#include "engine/experiment/experiment.h"
#include "engine/experiment/operations.h"

#include <torch/utils.h>

#include "engine/data/data_loaders.h"
#include "engine/data/sharded_loader.h"
#include "engine/experiment/build_learner.h"
#include "engine/interpret/interpretation.h"
#include "engine/models/model_builder.h"
#include "engine/models/simple_cnn.h"
#include "engine/models/transfer.h"
#include "engine/project/cleaning_journal.h"
#include "engine/train/callbacks.h"
#include "engine/train/batch_pacer.h"
#include "engine/train/checkpoint.h"
#include "engine/train/data_parallel.h"
#include "engine/train/distributed.h"
#include "engine/train/learner.h"
#include "engine/train/lr_finder.h"
#include "engine/train/mixed_precision.h"
#include "engine/train/sync_batch_norm.h"
#include "engine/train/time_estimate.h"
#include "engine/train/training_callbacks.h"
#include "engine/util/device.h"
#include "engine/util/error.h"
#include "engine/util/runtime.h"

#include <chrono>
#include <thread>

namespace lb {

namespace {
// Holds the fit before a batch while the GUI's pause flag is set. It polls rather than waits on
// StopControl's condition, because the flags belong to the caller; runs before StopControl so a
// stop pressed while paused ends the fit at once.
class PauseGate : public Callback {
 public:
  PauseGate(const std::atomic<bool>* pause, const std::atomic<bool>* stop)
      : m_pause(pause), m_stop(stop) {}
  int order() const override { return -30; }
  void beforeBatch(Learner& learn) override {
    const auto waitStart = std::chrono::steady_clock::now();
    while (m_pause->load() && !(m_stop && m_stop->load()))
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    learn.pausedSeconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - waitStart).count();
  }

 private:
  const std::atomic<bool>* m_pause;
  const std::atomic<bool>* m_stop;
};

// fine_tune runs two fits (frozen, then unfrozen); this numbers their epochs as one run of
// freezeEpochs + epochs, for the reports and for the checkpoint a resume starts from.
class FineTunePhases : public Callback {
 public:
  FineTunePhases(int freezeEpochs, int startEpoch, std::filesystem::path checkpoint)
      : m_freezeEpochs(freezeEpochs), m_phase(startEpoch >= freezeEpochs ? 1 : 0),
        m_checkpoint(std::move(checkpoint)) {}
  int order() const override { return 70; }  // as CheckpointEveryEpoch
  void beforeFit(Learner&) override { offset = (m_fits++ + m_phase > 0) ? m_freezeEpochs : 0; }
  void afterEpoch(Learner& learn) override {
    if (!m_checkpoint.empty()) saveCheckpoint(learn, offset + learn.epoch + 1, m_checkpoint);
  }
  std::atomic<int> offset{0};  // epochs of the run before the current fit's

 private:
  int m_freezeEpochs, m_phase, m_fits = 0;
  std::filesystem::path m_checkpoint;
};
}  // namespace

struct Experiment::Impl {
  Project project;
  std::vector<std::string> classes;
  DataLoaders data;
  std::unique_ptr<Learner> learner;
  bool pretrained = false;  // the body came from model.pretrained: train with fine_tune
  std::string modelProblem;  // why the model could not be built (learner is then null)
  std::shared_ptr<DistributedGroup> group;  // set for one rank of several
  std::shared_ptr<ShardedLoader> validShard;
};

std::filesystem::path pretrainedPath(const Project& p) {
  if (p.model.pretrained.empty()) return {};
  const std::filesystem::path file(p.model.pretrained);
  return file.is_absolute() ? file : p.folder() / file;
}

std::shared_ptr<Metric> targetMetric(TargetKind target) {
  if (target == TargetKind::MultiCategory) return std::make_shared<AccuracyMulti>();
  if (target == TargetKind::Regression) return std::make_shared<MeanAbsoluteError>();
  return std::make_shared<Accuracy>();
}

std::string targetMetricName(TargetKind target) { return targetMetric(target)->name(); }

DataLoaders buildProjectData(const Project& p) {
  // The cleaning decisions kept with the project are an overlay on its data, wherever it is built.
  DataLoaders data = buildDataLoaders(p.data, p.folder(), p.train.batchSize, p.train.seed, -1,
                                      projectOverrides(p));
  const auto device = defaultDevice();
  data.train->to(device);
  data.valid->to(device);
  return data;
}

BuiltLearner buildLearner(const Project& p, bool loadPretrained) {
  return buildLearnerOn(p, buildProjectData(p), loadPretrained);
}

BuiltLearner buildLearnerOn(const Project& p, DataLoaders loaders, bool loadPretrained,
                            const std::shared_ptr<DistributedGroup>& group) {
  BuiltLearner built;
  built.data = std::move(loaders);
  const DataLoaders& data = built.data;
  const auto device = defaultDevice();
  torch::manual_seed(p.train.seed);
  // The input shape and the output count come from the data; the spec says the rest.
  BuiltModel net = buildModel(p.model, data.shape, data.outputs());
  // Batches grouped by aspect ratio come in other shapes than the set size: each must fit the
  // model built for the set size (a Linear after Flatten takes one shape only).
  for (const ImageShape& shape : data.aspectShapes) {
    torch::NoGradGuard noGrad;
    net.model->eval();
    try {
      net.model->forward(torch::zeros({1, shape.channels, shape.height, shape.width}));
    } catch (const std::exception&) {
      throw Error("Grouping by aspect ratio makes batches of " + std::to_string(shape.width) +
                  "x" + std::to_string(shape.height) + " pixels, which this model cannot take: "
                  "use a model that pools before its head (the zoo's CNN or a ResNet), or turn "
                  "off Group by aspect ratio in Item transforms.");
    }
    net.model->train();
  }
  auto model = net.model;
  model->to(device);
  if (loadPretrained && !p.model.pretrained.empty())
    built.pretrainedTensors =
        loadPretrainedBody(model, net.headStart, pretrainedPath(p)).tensorsCopied;
  // Before the optimizer takes the parameters: the synchronised layers hold new tensors.
  if (p.train.syncBatchNorm && useSyncBatchNorm(*model, group) > 0) model->to(device);
  const LossFunction loss = data.target == TargetKind::MultiCategory ? bceWithLogitsLoss
                            : data.target == TargetKind::Regression  ? mseLoss
                                                                     : crossEntropyLoss;
  const std::vector<std::shared_ptr<Metric>> metrics{targetMetric(data.target)};
  built.classes = data.vocab;
  built.learner = std::make_unique<Learner>(data.train, data.valid, model, loss, metrics,
                                            OptimizerOptions{}, splitBodyHead(net.headStart));
  return built;
}

Experiment::Experiment(Project project) : Experiment(std::move(project), nullptr) {}

Experiment::Experiment(Project project, std::shared_ptr<DistributedGroup> group)
    : m_impl(std::make_unique<Impl>()) {
  m_impl->project = std::move(project);
  useThreads(m_impl->project.train.threads);
  m_impl->data = buildProjectData(m_impl->project);
  m_impl->classes = m_impl->data.vocab;
  if (group && group->worldSize() > 1) {
    m_impl->group = std::move(group);
    const int rank = m_impl->group->rank(), world = m_impl->group->worldSize();
    m_impl->validShard = std::make_shared<ShardedLoader>(m_impl->data.valid, rank, world, false);
    m_impl->data.train = std::make_shared<ShardedLoader>(m_impl->data.train, rank, world, true);
    m_impl->data.valid = m_impl->validShard;
  }
  // The data is fine: a model that cannot be built on it is the model's problem, said as such.
  try {
    BuiltLearner built = buildLearnerOn(m_impl->project, m_impl->data, true, m_impl->group);
    m_impl->learner = std::move(built.learner);
    m_impl->pretrained = built.pretrainedTensors > 0;
  } catch (const Error& e) {
    m_impl->modelProblem = e.what();
  }
}

const std::string& Experiment::modelProblem() const { return m_impl->modelProblem; }

Learner& Experiment::learner() {
  if (!m_impl->learner) throw Error(m_impl->modelProblem);
  return *m_impl->learner;
}

Experiment::~Experiment() = default;

const Project& Experiment::project() const { return m_impl->project; }
const std::vector<std::string>& Experiment::classes() const { return m_impl->classes; }
int Experiment::trainItems() const { return int(m_impl->data.train->items()); }
int Experiment::validItems() const { return int(m_impl->data.valid->items()); }
const std::vector<SkippedFile>& Experiment::skippedFiles() const { return m_impl->data.skipped; }
int Experiment::greyExpanded() const { return m_impl->data.greyExpanded; }
OverrideCounts Experiment::cleaningCounts() const { return m_impl->data.overrides; }
int Experiment::batchesPerEpoch() const { return m_impl->data.train->batches(); }
ImageShape Experiment::inputShape() const { return m_impl->data.shape; }
std::vector<ImageShape> Experiment::aspectShapes() const { return m_impl->data.aspectShapes; }
int Experiment::outputs() const { return m_impl->data.outputs(); }
std::string Experiment::metricName() const { return targetMetricName(m_impl->data.target); }
long long Experiment::parameterCount() const {
  return m_impl->learner ? countParameters(*m_impl->learner->model()) : 0;
}

TrainingOutcome Experiment::train(const TrainingHooks& hooks) {
  const Project& p = m_impl->project;
  useThreads(p.train.threads);
  Learner& learn = learner();

  TrainingOutcome outcome;
  // A pretrained body is fine-tuned as fastai's fine_tune does: the head alone first, at the
  // project's lr as base_lr; its epochs are numbered as one run of freezeEpochs + epochs.
  const bool fineTune = m_impl->pretrained;
  FineTuneOptions tuning;
  tuning.baseLr = p.train.lr;
  const int totalEpochs = p.train.epochs + (fineTune ? tuning.freezeEpochs : 0);
  std::shared_ptr<FineTunePhases> phases;  // set below when fine-tuning
  auto progress = std::make_shared<ProgressReporter>();
  progress->onBatch = hooks.onBatch;
  if (fineTune && hooks.onBatch)
    progress->onBatch = [&](const BatchProgress& b) {
      BatchProgress run = b;
      run.epoch += phases->offset;
      run.epochs = totalEpochs;
      hooks.onBatch(run);
    };
  progress->onEpoch = [&](const EpochResult& e) {
    EpochResult run = e;
    if (phases) run.epoch += phases->offset;
    outcome.epochs.push_back(run);
    if (hooks.onEpoch) hooks.onEpoch(run);
  };
  auto stop = std::make_shared<StopControl>();
  // Several ranks stop together at one batch: the stop flag goes to DataParallel, which asks
  // every rank; only rank 0 writes the checkpoint.
  std::shared_ptr<DataParallel> parallel;
  if (m_impl->group)
    parallel = std::make_shared<DataParallel>(m_impl->group, m_impl->validShard,
                                              hooks.stopRequested);
  else
    stop->watch(hooks.stopRequested);
  // Each rank's speed without its waits for the others (a straggler shows as the slow one).
  if (parallel && progress->onBatch)
    progress->onBatch = [report = progress->onBatch, parallel](const BatchProgress& b) {
      BatchProgress withSync = b;
      withSync.syncSeconds = parallel->gradientSyncSeconds();
      report(withSync);
    };
  const std::filesystem::path checkpointFile =
      !m_impl->group || m_impl->group->rank() == 0 ? hooks.checkpointFile
                                                   : std::filesystem::path();
  auto nanGuard = std::make_shared<NanGuard>();
  std::vector<std::shared_ptr<Callback>> added = {progress, stop, nanGuard};
  if (hooks.pauseRequested)
    added.push_back(std::make_shared<PauseGate>(hooks.pauseRequested, hooks.stopRequested));
  if (parallel) added.push_back(parallel);
  if (!checkpointFile.empty() && !fineTune)
    added.push_back(std::make_shared<CheckpointEveryEpoch>(checkpointFile));
  if (hooks.pace)
    added.push_back(std::make_shared<BatchPacer>(
        hooks.pace, hooks.stopRequested,
        [this](const torch::Tensor& x) { return toImage8(x, m_impl->data.stats); },
        m_impl->data.target == TargetKind::Category, [&](const BatchStepReport& r) {
          if (!hooks.onStep) return;
          BatchStepReport run = r;  // fine_tune's epochs numbered as one run, as for onBatch
          if (phases) {
            run.epoch += phases->offset;
            run.epochs = totalEpochs;
            run.step += long(phases->offset) * run.batches;
            run.steps = long(totalEpochs) * run.batches;
          }
          hooks.onStep(run);
        }));
  if (hooks.onInterpretation)
    added.push_back(std::make_shared<InterpretEachEpoch>(
        m_impl->classes, hooks.interpretTopLosses, m_impl->data.target, m_impl->data.stats,
        [&](const Interpretation& in) { hooks.onInterpretation(withValidNames(in)); }));
  if (p.train.mixedPrecision) {
    const auto device = defaultDevice();
    if (mixedPrecisionSupported(device))
      added.push_back(std::make_shared<MixedPrecision>());
    else
      outcome.notice = mixedPrecisionUnsupportedReason(device);
  }

  if (hooks.resume) {
    std::error_code ec;
    if (hooks.checkpointFile.empty() ||
        (!std::filesystem::exists(hooks.checkpointFile, ec) &&
         !std::filesystem::exists(previousCheckpoint(hooks.checkpointFile), ec)))
      throw Error("There is no checkpoint to resume from at " + hooks.checkpointFile.string() +
                  ": train without resuming first.");
    // The latest checkpoint when it is whole, else the one kept before it.
    const std::filesystem::path from = loadableCheckpoint(hooks.checkpointFile);
    if (from != hooks.checkpointFile)
      outcome.notice += (outcome.notice.empty() ? "" : " ") + std::string("The checkpoint ") +
                        hooks.checkpointFile.string() +
                        " is damaged or missing: training resumes from the one before it.";
    outcome.resumedFrom = loadCheckpoint(learn, from);
    if (outcome.resumedFrom >= totalEpochs)
      throw Error("The checkpoint " + hooks.checkpointFile.string() + " already holds all " +
                  std::to_string(totalEpochs) + " epochs: train for more epochs, or train anew.");
  }
  if (fineTune) {
    phases = std::make_shared<FineTunePhases>(tuning.freezeEpochs, outcome.resumedFrom,
                                              checkpointFile);
    added.push_back(phases);
  }

  for (const auto& cb : added) learn.addCallback(cb);
  try {
    if (fineTune)
      learn.fineTune(p.train.epochs, tuning, outcome.resumedFrom);
    else
      learn.fitOneCycle(p.train.epochs, OneCycleOptions{}.setLrMax(p.train.lr), std::nullopt,
                        outcome.resumedFrom);
  } catch (...) {
    for (const auto& cb : added) learn.removeCallback(cb);
    throw;
  }
  for (const auto& cb : added) learn.removeCallback(cb);
  outcome.stopped = stop->stopRequested() || (parallel && parallel->stopped());
  outcome.stopReason = learn.stopReason;
  // A stop during validation leaves that epoch unrecorded by the reporter; keep only whole ones.
  return outcome;
}

LrFindResult Experiment::findLearningRate(const LrFinderOptions& options,
                                          const std::atomic<bool>* stop,
                                          std::function<void(const LrFindPoint&)> onPoint) {
  useThreads(m_impl->project.train.threads);
  return lb::findLearningRate(learner(), options, stop, std::move(onPoint));
}

Interpretation Experiment::interpret(int k, const std::filesystem::path& checkpoint,
                                     const ItemFilter& filter) {
  useThreads(m_impl->project.train.threads);
  Learner& learn = learner();
  if (!checkpoint.empty()) loadModelWeights(*learn.model(), requireCheckpoint(project(), checkpoint));
  return withValidNames(interpretLearner(learn, m_impl->classes, k, filter, m_impl->data.target,
                                         m_impl->data.stats));
}

std::vector<Image8> Experiment::validImages(const std::vector<long>& indices) {
  Learner& learn = learner();
  for (long i : indices)
    if (i < 0 || i >= long(learn.validLoader().items()))
      throw Error("There is no validation item " + std::to_string(i + 1) + ": the validation set "
                  "holds " + std::to_string(learn.validLoader().items()) + ".");
  std::vector<Image8> out;
  const torch::Tensor inputs = validationInputs(learn, indices);
  for (std::size_t i = 0; i < indices.size(); ++i)
    out.push_back(toImage8(inputs[long(i)], m_impl->data.stats));
  return out;
}

HeatMap Experiment::gradCamOf(long index, int classIndex,
                              const std::filesystem::path& checkpoint) {
  useThreads(m_impl->project.train.threads);
  Learner& learn = learner();
  validImages({index});  // the index check, with its sentence
  loadModelWeights(*learn.model(), requireCheckpoint(project(), checkpoint));
  const torch::Tensor input = validationInputs(learn, {index});
  return toHeatMap(gradCam(learn.model(), input[0].unsqueeze(0).to(defaultDevice()), classIndex));
}

Interpretation Experiment::withValidNames(Interpretation in) const {
  if (m_impl->data.validNames.size() == std::size_t(in.validItems))
    in.validNames = m_impl->data.validNames;
  return in;
}

double Experiment::secondsPerItem() {
  useThreads(m_impl->project.train.threads);
  return measureSecondsPerItem(learner().model(), m_impl->data.shape,
                               m_impl->project.train.batchSize);
}

RunRecord runRecord(const Project& project, std::string started, const TrainingOutcome& outcome) {
  RunRecord run{std::move(started), project.train.epochs, project.train.lr,
                project.train.batchSize, project.train.seed, {}, outcome.epochs};
  run.ended = !outcome.stopReason.empty() ? outcome.stopReason
              : outcome.stopped          ? "stopped"
                                         : "finished";
  return run;
}

}  // namespace lb
