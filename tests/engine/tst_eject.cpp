// The fastai script a project ejects (engine/experiment/eject.h): for every zoo model (simple_cnn,
// resnet18, resnet34, mlp, a layer list), every source (a folder, a CSV, the built-in example) and
// every target kind (category, multi-category, regression), the script compiles with Debian's
// python3 (py_compile), builds the model with the same top-level layers, and says the settings
// it comes from: the splitter with its seed, the batch size, the epochs and the learning rate,
// the transforms, the files Learnbench skips. Data: real Fashion-MNIST images written as PNGs.
#include <QtTest/QtTest>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "common/image_folder.h"
#include "common/test_support.h"
#include "engine/experiment/eject.h"
#include "engine/models/model_builder.h"
#include "engine/util/error.h"

namespace {

QString python() { return QStringLiteral("/usr/bin/python3"); }

// Runs python3 -m py_compile on the files; returns what it printed when one does not compile.
QString pyCompileErrors(const QStringList& files) {
  QProcess p;
  p.start(python(), QStringList{QStringLiteral("-m"), QStringLiteral("py_compile")} + files);
  if (!p.waitForFinished(120000)) return QStringLiteral("py_compile did not finish");
  if (p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0) return {};
  return QString::fromUtf8(p.readAllStandardError() + p.readAllStandardOutput());
}

lb::ModelSpec modelNamed(const std::string& name) {
  lb::ModelSpec m;
  m.name = name;
  if (name == "resnet18") {
    m.head = "fastai";
    m.smallImages = true;
  }
  if (name == "mlp") {
    m.hidden = {64, 32};
    m.dropout = 0.1;
  }
  if (name == "layers") {
    using lb::LayerKind;
    auto conv = lb::layerOf(LayerKind::Conv2d);
    conv.out = 8;
    conv.stride = 2;
    auto res = lb::layerOf(LayerKind::Residual);
    res.out = 16;
    res.stride = 2;
    auto hidden = lb::layerOf(LayerKind::Linear);
    hidden.out = 20;
    hidden.bias = false;
    auto out = lb::layerOf(LayerKind::Linear);  // out 0: the class count
    m.layers = {conv,
                lb::layerOf(LayerKind::BatchNorm2d),
                lb::layerOf(LayerKind::LeakyReLU),
                res,
                lb::layerOf(LayerKind::MaxPool2d),
                lb::layerOf(LayerKind::AdaptiveAvgPool2d),
                lb::layerOf(LayerKind::Flatten),
                hidden,
                lb::layerOf(LayerKind::GELU),
                lb::layerOf(LayerKind::Dropout),
                out};
  }
  return m;
}

// The top-level entries of the script's nn.Sequential as Learnbench counts them ("*conv_layer"
// stands for conv, batch norm and ReLU; "*head" for fastai's nine).
int sequentialEntries(const std::string& script) {
  const auto begin = script.find("model = nn.Sequential(\n");
  const auto end = script.find("\n)\n", begin);
  if (begin == std::string::npos || end == std::string::npos) return -1;
  int entries = 0;
  std::istringstream lines(script.substr(begin, end - begin));
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    if (line.find("*conv_layer(") != std::string::npos)
      entries += 3;
    else if (line.find("*head") != std::string::npos)
      entries += 9;
    else
      entries += 1;
  }
  return entries;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

class TestEject : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir m_dir;
  std::filesystem::path m_root;
  std::string m_broken;  // a corrupt file in the image folder, relative to it

  lb::Project project(const std::string& source, lb::TargetKind target) const {
    lb::Project p;
    p.name = "Eject " + source;
    p.file = m_root / (source + ".lbproj");
    p.train.epochs = 3;
    p.train.lr = 5e-3;
    p.train.batchSize = 16;
    p.train.seed = 7;
    lb::DataBlockSpec& d = p.data;
    d.target = target;
    if (source == "example") {
      d.source = lb::SourceKind::FashionMnist;
      d.path = lb::test::fashionMnistDir();
      d.limit = 600;
      return p;
    }
    if (source == "folder") {
      d.source = lb::SourceKind::Folder;
      if (target == lb::TargetKind::Regression) {
        // A number in each file name is the target: flat/<class>_<n>.png.
        d.path = "flat";
        d.label.kind = lb::LabelKind::Regex;
        d.label.regex = R"(_(\d+)\.png$)";
        d.split.validPct = 0.25;
        d.resize = {36, 32, lb::ResizeMethod::Pad, lb::PadMode::Reflection};
      } else {
        d.path = "images";
        d.split.kind = lb::SplitKind::Grandparent;
        d.resize = {32, 32, lb::ResizeMethod::Crop, lb::PadMode::Zeros};
        d.augment.enabled = true;
        d.augment.maxRotate = 15;
        d.randomResizedCrop.enabled = target == lb::TargetKind::MultiCategory;
      }
      return p;
    }
    d.source = lb::SourceKind::Csv;
    d.path = "labels.csv";
    d.csv.pathColumn = "file";
    d.csv.folder = "images";
    d.label.kind = lb::LabelKind::CsvColumn;
    d.normalize = lb::NormalizeKind::ImageNet;
    if (target == lb::TargetKind::Category) {
      d.split.kind = lb::SplitKind::CsvColumn;
    } else if (target == lb::TargetKind::MultiCategory) {
      d.csv.labelColumn = "tags";
      d.csv.labelDelimiter = ";";
      d.split.kind = lb::SplitKind::FileList;
      d.split.file = "valid.txt";
    } else {
      d.csv.labelColumn = "size";
    }
    return p;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    m_root = m_dir.path().toStdString();
    const auto images = lb::test::writeImageFolder(m_root / "images", 40, 20);
    lb::test::writeImageFolder(m_root / "flat", 40, 0, ".png", /*flat=*/true);
    // A corrupt file among the training images: Learnbench skips it, so must the script.
    m_broken = "train/" + images.front().label + "/broken.png";
    std::ofstream(m_root / "images" / m_broken) << "not a PNG";
    std::ofstream csv(m_root / "labels.csv");
    std::ofstream valid(m_root / "valid.txt");
    csv << "file,label,tags,size,is_valid\n";
    for (std::size_t i = 0; i < images.size(); ++i) {
      const auto& im = images[i];
      csv << im.file << "," << im.label << "," << im.label << (i % 3 ? ";odd" : "") << ","
          << (10 + i % 7) * 0.5 << "," << (im.valid ? "yes" : "no") << "\n";
      if (im.valid) valid << im.file << "\n";
    }
    csv << "gone.png,Trouser,Trouser,1.0,no\n";  // a row whose file is missing
  }

  void everyModelSourceAndTargetCompiles() {
    const std::vector<std::string> models = {"simple_cnn", "resnet18", "resnet34", "mlp", "layers"};
    const std::vector<std::pair<std::string, lb::TargetKind>> data = {
        {"example", lb::TargetKind::Category},
        {"folder", lb::TargetKind::Category},
        {"folder", lb::TargetKind::MultiCategory},
        {"folder", lb::TargetKind::Regression},
        {"csv", lb::TargetKind::Category},
        {"csv", lb::TargetKind::MultiCategory},
        {"csv", lb::TargetKind::Regression}};
    QStringList files;
    for (const auto& [source, target] : data) {
      lb::Project p = project(source, target);
      const lb::EjectData found = lb::ejectData(p);
      for (const std::string& model : models) {
        p.model = modelNamed(model);
        const std::string what = source + ", " + lb::targetKindName(target) + ", " + model;
        const std::string script = lb::fastaiScript(p, found);
        // The same top-level layers as Learnbench's model, so body_and_head splits alike.
        const lb::ModelWalk walk = lb::walkModel(p.model, found.shape,
                                                 target == lb::TargetKind::Regression
                                                     ? 1
                                                     : int(found.vocab.size()));
        QVERIFY2(sequentialEntries(script) == int(walk.model->size()), what.c_str());
        QVERIFY2(has(script, "learn.fit_one_cycle(3, 0.005)\n"), what.c_str());
        QVERIFY2(has(script, ", bs=16)"), what.c_str());
        QVERIFY2(has(script, "set_seed(7, reproducible=True)"), what.c_str());
        const std::string file = source + "_" + lb::targetKindName(target) + "_" + model + ".py";
        std::ofstream(m_root / file) << script;
        files << QString::fromStdString((m_root / file).string());
      }
    }
    QCOMPARE(files.size(), 35);
    const QString errors = pyCompileErrors(files);
    QVERIFY2(errors.isEmpty(), qPrintable(errors));
  }

  // py_compile is what the test above relies on: it must refuse a script that is not Python.
  void pyCompileCatchesABrokenScript() {
    lb::Project p = project("folder", lb::TargetKind::Category);
    std::string script = lb::fastaiScript(p, lb::ejectData(p));
    script.replace(script.find("dblock = DataBlock("), 19, "dblock = DataBlock((");
    std::ofstream(m_root / "broken.py") << script;
    QVERIFY(!pyCompileErrors({QString::fromStdString((m_root / "broken.py").string())}).isEmpty());
  }

  void folderScriptSaysItsCards() {
    const lb::Project p = project("folder", lb::TargetKind::Category);
    const lb::EjectData found = lb::ejectData(p);
    QCOMPARE(found.shape.channels, 1);
    QCOMPARE(found.shape.height, 32);
    const std::string s = lb::fastaiScript(p, found);
    QVERIFY(has(s, "path = Path('" + (m_root / "images").string() + "')"));
    QVERIFY(has(s, "blocks=(ImageBlock(cls=PILImageBW), CategoryBlock)"));
    QVERIFY(has(s, "splitter=GrandparentSplitter(train_name='train', valid_name='valid')"));
    QVERIFY(has(s, "get_y=parent_label"));
    QVERIFY(has(s, "item_tfms=Resize((32, 32), method=ResizeMethod.Crop)"));
    QVERIFY(has(s, "*aug_transforms(do_flip=True, flip_vert=False, max_rotate=15, min_zoom=1,"));
    QVERIFY(has(s, "Normalize.from_stats(["));
    QVERIFY(has(s, "# Split (Learnbench: data.split grandparent"));
    QVERIFY(has(s, "loss_func=CrossEntropyLossFlat(), opt_func=Adam, metrics=accuracy"));
    // The simple CNN's exact layers: three stride-2 conv blocks of the default widths.
    QVERIFY(has(s, "*conv_layer(1, 24),\n    *conv_layer(24, 48),\n    *conv_layer(48, 96),\n"
                   "    *conv_layer(96, 192),\n    nn.AdaptiveAvgPool2d(1),\n    nn.Flatten(),\n"
                   "    nn.Linear(192, n_out),\n"));
    QVERIFY(has(s, "return L(m[:12], m[12:]).map(params)"));
  }

  void skippedFilesAreLeftOut() {
    const lb::Project folder = project("folder", lb::TargetKind::Category);
    const std::string s = lb::fastaiScript(folder, lb::ejectData(folder));
    QVERIFY2(has(s, "    '" + m_broken + "',  # "), s.c_str());
    QVERIFY(has(s, "files.filter(lambda f: item_name(f) not in SKIPPED)"));
    const lb::Project csv = project("csv", lb::TargetKind::Category);
    const std::string c = lb::fastaiScript(csv, lb::ejectData(csv));
    QVERIFY2(has(c, "    'gone.png',  # missing\n"), c.c_str());
    QVERIFY(has(c, "~df['file'].isin(SKIPPED)"));
  }

  void splittersAndLabellers() {
    lb::Project p = project("folder", lb::TargetKind::Regression);
    std::string s = lb::fastaiScript(p, lb::ejectData(p));
    QVERIFY(has(s, "splitter=RandomSplitter(valid_pct=0.25, seed=42)"));
    QVERIFY(has(s, R"(label_text = using_attr(RegexLabeller(r'_(\d+)\.png$'), 'name'))"));
    QVERIFY(has(s, "return float(label_text(o))"));
    QVERIFY(has(s, "item_tfms=Resize((32, 36), method=ResizeMethod.Pad, pad_mode=PadMode.Reflection)"));
    QVERIFY(has(s, "RegressionBlock"));
    QVERIFY(has(s, "loss_func=MSELossFlat(), opt_func=Adam, metrics=mae"));

    p = project("folder", lb::TargetKind::MultiCategory);
    s = lb::fastaiScript(p, lb::ejectData(p));
    QVERIFY(has(s, "item_tfms=RandomResizedCrop((32, 32), min_scale=0.08, ratio=(0.75, "));
    QVERIFY(has(s, "return [text] if text else []"));
    QVERIFY(has(s, "loss_func=BCEWithLogitsLossFlat(), opt_func=Adam, metrics=accuracy_multi"));

    p = project("csv", lb::TargetKind::MultiCategory);
    s = lb::fastaiScript(p, lb::ejectData(p));
    QVERIFY(has(s, "get_y=ColReader('tags', label_delim=';')"));
    QVERIFY(has(s, "get_x=ColReader('file', pref=folder)"));
    QVERIFY(has(s, "splitter=split_by_list"));
    QVERIFY(has(s, (m_root / "valid.txt").string()));
    QVERIFY(has(s, "Normalize.from_stats([0.4490], [0.2260])"));  // ImageNet's, for gray images

    p = project("csv", lb::TargetKind::Category);
    s = lb::fastaiScript(p, lb::ejectData(p));
    QVERIFY(has(s, "splitter=ColSplitter('is_valid')"));
    QVERIFY(has(s, "get_y=ColReader('label')"));

    p = project("example", lb::TargetKind::Category);
    s = lb::fastaiScript(p, lb::ejectData(p));
    QVERIFY(has(s, "FASHION = Path('" + lb::test::fashionMnistDir() + "')"));
    QVERIFY(has(s, "items = balanced(items[:len(train_images)], 600) + "
                   "balanced(items[len(train_images):], 100)"));
    QVERIFY(has(s, "'T-shirt/top', 'Trouser'"));
  }

  void pretrainedProjectsFineTune() {
    lb::Project p = project("folder", lb::TargetKind::Category);
    p.model = modelNamed("resnet34");
    p.model.pretrained = "body.pt";
    const std::string s = lb::fastaiScript(p, lb::ejectData(p));
    QVERIFY(has(s, "learn.fine_tune(3, base_lr=0.005)\n"));
    QVERIFY(!has(s, "fit_one_cycle"));
    QVERIFY(has(s, "body = resnet34()"));
    QVERIFY(has(s, "body.conv1 = nn.Conv2d(1, 64, 7, stride=2, padding=3, bias=False)"));
    QVERIFY(has(s, "body.maxpool,"));
    QVERIFY(has(s, "return L(m[:8], m[8:]).map(params)"));
  }

  void writesTheScriptAndRefusesAModelThatDoesNotFit() {
    lb::Project p = project("folder", lb::TargetKind::Category);
    const auto out = m_root / "train.py";
    const lb::EjectData found = lb::ejectFastaiScript(p, out);
    QCOMPARE(found.skipped.size(), std::size_t(1));
    std::ifstream in(out);
    const std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    QCOMPARE(written, lb::fastaiScript(p, found));
    p.model = modelNamed("layers");
    p.model.layers.back().out = 3;  // not the class count
    QVERIFY_THROWS_EXCEPTION(lb::Error, lb::fastaiScript(p, found));
  }
};

QTEST_APPLESS_MAIN(TestEject)
#include "tst_eject.moc"
