// SyncBatchNorm (issue 16): two ranks on loopback (threads of this process, Gloo), each with half
// of a batch, normalise, backpropagate and update their running statistics as one BatchNorm does
// with the whole batch; replaceBatchNorms reaches every norm a model runs (residual blocks too);
// the project file keeps train.syncBatchNorm.
#include <QtTest/QtTest>

#include <future>

#include <torch/nn/modules/batchnorm.h>
#include <torch/torch.h>

#include "common/test_support.h"
#include "engine/models/model_builder.h"
#include "engine/project/project.h"
#include "engine/train/distributed.h"
#include "engine/train/sync_batch_norm.h"

namespace {

// What one norm gives for its input: the output, the gradients of sum(output * weights) for
// the input, weight and bias, and the running statistics afterwards (two steps).
struct Step {
  torch::Tensor y, dx, dweight, dbias, runningMean, runningVar;
};

template <class Norm>
Step run(Norm& norm, const torch::Tensor& input, const torch::Tensor& weights) {
  Step s;
  norm.train();
  for (int i = 0; i < 2; ++i) {
    auto x = input.clone().requires_grad_(true);
    norm.zero_grad();
    s.y = norm.forward(x);
    (s.y * weights).sum().backward();
    s.dx = x.grad();
  }
  s.dweight = norm.weight.grad().clone();
  s.dbias = norm.bias.grad().clone();
  s.runningMean = norm.running_mean.clone();
  s.runningVar = norm.running_var.clone();
  return s;
}

double largest(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

// A norm in name only: counts the forward passes that reach it.
struct CountingImpl : torch::nn::Module {
  explicit CountingImpl(int* calls) : calls(calls) {}
  torch::Tensor forward(const torch::Tensor& x) {
    ++*calls;
    return x;
  }
  int* calls;
};

}  // namespace

class TestSyncBatchNorm : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void twoRanksNormaliseAsOneBatch_data();
  void twoRanksNormaliseAsOneBatch();
  void replacesEveryNormTheModelRuns();
  void projectKeepsTheSetting();
};

void TestSyncBatchNorm::twoRanksNormaliseAsOneBatch_data() {
  QTest::addColumn<bool>("image");
  QTest::newRow("BatchNorm2d") << true;
  QTest::newRow("BatchNorm1d") << false;
}

void TestSyncBatchNorm::twoRanksNormaliseAsOneBatch() {
  QFETCH(bool, image);
  torch::manual_seed(7);
  const std::vector<std::int64_t> shape =
      image ? std::vector<std::int64_t>{8, 3, 5, 4} : std::vector<std::int64_t>{8, 3};
  // The halves differ in mean and spread, so each rank's own statistics are far from the whole's.
  auto input = torch::randn(shape);
  input.slice(0, 0, 4).mul_(3).add_(2);
  input.slice(0, 4, 8).sub_(1);
  const auto weights = torch::randn(shape);
  const auto options = torch::nn::BatchNormOptions(3).momentum(0.3);

  const auto whole = [&](auto norm) { return run(*norm, input, weights); };
  const Step one = image ? whole(torch::nn::BatchNorm2d(options).ptr())
                         : whole(torch::nn::BatchNorm1d(options).ptr());

  const int port = lb::freeLoopbackPort();
  const auto rank = [&](int r) {
    lb::DistributedEnv env;
    env.masterPort = port;
    env.worldSize = 2;
    env.rank = env.localRank = r;
    env.localWorldSize = 2;
    auto group = lb::DistributedGroup::join(env, std::chrono::seconds(30));
    const auto half = input.slice(0, 4 * r, 4 * r + 4), w = weights.slice(0, 4 * r, 4 * r + 4);
    if (image) {
      lb::SyncBatchNorm2dImpl norm(options, group);
      return run(norm, half, w);
    }
    lb::SyncBatchNorm1dImpl norm(options, group);
    return run(norm, half, w);
  };
  auto second = std::async(std::launch::async, rank, 1);
  const Step r0 = rank(0), r1 = second.get();

  const double tol = 1e-5;
  QVERIFY(largest(torch::cat({r0.y, r1.y}), one.y) < tol);
  QVERIFY(largest(torch::cat({r0.dx, r1.dx}), one.dx) < tol);
  // DataParallel sums the ranks' parameter gradients (then divides by the world size, as the
  // loss is the ranks' mean; here it is their sum).
  QVERIFY(largest(r0.dweight + r1.dweight, one.dweight) < tol);
  QVERIFY(largest(r0.dbias + r1.dbias, one.dbias) < tol);
  for (const Step* r : {&r0, &r1}) {
    QVERIFY(largest(r->runningMean, one.runningMean) < tol);
    QVERIFY(largest(r->runningVar, one.runningVar) < tol);
  }
  // Each half on its own normalises and tracks otherwise: the comparisons above can fail.
  torch::nn::BatchNorm2d plain2(options);
  torch::nn::BatchNorm1d plain1(options);
  const Step own = image ? run(*plain2, input.slice(0, 0, 4), weights.slice(0, 0, 4))
                         : run(*plain1, input.slice(0, 0, 4), weights.slice(0, 0, 4));
  QVERIFY(largest(own.y, one.y.slice(0, 0, 4)) > 0.1);
  QVERIFY(largest(own.runningMean, one.runningMean) > 0.1);
}

void TestSyncBatchNorm::replacesEveryNormTheModelRuns() {
  lb::ModelSpec spec;
  spec.name = "resnet18";
  spec.smallImages = true;
  spec.head = "fastai";
  const lb::ImageShape input{3, 16, 16};
  auto model = lb::buildModel(spec, input, 10).model;
  int norms = 0;
  for (const auto& m : model->modules())
    if (m->as<torch::nn::BatchNorm2d>() || m->as<torch::nn::BatchNorm1d>()) ++norms;
  QCOMPARE(norms, 1 + 2 * 8 + 3 + 2);  // stem, two per BasicBlock, downsamples, the head's two

  int calls = 0;
  const int replaced = lb::replaceBatchNorms(*model, [&](torch::nn::Module&) {
    return torch::nn::AnyModule(std::make_shared<CountingImpl>(&calls));
  });
  QCOMPARE(replaced, norms);
  for (const auto& m : model->modules())
    QVERIFY(!m->as<torch::nn::BatchNorm2d>() && !m->as<torch::nn::BatchNorm1d>());
  model->eval();
  torch::NoGradGuard noGrad;
  model->forward(torch::zeros({2, 3, 16, 16}));
  QCOMPARE(calls, norms);  // the replacements are the ones that run, in blocks too

  QCOMPARE(lb::useSyncBatchNorm(*model, nullptr), 0);  // one process: plain BatchNorm stays
}

void TestSyncBatchNorm::projectKeepsTheSetting() {
  QTemporaryDir dir;
  const std::string file = (dir.path() + QStringLiteral("/p.lbproj")).toStdString();
  lb::Project p;
  lb::saveProject(p, file);
  QVERIFY(!lb::loadProject(file).train.syncBatchNorm);
  QVERIFY(lb::projectToJson(p).find("syncBatchNorm") == std::string::npos);  // old bytes kept
  p.train.syncBatchNorm = true;
  lb::saveProject(p, file);
  QVERIFY(lb::loadProject(file).train.syncBatchNorm);
}

QTEST_APPLESS_MAIN(TestSyncBatchNorm)
#include "tst_sync_batch_norm.moc"
