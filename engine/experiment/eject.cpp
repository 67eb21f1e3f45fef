#include "engine/experiment/eject.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "engine/data/data_loaders.h"
#include "engine/models/model_builder.h"
#include "engine/project/cleaning_journal.h"
#include "engine/util/atomic_file.h"
#include "engine/util/error.h"

namespace lb {
namespace {

// A Python string literal of `text` ('...', escaped; UTF-8 passes through, as Python 3 reads it).
std::string py(const std::string& text) {
  std::string out = "'";
  for (unsigned char c : text) {
    if (c == '\\' || c == '\'') {
      out += '\\';
      out += char(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += char(c);
    }
  }
  return out + "'";
}

// A regular expression as a raw literal where one can hold it (r'^(\w+)_\d+'), else py().
std::string pyPattern(const std::string& text) {
  std::size_t trailing = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '\\'; ++it) ++trailing;
  const bool plain = std::none_of(text.begin(), text.end(), [](unsigned char c) {
    return c == '\'' || c < 0x20 || c == 0x7f;
  });
  return plain && trailing % 2 == 0 ? "r'" + text + "'" : py(text);
}

std::string pyList(const std::vector<std::string>& texts) {
  std::string out = "[";
  for (std::size_t i = 0; i < texts.size(); ++i) out += (i ? ", " : "") + py(texts[i]);
  return out + "]";
}

// The shortest text that reads back as `value` (0.01, 1e-05, 10).
std::string num(double value) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(value);
}

std::string numList(const std::vector<float>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4f", double(values[i]));
    out += (i ? ", " : "") + std::string(buf);
  }
  return out + "]";
}

// User text inside a comment: one line.
std::string oneLine(std::string text) {
  std::replace_if(text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return text;
}

std::string percent(double fraction) { return num(std::round(fraction * 1000) / 10) + "%"; }

const char* resizeMethodPy(ResizeMethod method) {
  switch (method) {
    case ResizeMethod::Squish: return "ResizeMethod.Squish";
    case ResizeMethod::Crop: return "ResizeMethod.Crop";
    case ResizeMethod::Pad: return "ResizeMethod.Pad";
  }
  return "";
}

class ScriptWriter {
 public:
  ScriptWriter(const Project& project, const EjectData& data)
      : m_p(project), m_d(data), m_spec(project.data) {}

  std::string write() {
    header();
    settings();
    source();
    dataBlock();
    model();
    learner();
    return m_s.str();
  }

 private:
  const Project& m_p;
  const EjectData& m_d;
  const DataBlockSpec& m_spec;
  std::ostringstream m_s;

  bool csv() const { return m_spec.source == SourceKind::Csv; }
  bool example() const { return m_spec.source == SourceKind::FashionMnist; }
  int outputs() const {
    return m_spec.target == TargetKind::Regression ? 1 : int(m_d.vocab.size());
  }
  // The item size the transforms produce: the resize, else the images' own size.
  int height() const { return m_spec.resize.active() ? m_spec.resize.height : m_d.shape.height; }
  int width() const { return m_spec.resize.active() ? m_spec.resize.width : m_d.shape.width; }

  void header() {
    m_s << "#!/usr/bin/env python3\n"
        << "# " << oneLine(m_p.name) << ": a Learnbench project as fastai 2.7 code "
        << "(learnbench-cli eject).\n";
    if (!m_p.file.empty())
      m_s << "# Project file: " << oneLine(std::filesystem::absolute(m_p.file).string()) << "\n";
    m_s << "# Each step says which Learnbench setting it comes from: the project file's field\n"
           "# (data.split is the Split card of the Data page). Where fastai does a step its own\n"
           "# way, the comment says how it differs. Run it with python3 where fastai 2.7 and\n"
           "# PyTorch are installed.\n\n";
    m_s << "import os\n";
    if (example()) m_s << "import gzip\n\nimport numpy as np\n";
    m_s << "from fastai.vision.all import *\n";
    if (m_p.model.name == "resnet18" || m_p.model.name == "resnet34" || usesResidual())
      m_s << "from torchvision.models import " << (usesResidual() ? "resnet" : m_p.model.name)
          << "\n";
    m_s << "\n";
  }

  bool usesResidual() const {
    return m_p.model.name == "layers" &&
           std::any_of(m_p.model.layers.begin(), m_p.model.layers.end(),
                       [](const LayerSpec& l) { return l.kind == LayerKind::Residual; });
  }

  void settings() {
    const TrainSettings& t = m_p.train;
    m_s << "# Seed and threads (Learnbench: train.seed " << t.seed << ", train.threads "
        << t.threads << (t.threads == 0 ? ", one per core" : "") << ")\n"
        << "set_seed(" << t.seed << ", reproducible=True)\n"
        << "torch.set_num_threads(" << (t.threads > 0 ? std::to_string(t.threads) : "os.cpu_count()")
        << ")\n\n";
  }

  void skippedList() {
    m_s << "# Files Learnbench leaves out (its file check: unreadable, missing or without a label;\n"
           "# and the items excluded while cleaning, NAME.learnbench/cleaning.csv).\n"
           "# fastai would stop at the first one it cannot open, so they are left out here too.\n"
           "SKIPPED = {";
    if (m_d.skipped.empty()) {
      m_s << "}  # none: every file was read\n\n";
      return;
    }
    m_s << "\n";
    for (const SkippedFile& f : m_d.skipped)
      m_s << "    " << py(f.file) << ",  # " << oneLine(f.reason) << "\n";
    m_s << "}\n\n";
  }

  void source() {
    const std::string dataPath = m_p.dataPath().string();
    const char* kind = sourceKindName(m_spec.source);
    if (example()) {
      m_s << "# Source (Learnbench: data.source \"" << kind << "\", data.path): the IDX files of\n"
          << "# the Fashion-MNIST package; the official training set is the training split and\n"
          << "# the official test set the validation split.\n"
          << "FASHION = Path(" << py(dataPath) << ")\n"
          << "CLASSES = " << pyList(m_d.vocab) << "\n\n"
          << "def read_idx(name):\n"
          << "    \"An IDX file (gzip): its array of unsigned bytes, in the shape its header gives.\"\n"
          << "    data = gzip.open(FASHION/name).read()\n"
          << "    dims = data[3]\n"
          << "    shape = [int.from_bytes(data[4 + 4*i:8 + 4*i], 'big') for i in range(dims)]\n"
          << "    return np.frombuffer(data, np.uint8, offset=4 + 4*dims).reshape(shape)\n\n"
          << "train_images = read_idx('train-images-idx3-ubyte.gz')\n"
          << "train_labels = read_idx('train-labels-idx1-ubyte.gz')\n"
          << "images = np.concatenate([train_images, read_idx('t10k-images-idx3-ubyte.gz')])\n"
          << "labels = np.concatenate([train_labels, read_idx('t10k-labels-idx1-ubyte.gz')])\n"
          << "items = list(range(len(images)))  # an item is an image's row\n";
      if (!m_d.cleaning.empty())
        m_s << "\ndef item_name(row):\n"
            << "    \"An item's name as Learnbench shows it: its split and its row there.\"\n"
            << "    return f'train/{row}' if row < len(train_images) else f'valid/{row - len(train_images)}'\n";
      if (!m_d.cleaning.excluded.empty()) {
        m_s << "\n# Cleaning (Learnbench: NAME.learnbench/cleaning.csv): the rows excluded by hand.\n"
            << "EXCLUDED = {";
        for (const auto& name : m_d.cleaning.excluded) m_s << py(name) << ", ";
        m_s << "}\n";
      }
      if (m_spec.limit > 0) {
        const int valid = std::max(int(m_d.vocab.size()), m_spec.limit / 6);
        m_s << "\n# Limit (Learnbench: data.limit " << m_spec.limit << "): " << m_spec.limit
            << " training and " << valid << " validation images, as\n"
            << "# nearly as possible equally many per class, picked at random (other ones than\n"
            << "# Learnbench's: numpy draws its own).\n"
            << "def balanced(rows, count, rng=np.random.default_rng(" << m_spec.split.seed
            << ")):\n"
            << "    per_class = [rng.permutation([r for r in rows if labels[r] == c]) for c in "
               "range(len(CLASSES))]\n"
            << "    return sorted(r for c, rows_c in enumerate(per_class)\n"
            << "                  for r in rows_c[:count // len(CLASSES) + (c < count % "
               "len(CLASSES))])\n\n"
            << "items = balanced(items[:len(train_images)], " << m_spec.limit
            << ") + balanced(items[len(train_images):], " << valid << ")\n";
      }
      if (!m_d.cleaning.excluded.empty())
        m_s << "items = [row for row in items if item_name(row) not in EXCLUDED]\n";
      m_s << "\n";
      return;
    }
    if (!csv()) {
      m_s << "# Source (Learnbench: data.source \"" << kind << "\", data.path)\n"
          << "path = Path(" << py(dataPath) << ")\n\n";
      skippedList();
      m_s << "def item_name(f):\n"
          << "    \"An item's name as Learnbench shows it: its path relative to the source "
             "folder.\"\n"
          << "    return f.relative_to(path).as_posix()\n\n"
          << "def get_items(path):\n"
          << "    \"Items (Learnbench: data.extensions, every subfolder, hidden files left out), "
             "less the skipped.\"\n"
          << "    files = get_files(path, extensions=" << pyList(m_spec.extensions)
          << ", recurse=True)\n"
          << "    return files.filter(lambda f: item_name(f) not in SKIPPED)\n\n";
      return;
    }
    const CsvOptions& c = m_spec.csv;
    const std::filesystem::path folder = c.folder.empty() ? m_p.dataPath().parent_path()
                                                          : resolvePath(c.folder, m_p.folder());
    m_s << "# Source (Learnbench: data.source \"" << kind << "\", data.path; the images are in "
        << (c.folder.empty() ? "the CSV's folder" : "data.csv.folder") << ")\n"
        << "csv_file = Path(" << py(dataPath) << ")\n"
        << "folder = Path(" << py(folder.string()) << ")\n"
        << "# Every cell as text, as Learnbench reads the CSV.\n"
        << "df = pd.read_csv(csv_file, dtype=str, keep_default_na=False)\n\n";
    skippedList();
    m_s << "# Items (Learnbench: data.csv.pathColumn " << py(c.pathColumn)
        << "): one row per image, less the skipped.\n"
        << "df = df[(df[" << py(c.pathColumn) << "] != '') & ~df[" << py(c.pathColumn)
        << "].isin(SKIPPED)].reset_index(drop=True)\n";
    if (m_spec.split.kind == SplitKind::CsvColumn)
      m_s << "# The validation column holds true/false, 1/0, yes/no: fastai's ColSplitter wants "
             "booleans.\n"
          << "df[" << py(c.validColumn) << "] = df[" << py(c.validColumn)
          << "].str.lower().isin(['true', '1', 'yes', 'valid', 't', 'y'])\n";
    if (m_spec.target == TargetKind::Regression && m_spec.label.kind == LabelKind::CsvColumn)
      m_s << "df[" << py(c.labelColumn) << "] = df[" << py(c.labelColumn)
          << "].astype(float)  # regression targets are numbers\n";
    m_s << "\n";
  }

  // The DataBlock's blocks.
  std::string blocks() const {
    const std::string image = m_d.shape.channels == 1 ? "ImageBlock(cls=PILImageBW)" : "ImageBlock";
    switch (m_spec.target) {
      case TargetKind::Category: return "(" + image + ", CategoryBlock)";
      case TargetKind::MultiCategory: return "(" + image + ", MultiCategoryBlock)";
      case TargetKind::Regression: return "(" + image + ", RegressionBlock)";
    }
    return "";
  }

  // Writes the functions the splitter needs and returns the splitter.
  std::string splitter() {
    const SplitOptions& s = m_spec.split;
    if (example()) {
      m_s << "def is_valid(row):\n"
          << "    \"Split (Learnbench: the example's own): the official test set is the "
             "validation split.\"\n"
          << "    return row >= len(train_images)\n\n";
      return "FuncSplitter(is_valid)";
    }
    switch (s.kind) {
      case SplitKind::Random:
        return "RandomSplitter(valid_pct=" + num(s.validPct) + ", seed=" + std::to_string(s.seed) + ")";
      case SplitKind::Grandparent: {
        const std::string gp = "GrandparentSplitter(train_name=" + py(s.trainName) +
                               ", valid_name=" + py(s.validName) + ")";
        if (!csv()) return gp;
        m_s << "def split_by_folder(df):\n"
            << "    \"Split (Learnbench: data.split grandparent): by the folder two levels above "
               "each file.\"\n"
            << "    return " << gp << "([folder/name for name in df[" << py(m_spec.csv.pathColumn)
            << "]])\n\n";
        return "split_by_folder";
      }
      case SplitKind::CsvColumn: return "ColSplitter(" + py(m_spec.csv.validColumn) + ")";
      case SplitKind::FileList: {
        const std::string list = resolvePath(s.file, m_p.folder()).string();
        const std::string names = csv() ? "list(items[" + py(m_spec.csv.pathColumn) + "])"
                                        : "[item_name(f) for f in items]";
        m_s << "# Split (Learnbench: data.split file-list): the validation items are named in "
               "a text file,\n"
            << "# one a line, by their name or by their file name alone.\n"
            << "VALID = {line.rstrip('\\r ') for line in Path(" << py(list)
            << ").read_text().split('\\n')} - {''}\n\n"
            << "def split_by_list(items):\n"
            << "    names = " << names << "\n"
            << "    return IndexSplitter([i for i, name in enumerate(names)\n"
            << "                          if name in VALID or Path(name).name in VALID])(items)\n\n";
        return "split_by_list";
      }
    }
    return "";
  }

  std::string splitComment() const {
    const SplitOptions& s = m_spec.split;
    if (example()) return "Split (the example's: official training and test sets)";
    switch (s.kind) {
      case SplitKind::Random:
        return "Split (Learnbench: data.split random, " + percent(s.validPct) + " for validation, seed " +
               std::to_string(s.seed) +
               "): fastai draws its own permutation,\n    # so the validation items differ from "
               "Learnbench's; their share is the same";
      case SplitKind::Grandparent:
        return "Split (Learnbench: data.split grandparent, folders " + oneLine(s.trainName) + " and " +
               oneLine(s.validName) + ")";
      case SplitKind::CsvColumn:
        return "Split (Learnbench: data.split csv, column " + oneLine(m_spec.csv.validColumn) + ")";
      case SplitKind::FileList: return "Split (Learnbench: data.split file-list)";
    }
    return "";
  }

  // Writes the functions the labeller needs and returns get_y.
  std::string labeller() {
    if (example()) {
      m_s << "def label_of(row):\n"
          << "    return CLASSES[labels[row]]\n\n";
      return "label_of";
    }
    const CsvOptions& c = m_spec.csv;
    const TargetKind target = m_spec.target;
    // The label's text: a fastai labeller of the item, or a function written here.
    std::string label;
    switch (m_spec.label.kind) {
      case LabelKind::ParentFolder:
        if (!csv()) {
          label = "parent_label";
        } else {
          m_s << "def label_text(row):\n"
              << "    return parent_label(folder/row[" << py(c.pathColumn) << "])\n\n";
          label = "label_text";
        }
        break;
      case LabelKind::Regex: {
        // Learnbench searches the file name (not the whole path) and takes the first group.
        const std::string regex = "RegexLabeller(" + pyPattern(m_spec.label.regex) + ")";
        if (!csv()) {
          label = "using_attr(" + regex + ", 'name')";
        } else {
          m_s << "def label_text(row):\n"
              << "    return " << regex << "(Path(row[" << py(c.pathColumn) << "]).name)\n\n";
          label = "label_text";
        }
        break;
      }
      case LabelKind::CsvColumn:
        if (target == TargetKind::MultiCategory && !c.labelDelimiter.empty())
          return "ColReader(" + py(c.labelColumn) + ", label_delim=" + py(c.labelDelimiter) + ")";
        if (target != TargetKind::MultiCategory) return "ColReader(" + py(c.labelColumn) + ")";
        label = "ColReader(" + py(c.labelColumn) + ")";
        break;
    }
    if (target == TargetKind::Category) return label;
    if (label.find('(') != std::string::npos) {
      m_s << "label_text = " << label << "\n\n";
      label = "label_text";
    }
    if (target == TargetKind::MultiCategory)
      m_s << "def get_y(o):\n"
          << "    \"One label per item, as the list the multi-category block takes.\"\n"
          << "    text = " << label << "(o)\n"
          << "    return [text] if text else []\n\n";
    else
      m_s << "def get_y(o):\n"
          << "    \"The label as a number, for the regression block.\"\n"
          << "    return float(" << label << "(o))\n\n";
    return "get_y";
  }

  // get_y with the labels corrected while cleaning, or `getY` itself when none were.
  std::string relabelled(const std::string& getY) {
    if (m_d.cleaning.relabelled.empty() || m_spec.target != TargetKind::Category) return getY;
    m_s << "# Cleaning (Learnbench: NAME.learnbench/cleaning.csv): labels corrected by hand.\n"
        << "RELABELLED = {\n";
    for (const auto& [name, label] : m_d.cleaning.relabelled)
      m_s << "    " << py(name) << ": " << py(label) << ",\n";
    const std::string name = csv() ? "o[" + py(m_spec.csv.pathColumn) + "]" : "item_name(o)";
    m_s << "}\n\n"
        << "def cleaned_label(o):\n"
        << "    return RELABELLED.get(" << name << ") or " << getY << "(o)\n\n";
    return "cleaned_label";
  }

  std::string labelComment() const {
    std::string what;
    switch (m_spec.label.kind) {
      case LabelKind::ParentFolder: what = "parent, the folder each image is in"; break;
      case LabelKind::Regex: what = "regex " + oneLine(m_spec.label.regex) + " on the file name"; break;
      case LabelKind::CsvColumn:
        what = "csv, column " + oneLine(m_spec.csv.labelColumn);
        if (!m_spec.csv.labelDelimiter.empty())
          what += ", labels split at " + oneLine(m_spec.csv.labelDelimiter);
        break;
    }
    return "Label (Learnbench: data.label " + what + ")";
  }

  // The item transforms, or "" for none.
  std::string itemTransforms(std::string& comment) const {
    const auto& rrc = m_spec.randomResizedCrop;
    const std::string size = "(" + std::to_string(height()) + ", " + std::to_string(width()) + ")";
    if (rrc.enabled) {
      comment = "Item transforms (Learnbench: data.randomResizedCrop, to " + std::to_string(width()) +
                "x" + std::to_string(height()) +
                "): fastai's validation\n    # crop keeps a little less of the edge (val_xtra) than "
                "Learnbench's center crop";
      return "RandomResizedCrop(" + size + ", min_scale=" + num(rrc.minScale) + ", ratio=(" +
             num(rrc.minRatio) + ", " + num(rrc.maxRatio) + "))";
    }
    if (!m_spec.resize.active()) return "";
    const ResizeOptions& r = m_spec.resize;
    comment = "Item transforms (Learnbench: data.resize " + std::to_string(r.width) + "x" +
              std::to_string(r.height) + ", " + resizeMethodName(r.method) +
              (r.method == ResizeMethod::Pad ? std::string(" with ") + padModeName(r.pad) : "") + ")";
    if (r.method == ResizeMethod::Crop)
      comment += ": fastai crops training\n    # images at a random place, Learnbench at the center";
    std::string out = "Resize(" + size + ", method=" + resizeMethodPy(r.method);
    if (r.method == ResizeMethod::Pad)
      out += std::string(", pad_mode=") + (r.pad == PadMode::Zeros ? "PadMode.Zeros" : "PadMode.Reflection");
    return out + ")";
  }

  std::string batchTransforms(std::string& comment) const {
    std::vector<std::string> parts;
    std::string what;
    const AugmentOptions& a = m_spec.augment;
    if (a.enabled) {
      parts.push_back("*aug_transforms(do_flip=" + std::string(a.flip ? "True" : "False") +
                      ", flip_vert=" + (a.flipVertical ? "True" : "False") +
                      ", max_rotate=" + num(a.maxRotate) + ", min_zoom=" + num(a.minZoom) +
                      ",\n                                max_zoom=" + num(a.maxZoom) +
                      ", max_lighting=" + num(a.maxLighting) + ", max_warp=" + num(a.maxWarp) +
                      ", p_affine=" + num(a.pAffine) + ", p_lighting=" + num(a.pLighting) + ")");
      what = "data.augment, training batches only;\n    # ";
    }
    const int channels = m_d.shape.channels;
    switch (m_spec.normalize) {
      case NormalizeKind::ImageNet:
        parts.push_back(channels == 3 ? "Normalize.from_stats(*imagenet_stats)"
                                      : "Normalize.from_stats(" + numList(m_d.mean) + ", " +
                                            numList(m_d.std) + ")");
        what += channels == 3 ? "data.normalize imagenet"
                              : "data.normalize imagenet, its mean over the channels for gray images";
        break;
      case NormalizeKind::Data:
        parts.push_back("Normalize.from_stats(" + numList(m_d.mean) + ", " + numList(m_d.std) + ")");
        what += "data.normalize data: the mean and std Learnbench measured on the\n    # training "
                "images, where fastai's Normalize() would measure one batch";
        break;
      case NormalizeKind::None: what += "data.normalize none"; break;
    }
    comment = "Batch transforms (Learnbench: " + what + ")";
    if (parts.empty()) return "";
    std::string out = "[";
    for (std::size_t i = 0; i < parts.size(); ++i)
      out += (i ? ",\n                " : "") + parts[i];
    return out + "]";
  }

  void dataBlock() {
    const std::string split = splitter();
    const std::string getY = relabelled(labeller());
    std::string itemComment, batchComment;
    const std::string items = itemTransforms(itemComment);
    const std::string batch = batchTransforms(batchComment);
    const std::string input = m_d.shape.channels == 1 ? "gray" : "RGB";
    m_s << "dblock = DataBlock(\n"
        << "    # Blocks (Learnbench: data.target " << targetKindName(m_spec.target) << ", data.input "
        << inputKindName(m_spec.input) << ": " << input << " images)\n"
        << "    blocks=" << blocks() << ",\n";
    if (example()) {
      m_s << "    # Items: each row's pixels as an image\n"
          << "    get_x=lambda row: images[row],\n";
    } else if (csv()) {
      m_s << "    # Items: each row's file, in the images' folder\n"
          << "    get_x=ColReader(" << py(m_spec.csv.pathColumn) << ", pref=folder),\n";
    } else {
      m_s << "    # Items (Learnbench: data.path, data.extensions): the image files, less the skipped\n"
          << "    get_items=get_items,\n";
    }
    m_s << "    # " << splitComment() << "\n"
        << "    splitter=" << split << ",\n"
        << "    # " << (example() ? "Label: the class of each row" : labelComment()) << "\n"
        << "    get_y=" << getY << ",\n";
    if (!items.empty()) m_s << "    # " << itemComment << "\n    item_tfms=" << items << ",\n";
    m_s << "    # " << batchComment << "\n";
    if (!batch.empty()) m_s << "    batch_tfms=" << batch << ",\n";
    m_s << ")\n"
        << "# Batch size (Learnbench: train.batchSize)\n"
        << "dls = dblock.dataloaders(" << (example() ? "items" : csv() ? "df" : "path")
        << ", bs=" << m_p.train.batchSize << ")\n\n";
  }

  // The model's layers as Python expressions, one per top-level entry of Learnbench's Sequential.
  std::vector<std::string> layers(const ModelWalk& walk) {
    const ModelSpec& spec = m_p.model;
    const int channels = m_d.shape.channels;
    std::vector<std::string> out;
    if (spec.name == "simple_cnn") {
      int in = channels;
      for (int c : spec.channels) {
        out.push_back("*conv_layer(" + std::to_string(in) + ", " + std::to_string(c) + ")");
        in = c;
      }
      out.insert(out.end(), {"nn.AdaptiveAvgPool2d(1)", "nn.Flatten()",
                             "nn.Linear(" + std::to_string(in) + ", n_out)"});
    } else if (spec.name == "resnet18" || spec.name == "resnet34") {
      out = {"body.conv1", "body.bn1", "body.relu"};
      if (!spec.smallImages) out.push_back("body.maxpool");
      for (int i = 1; i <= 4; ++i) out.push_back("body.layer" + std::to_string(i));
      if (spec.head == "fastai")
        out.push_back("*head");
      else
        out.insert(out.end(), {"nn.AdaptiveAvgPool2d(1)", "nn.Flatten()", "nn.Linear(512, n_out)"});
    } else if (spec.name == "mlp") {
      int in = channels * m_d.shape.height * m_d.shape.width;
      out.push_back("nn.Flatten()");
      for (int h : spec.hidden) {
        out.push_back("linear(" + std::to_string(in) + ", " + std::to_string(h) + ")");
        out.push_back("nn.ReLU(inplace=True)");
        if (spec.dropout > 0) out.push_back("nn.Dropout(" + num(spec.dropout) + ")");
        in = h;
      }
      out.push_back("linear(" + std::to_string(in) + ", n_out)");
    } else {
      for (std::size_t i = 0; i < spec.layers.size(); ++i) {
        const LayerSpec& l = spec.layers[i];
        const std::vector<long long>& before =
            i == 0 ? std::vector<long long>{channels, m_d.shape.height, m_d.shape.width}
                   : walk.shapes[i - 1];
        const std::string in = std::to_string(before[0]);
        const std::string bias = l.bias ? "" : ", bias=False";
        switch (l.kind) {
          case LayerKind::Conv2d:
            out.push_back("conv(" + in + ", " + std::to_string(l.out) + ", " + std::to_string(l.kernel) +
                          ", stride=" + std::to_string(l.stride) + ", padding=" +
                          std::to_string(l.padding) + bias + ")");
            break;
          case LayerKind::Residual:
            out.push_back("residual(" + in + ", " + std::to_string(l.out) + ", stride=" +
                          std::to_string(l.stride) + ")");
            break;
          case LayerKind::BatchNorm2d: out.push_back("nn.BatchNorm2d(" + in + ")"); break;
          case LayerKind::ReLU: out.push_back("nn.ReLU()"); break;
          case LayerKind::LeakyReLU: out.push_back("nn.LeakyReLU(" + num(l.slope) + ")"); break;
          case LayerKind::GELU: out.push_back("nn.GELU()"); break;
          case LayerKind::MaxPool2d:
          case LayerKind::AvgPool2d:
            out.push_back(std::string(l.kind == LayerKind::MaxPool2d ? "nn.MaxPool2d(" : "nn.AvgPool2d(") +
                          std::to_string(l.kernel) + ", stride=" +
                          std::to_string(l.stride == 0 ? l.kernel : l.stride) + ")");
            break;
          case LayerKind::AdaptiveAvgPool2d:
            out.push_back("nn.AdaptiveAvgPool2d(" + std::to_string(l.size) + ")");
            break;
          case LayerKind::Dropout: out.push_back("nn.Dropout(" + num(l.p) + ")"); break;
          case LayerKind::Flatten: out.push_back("nn.Flatten()"); break;
          case LayerKind::Linear:
            out.push_back("linear(" + in + ", " + (l.out == 0 ? "n_out" : std::to_string(l.out)) +
                          bias + ")");
            break;
        }
      }
    }
    return out;
  }

  void helpers() {
    const ModelSpec& spec = m_p.model;
    const bool list = spec.name == "layers";
    const auto has = [&](LayerKind kind) {
      return std::any_of(spec.layers.begin(), spec.layers.end(),
                         [&](const LayerSpec& l) { return l.kind == kind; });
    };
    if (spec.name == "simple_cnn")
      m_s << "def conv_layer(ni, nf):\n"
          << "    # fastai's ConvLayer(ni, nf, stride=2) as Learnbench builds it: a 3x3 conv without\n"
          << "    # bias (Kaiming normal), batch norm (weight 1, bias 0), ReLU.\n"
          << "    conv = nn.Conv2d(ni, nf, 3, stride=2, padding=1, bias=False)\n"
          << "    nn.init.kaiming_normal_(conv.weight, nonlinearity='relu')\n"
          << "    return [conv, nn.BatchNorm2d(nf), nn.ReLU(inplace=True)]\n\n";
    if (list && (has(LayerKind::Conv2d) || has(LayerKind::Residual)))
      m_s << "def conv(ni, nf, ks, stride=1, padding=0, bias=True):\n"
          << "    \"A conv layer started as Learnbench starts it: Kaiming normal (fan in), bias "
             "0.\"\n"
          << "    layer = nn.Conv2d(ni, nf, ks, stride=stride, padding=padding, bias=bias)\n"
          << "    nn.init.kaiming_normal_(layer.weight, nonlinearity='relu')\n"
          << "    if bias: nn.init.zeros_(layer.bias)\n"
          << "    return layer\n\n";
    if (list && has(LayerKind::Residual))
      m_s << "def residual(ni, nf, stride=1):\n"
          << "    # Learnbench's residual block: torchvision's BasicBlock, with a 1x1 conv and batch\n"
          << "    # norm on the shortcut when the size or the width changes.\n"
          << "    down = (nn.Sequential(conv(ni, nf, 1, stride=stride, bias=False), "
             "nn.BatchNorm2d(nf))\n"
          << "            if stride != 1 or ni != nf else None)\n"
          << "    block = resnet.BasicBlock(ni, nf, stride, down)\n"
          << "    block.conv1 = conv(ni, nf, 3, stride=stride, padding=1, bias=False)\n"
          << "    block.conv2 = conv(nf, nf, 3, padding=1, bias=False)\n"
          << "    return block\n\n";
    if (spec.name == "mlp" || (list && has(LayerKind::Linear)))
      m_s << "def linear(ni, nf, bias=True):\n"
          << "    \"A linear layer started as Learnbench starts it: Kaiming normal (fan in), bias "
             "0.\"\n"
          << "    layer = nn.Linear(ni, nf, bias=bias)\n"
          << "    nn.init.kaiming_normal_(layer.weight, nonlinearity='relu')\n"
          << "    if bias: nn.init.zeros_(layer.bias)\n"
          << "    return layer\n\n";
  }

  void model() {
    const ModelSpec& spec = m_p.model;
    const ModelWalk walk = walkModel(spec, m_d.shape, outputs());
    if (!walk.problem.empty()) {
      std::string sentence = walk.problem;
      sentence[0] = char(std::toupper(static_cast<unsigned char>(sentence[0])));
      throw Error("The model does not fit the data: " + sentence + ".");
    }
    if (m_spec.target == TargetKind::Regression)
      m_s << "n_out = 1  # one value per image\n";
    else
      m_s << "n_out = dls.c  # Learnbench found " << m_d.vocab.size() << " classes\n";
    m_s << "\n";
    helpers();
    std::string what = spec.name;
    if (spec.name == "simple_cnn") {
      what += ", channels";
      for (int c : spec.channels) what += " " + std::to_string(c);
    } else if (spec.name == "mlp") {
      what += ", hidden";
      for (int h : spec.hidden) what += " " + std::to_string(h);
      if (spec.dropout > 0) what += ", dropout " + num(spec.dropout);
    } else if (spec.name == "layers") {
      what += ", " + std::to_string(spec.layers.size()) + " layers";
    }
    if (spec.name == "resnet18" || spec.name == "resnet34") {
      what += std::string(", ") + (spec.head == "fastai" ? "fastai's" : "torchvision's") + " head" +
              (spec.smallImages ? ", no max-pool for small images" : "");
      m_s << "# Model (Learnbench: model.name " << what << ")\n"
          << "body = " << spec.name << "()  # torchvision's, with random weights\n";
      if (m_d.shape.channels != 3)
        m_s << "body.conv1 = nn.Conv2d(" << m_d.shape.channels
            << ", 64, 7, stride=2, padding=3, bias=False)  # for " << m_d.shape.channels
            << "-channel images\n"
            << "nn.init.kaiming_normal_(body.conv1.weight, mode='fan_out', nonlinearity='relu')\n";
      if (spec.head == "fastai")
        m_s << "head = create_head(512, n_out)  # fastai's: concat pool, two LinBnDrop\n"
            << "apply_init(head, nn.init.kaiming_normal_)\n";
    } else {
      m_s << "# Model (Learnbench: model.name " << what << ")\n";
    }
    m_s << "model = nn.Sequential(\n";
    for (const std::string& layer : layers(walk)) m_s << "    " << layer << ",\n";
    m_s << ")\n\n";
    m_headStart = walk.headStart;
    m_layerCount = walk.model->size();
  }

  void learner() {
    const TrainSettings& t = m_p.train;
    const bool fineTune = !m_p.model.pretrained.empty();
    // The body and head groups, counted in top-level entries: a "*" entry in the script
    // stands for several, so the split is by Learnbench's own numbering.
    const bool split = m_headStart > 0 && m_headStart < m_layerCount;
    if (split)
      m_s << "def body_and_head(m):\n"
          << "    \"Two parameter groups, as Learnbench splits the model: the body (frozen by "
             "fine_tune) and the head.\"\n"
          << "    return L(m[:" << m_headStart << "], m[" << m_headStart << ":]).map(params)\n\n";
    const char* loss = "CrossEntropyLossFlat()";
    const char* metric = "accuracy";
    if (m_spec.target == TargetKind::MultiCategory) {
      loss = "BCEWithLogitsLossFlat()";
      metric = "accuracy_multi";
    } else if (m_spec.target == TargetKind::Regression) {
      loss = "MSELossFlat()";
      metric = "mae";
    }
    m_s << "# Loss and metric (Learnbench: data.target " << targetKindName(m_spec.target)
        << "); optimizer: fastai's Adam with its\n"
        << "# defaults, as Learnbench trains (beta2 0.99, eps 1e-5, weight decay 0.01 "
           "decoupled, none on\n"
        << "# batch norm or biases)\n"
        << "learn = Learner(dls, model, loss_func=" << loss << ", opt_func=Adam, metrics="
        << metric << (split ? ", splitter=body_and_head" : "") << ")\n";
    if (t.mixedPrecision)
      m_s << "learn = learn.to_fp16()  # Learnbench: train.mixedPrecision (on a CUDA GPU)\n";
    m_s << "\n";
    if (fineTune) {
      m_s << "# Schedule (Learnbench: model.pretrained, train.epochs " << t.epochs << ", train.lr "
          << num(t.lr) << "): fastai's fine_tune, one epoch\n"
          << "# on the head with the body frozen, then " << t.epochs
          << " with every layer. Learnbench started the body from its own\n"
          << "# weights (" << oneLine(m_p.model.pretrained) << "); "
          << "this script starts from random ones.\n"
          << "learn.fine_tune(" << t.epochs << ", base_lr=" << num(t.lr) << ")\n";
    } else {
      m_s << "# Schedule (Learnbench: train.epochs " << t.epochs << ", train.lr " << num(t.lr)
          << "): fastai's one cycle\n"
          << "learn.fit_one_cycle(" << t.epochs << ", " << num(t.lr) << ")\n";
    }
  }

  std::size_t m_headStart = 0;
  std::size_t m_layerCount = 0;
};

}  // namespace

EjectData ejectData(const Project& project) {
  // One loader thread: only the first items are read here. Every file is decoded once, as
  // training does, and the unreadable ones are listed in dls.skipped.
  // The cleaning decisions apply as training applies them: excluded items join the skipped ones.
  ItemOverrides cleaning = projectOverrides(project);
  const DataLoaders dls = buildDataLoaders(project.data, project.folder(), project.train.batchSize,
                                           project.train.seed, 1, cleaning);
  EjectData data{dls.vocab, dls.shape, dls.stats.mean, dls.stats.std, dls.skipped, cleaning};
  if (project.data.source != SourceKind::FashionMnist)
    for (const auto& name : cleaning.excluded) data.skipped.push_back({name, "excluded while cleaning"});
  return data;
}

std::string fastaiScript(const Project& project, const EjectData& data) {
  return ScriptWriter(project, data).write();
}

EjectData ejectFastaiScript(const Project& project, const std::filesystem::path& out) {
  EjectData data = ejectData(project);
  writeFileAtomically(out, fastaiScript(project, data), "fastai script");
  return data;
}

}  // namespace lb
