#include "engine/train/checkpoint.h"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <map>
#include <optional>
#include <sstream>

#include "engine/train/callbacks.h"
#include "engine/util/atomic_file.h"
#include "engine/util/checksum.h"
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

// The file's tensors fall in two parts, each with its own checksum: the model's (all that
// loadModelWeights reads) and the rest of the training state.
std::string partOf(const std::string& key) {
  return key.rfind("model/", 0) == 0 ? "checksum/model" : "checksum/state";
}

// An archive whose tensors are summed into checksums as they are written, so a damaged file is
// found on loading (LibTorch's reader does not check its zip's CRCs).
class SummedWriter {
 public:
  void write(const std::string& key, const torch::Tensor& t, bool buffer = true) {
    m_archive.write(key, t, buffer);
    m_sums[partOf(key)] += tensorChecksum(key, t);
  }
  // The checksums, then the archive as bytes, written through the atomic writer: LibTorch's own
  // file writer aborts the process on a full disk (it throws from a destructor while unwinding).
  void save(const std::filesystem::path& file, const std::filesystem::path& previous = {}) {
    for (const auto& [part, sum] : m_sums)
      m_archive.write(part, torch::tensor({std::int64_t(sum)}, torch::kLong), true);
    std::ostringstream bytes;
    m_archive.save_to(bytes);
    std::error_code ec;
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
    writeFileAtomically(file, bytes.str(), "checkpoint", previous);
  }

 private:
  torch::serialize::OutputArchive m_archive;
  std::map<std::string, std::uint64_t> m_sums;
};

// Reads what SummedWriter wrote, summing the same checksums; verify() compares one part's.
class SummedReader {
 public:
  explicit SummedReader(const std::filesystem::path& file) : m_file(file) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec))
      throw Error("The file " + file.string() + " does not exist.");
    try {
      m_archive.load_from(file.string());
    } catch (const std::exception&) {
      throw damaged();
    }
  }
  bool tryRead(const std::string& key, torch::Tensor& t) {
    // A parameter and a buffer are read differently; files keep the model's parameters as such.
    try {
      if (!m_archive.try_read(key, t, /*is_buffer=*/true)) return false;
    } catch (const std::exception&) {
      try {
        if (!m_archive.try_read(key, t, /*is_buffer=*/false)) return false;
      } catch (const std::exception&) {
        throw damaged();
      }
    }
    m_sums[partOf(key)] += tensorChecksum(key, t);
    return true;
  }
  // Files written before checksums have none; those are taken as they are.
  void verify(const std::string& part) {
    torch::Tensor stored;
    if (!m_archive.try_read(part, stored, true)) return;
    if (stored.numel() != 1 || std::uint64_t(stored.item<std::int64_t>()) != m_sums[part])
      throw damaged();
  }
  // Reads every tensor and checks both parts.
  void verifyAll() {
    std::vector<std::string> keys;
    try {
      keys = m_archive.keys();
    } catch (const std::exception&) {
      throw damaged();
    }
    for (const auto& key : keys) {
      torch::Tensor t;
      if (key.rfind("checksum/", 0) != 0) tryRead(key, t);
    }
    verify("checksum/model");
    verify("checksum/state");
  }
  Error damaged() const {
    return Error("The file " + m_file.string() + " is not a Learnbench checkpoint or is damaged.");
  }

 private:
  std::filesystem::path m_file;
  torch::serialize::InputArchive m_archive;
  std::map<std::string, std::uint64_t> m_sums;
};

void writeModel(SummedWriter& archive, torch::nn::Module& model) {
  for (const auto& p : model.named_parameters()) archive.write("model/" + p.key(), p.value(), false);
  for (const auto& b : model.named_buffers()) archive.write("model/" + b.key(), b.value());
}

// Reads the model's tensors and checks them against the file's checksum; copies them into the
// model only when they are whole, so a damaged file leaves the model as it was.
void readModel(SummedReader& archive, torch::nn::Module& model, const std::filesystem::path& file) {
  torch::NoGradGuard noGrad;
  std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;
  auto fetch = [&](const std::string& key, const torch::Tensor& target) {
    torch::Tensor saved;
    if (!archive.tryRead("model/" + key, saved) || saved.sizes() != target.sizes())
      throw Error("The file " + file.string() + " does not fit this model (at \"" + key +
                  "\"): it was saved from a different architecture.");
    copies.emplace_back(target, saved);
  };
  for (const auto& p : model.named_parameters()) fetch(p.key(), p.value());
  for (const auto& b : model.named_buffers()) fetch(b.key(), b.value());
  archive.verify("checksum/model");
  for (auto& [target, saved] : copies) target.copy_(saved);
}

}  // namespace

std::uint64_t tensorChecksum(const std::string& key, const torch::Tensor& tensor) {
  const torch::Tensor t = tensor.detach().cpu().contiguous();
  std::uint64_t h = fnv1a(key.data(), key.size());
  const std::string type = std::string(t.dtype().name()) + ":" + std::to_string(t.numel());
  h = fnv1a(type.data(), type.size(), h);
  return fnv1a(t.data_ptr(), t.nbytes(), h);
}

std::filesystem::path previousCheckpoint(const std::filesystem::path& file) {
  auto previous = file;
  previous += ".previous";
  return previous;
}

void saveModelWeights(torch::nn::Module& model, const std::filesystem::path& file) {
  SummedWriter archive;
  writeModel(archive, model);
  archive.save(file);
}

void loadModelWeights(torch::nn::Module& model, const std::filesystem::path& file) {
  SummedReader archive(file);
  readModel(archive, model, file);
}

void saveCheckpoint(Learner& learn, int epochsDone, const std::filesystem::path& file) {
  SummedWriter archive;
  writeModel(archive, *learn.model());

  const Optimizer::State opt = learn.optimizer().state();
  for (std::size_t i = 0; i < opt.steps.size(); ++i) {
    if (opt.gradAvg[i].defined()) archive.write("opt/grad_avg/" + std::to_string(i), opt.gradAvg[i]);
    if (opt.sqrAvg[i].defined()) archive.write("opt/sqr_avg/" + std::to_string(i), opt.sqrAvg[i]);
  }
  archive.write("opt/steps", torch::tensor(std::vector<int64_t>(opt.steps.begin(), opt.steps.end()), torch::kLong));
  archive.write("opt/lrs", doubles(opt.lrs));
  archive.write("opt/mom", doubles({opt.mom}));
  archive.write("epochs_done", doubles({double(epochsDone)}));

  const Recorder& rec = learn.recorder();
  archive.write("recorder/losses", doubles(rec.losses));
  archive.write("recorder/smooth_losses", doubles(rec.smoothLosses));
  archive.write("recorder/lrs", doubles(rec.lrs));
  archive.write("recorder/moms", doubles(rec.moms));
  const auto s = rec.smoothState();
  archive.write("recorder/smooth_state", doubles({s.value, s.debias, double(s.count)}));
  std::vector<double> epochs;
  for (const auto& e : rec.epochs) {
    epochs.insert(epochs.end(), {double(e.epoch), e.trainLoss, e.validLoss, e.seconds});
    epochs.insert(epochs.end(), e.metrics.begin(), e.metrics.end());
  }
  archive.write("recorder/epochs", doubles(epochs));
  // The checkpoint before this one stays as the previous one (dlib's two files): should the new
  // file be damaged later, loading falls back to it.
  archive.save(file, previousCheckpoint(file));
}

std::filesystem::path loadableCheckpoint(const std::filesystem::path& file) {
  std::optional<Error> firstProblem;
  for (const auto& candidate : {file, previousCheckpoint(file)}) {
    std::error_code ec;
    if (!std::filesystem::exists(candidate, ec)) continue;
    try {
      SummedReader archive(candidate);
      archive.verifyAll();
      return candidate;
    } catch (const Error& e) {
      if (!firstProblem) firstProblem = e;
    }
  }
  if (firstProblem) throw *firstProblem;
  throw Error("The file " + file.string() + " does not exist.");
}

int loadCheckpoint(Learner& learn, const std::filesystem::path& file) {
  SummedReader archive(file);
  auto read = [&](const std::string& key) {
    torch::Tensor t;
    if (!archive.tryRead(key, t))
      throw Error("The checkpoint " + file.string() + " lacks \"" + key + "\": it is damaged or from another program.");
    return t;
  };
  // Everything is read and checked before the Learner changes, so a damaged file changes nothing.
  const auto device = learn.model()->parameters()[0].device();
  Optimizer::State opt;
  const auto steps = read("opt/steps");
  for (int64_t i = 0; i < steps.numel(); ++i) {
    opt.steps.push_back(steps[i].item<int64_t>());
    torch::Tensor g, v;
    archive.tryRead("opt/grad_avg/" + std::to_string(i), g);
    archive.tryRead("opt/sqr_avg/" + std::to_string(i), v);
    opt.gradAvg.push_back(g.defined() ? g.to(device) : g);
    opt.sqrAvg.push_back(v.defined() ? v.to(device) : v);
  }
  opt.lrs = toVector(read("opt/lrs"));
  opt.mom = toVector(read("opt/mom")).at(0);
  const auto losses = toVector(read("recorder/losses"));
  const auto smoothLosses = toVector(read("recorder/smooth_losses"));
  const auto lrs = toVector(read("recorder/lrs"));
  const auto moms = toVector(read("recorder/moms"));
  const auto s = toVector(read("recorder/smooth_state"));
  const auto flat = toVector(read("recorder/epochs"));
  const int epochsDone = int(toVector(read("epochs_done")).at(0));
  archive.verify("checksum/state");
  const std::size_t width = 4 + learn.metrics().size();
  if (flat.size() % width != 0 || s.size() != 3)
    throw Error("The checkpoint " + file.string() + " was saved with other metrics than this project has.");
  readModel(archive, *learn.model(), file);

  learn.optimizer().loadState(opt);
  Recorder& rec = learn.recorder();
  rec.losses = losses;
  rec.smoothLosses = smoothLosses;
  rec.lrs = lrs;
  rec.moms = moms;
  rec.setSmoothState({s.at(0), s.at(1), long(s.at(2))});
  rec.metricNames.clear();
  for (const auto& m : learn.metrics()) rec.metricNames.push_back(m->name());
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
  return epochsDone;
}

}  // namespace lb
