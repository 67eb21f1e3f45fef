#include "engine/train/checkpoint.h"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "engine/train/callbacks.h"
#include "engine/util/error.h"

namespace lb {
namespace {

torch::Tensor doubles(const std::vector<double>& v) {
  return torch::tensor(v, torch::kDouble).reshape({static_cast<int64_t>(v.size())});
}

std::vector<double> toVector(const torch::Tensor& t) {
  auto c = t.to(torch::kDouble).contiguous().cpu();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

void writeModel(torch::serialize::OutputArchive& archive, torch::nn::Module& model) {
  for (const auto& p : model.named_parameters()) archive.write("model/" + p.key(), p.value());
  for (const auto& b : model.named_buffers()) archive.write("model/" + b.key(), b.value(), true);
}

void readModel(torch::serialize::InputArchive& archive, torch::nn::Module& model,
               const std::filesystem::path& file) {
  torch::NoGradGuard noGrad;
  auto copyInto = [&](const std::string& key, torch::Tensor& target) {
    torch::Tensor saved;
    if (!archive.try_read("model/" + key, saved) || saved.sizes() != target.sizes())
      throw Error("The file " + file.string() + " does not fit this model (at \"" + key +
                  "\"): it was saved from a different architecture.");
    target.copy_(saved);
  };
  for (auto& p : model.named_parameters()) copyInto(p.key(), p.value());
  for (auto& b : model.named_buffers()) copyInto(b.key(), b.value());
}

// Writes through a temporary file and a rename, so the old file survives a failed write.
void saveAtomically(torch::serialize::OutputArchive& archive, const std::filesystem::path& file) {
  auto temp = file;
  temp += ".saving";
  try {
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
    archive.save_to(temp.string());
    std::filesystem::rename(temp, file);
  } catch (const std::exception& e) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw Error("Could not write " + file.string() + ": check the folder exists, is writable and the disk has room.");
  }
}

torch::serialize::InputArchive openArchive(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) throw Error("The file " + file.string() + " does not exist.");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(file.string());
  } catch (const std::exception&) {
    throw Error("The file " + file.string() + " is not a Learnbench checkpoint or is damaged.");
  }
  return archive;
}

}  // namespace

void saveModelWeights(torch::nn::Module& model, const std::filesystem::path& file) {
  torch::serialize::OutputArchive archive;
  writeModel(archive, model);
  saveAtomically(archive, file);
}

void loadModelWeights(torch::nn::Module& model, const std::filesystem::path& file) {
  auto archive = openArchive(file);
  readModel(archive, model, file);
}

void saveCheckpoint(Learner& learn, int epochsDone, const std::filesystem::path& file) {
  torch::serialize::OutputArchive archive;
  writeModel(archive, *learn.model());

  const Optimizer::State opt = learn.optimizer().state();
  for (std::size_t i = 0; i < opt.steps.size(); ++i) {
    if (opt.gradAvg[i].defined()) archive.write("opt/grad_avg/" + std::to_string(i), opt.gradAvg[i], true);
    if (opt.sqrAvg[i].defined()) archive.write("opt/sqr_avg/" + std::to_string(i), opt.sqrAvg[i], true);
  }
  archive.write("opt/steps", torch::tensor(std::vector<int64_t>(opt.steps.begin(), opt.steps.end()), torch::kLong), true);
  archive.write("opt/lrs", doubles(opt.lrs), true);
  archive.write("opt/mom", doubles({opt.mom}), true);
  archive.write("epochs_done", doubles({double(epochsDone)}), true);

  const Recorder& rec = learn.recorder();
  archive.write("recorder/losses", doubles(rec.losses), true);
  archive.write("recorder/smooth_losses", doubles(rec.smoothLosses), true);
  archive.write("recorder/lrs", doubles(rec.lrs), true);
  archive.write("recorder/moms", doubles(rec.moms), true);
  const auto s = rec.smoothState();
  archive.write("recorder/smooth_state", doubles({s.value, s.debias, double(s.count)}), true);
  std::vector<double> epochs;
  for (const auto& e : rec.epochs) {
    epochs.insert(epochs.end(), {double(e.epoch), e.trainLoss, e.validLoss, e.seconds});
    epochs.insert(epochs.end(), e.metrics.begin(), e.metrics.end());
  }
  archive.write("recorder/epochs", doubles(epochs), true);
  saveAtomically(archive, file);
}

int loadCheckpoint(Learner& learn, const std::filesystem::path& file) {
  auto archive = openArchive(file);
  readModel(archive, *learn.model(), file);

  auto read = [&](const std::string& key) {
    torch::Tensor t;
    if (!archive.try_read(key, t, true))
      throw Error("The checkpoint " + file.string() + " lacks \"" + key + "\": it is damaged or from another program.");
    return t;
  };
  Optimizer::State opt;
  const auto steps = read("opt/steps");
  for (int64_t i = 0; i < steps.numel(); ++i) {
    opt.steps.push_back(steps[i].item<int64_t>());
    torch::Tensor g, v;
    archive.try_read("opt/grad_avg/" + std::to_string(i), g, true);
    archive.try_read("opt/sqr_avg/" + std::to_string(i), v, true);
    opt.gradAvg.push_back(g.defined() ? g.to(learn.model()->parameters()[0].device()) : g);
    opt.sqrAvg.push_back(v.defined() ? v.to(learn.model()->parameters()[0].device()) : v);
  }
  opt.lrs = toVector(read("opt/lrs"));
  opt.mom = toVector(read("opt/mom")).at(0);
  learn.optimizer().loadState(opt);

  Recorder& rec = learn.recorder();
  rec.losses = toVector(read("recorder/losses"));
  rec.smoothLosses = toVector(read("recorder/smooth_losses"));
  rec.lrs = toVector(read("recorder/lrs"));
  rec.moms = toVector(read("recorder/moms"));
  const auto s = toVector(read("recorder/smooth_state"));
  rec.setSmoothState({s.at(0), s.at(1), long(s.at(2))});
  rec.metricNames.clear();
  for (const auto& m : learn.metrics()) rec.metricNames.push_back(m->name());
  const auto flat = toVector(read("recorder/epochs"));
  const std::size_t width = 4 + learn.metrics().size();
  if (flat.size() % width != 0)
    throw Error("The checkpoint " + file.string() + " was saved with other metrics than this project has.");
  rec.epochs.clear();
  for (std::size_t i = 0; i < flat.size(); i += width) {
    Recorder::EpochRecord e;
    e.epoch = int(flat[i]);
    e.trainLoss = flat[i + 1];
    e.validLoss = flat[i + 2];
    e.seconds = flat[i + 3];
    e.metrics.assign(flat.begin() + long(i) + 4, flat.begin() + long(i + width));
    rec.epochs.push_back(e);
  }
  return int(toVector(read("epochs_done")).at(0));
}

}  // namespace lb
