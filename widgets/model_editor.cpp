#include "widgets/model_editor.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QTableWidget>
#include <QTimer>
#include <QToolButton>
#include <QUndoCommand>
#include <QUndoStack>
#include <QVBoxLayout>
#include <algorithm>
#include <array>
#include <utility>

#include "widgets/plot_export.h"
#include "engine/util/runtime.h"
#include "engine/util/thousands.h"

namespace lb {

namespace {

constexpr int kDebounceMs = 150;  // typing a number: summarise once the user pauses
constexpr int kLastKind = int(LayerKind::Residual);
// Okabe-Ito vermillion, the warning colour of every page; a symbol goes with it.
const QColor kErrorColor = paletteColor(palette::kVermillion);
const QString kCross = QStringLiteral("\u2717 ");

template <typename W>
W* named(W* widget, const char* name) {
  widget->setObjectName(QString::fromLatin1(name));
  return widget;
}

QString qs(const std::string& s) { return QString::fromStdString(s); }

QString displayName(const std::string& model) {
  if (model == "simple_cnn") return QStringLiteral("Simple CNN");
  if (model == "resnet18") return QStringLiteral("ResNet-18");
  if (model == "resnet34") return QStringLiteral("ResNet-34");
  if (model == "mlp") return QStringLiteral("MLP (fully connected)");
  if (model == "layers") return QStringLiteral("Layer list");
  return qs(model);
}

QString description(const std::string& model) {
  if (model == "simple_cnn")
    return QStringLiteral(
        "A small convolutional network: one stride-2 convolution block per width, then pooling "
        "and a linear layer. Quick to train; a good first model for small images such as "
        "Fashion-MNIST.");
  if (model == "resnet18" || model == "resnet34")
    return QStringLiteral(
               "%1 as torchvision defines it: residual blocks, each with a shortcut around two "
               "convolutions, about %2 million parameters. Strong on photos, slow on a laptop.")
        .arg(displayName(model), model == "resnet18" ? QStringLiteral("11") : QStringLiteral("21"));
  if (model == "mlp")
    return QStringLiteral(
        "A multi-layer perceptron: each image flattened into one long vector, then fully "
        "connected layers. It ignores where pixels are, so it makes a baseline for the CNNs.");
  return QStringLiteral(
      "Your own stack of layers, run top to bottom. Add, remove and drag layers; the summary "
      "shows each layer's output and marks where the shapes stop fitting.");
}

QString kindHelp(LayerKind kind) {
  switch (kind) {
    case LayerKind::Conv2d:
      return QStringLiteral("Slides small learned filters over the image; one output channel "
                            "per filter.");
    case LayerKind::BatchNorm2d:
      return QStringLiteral("Rescales each channel to a steady mean and spread, so training is "
                            "faster and steadier. No settings.");
    case LayerKind::ReLU:
      return QStringLiteral("Keeps positive values and sets negative ones to zero. No settings.");
    case LayerKind::LeakyReLU:
      return QStringLiteral("Like ReLU, but lets a small part of negative values through.");
    case LayerKind::GELU:
      return QStringLiteral("A smooth ReLU, as transformers use. No settings.");
    case LayerKind::MaxPool2d:
      return QStringLiteral("Keeps the largest value of each window, shrinking the image.");
    case LayerKind::AvgPool2d:
      return QStringLiteral("Averages each window, shrinking the image.");
    case LayerKind::AdaptiveAvgPool2d:
      return QStringLiteral("Averages each channel down to a fixed size, whatever the image "
                            "size.");
    case LayerKind::Dropout:
      return QStringLiteral("While training, zeroes a random share of the values so the model "
                            "cannot rely on any one.");
    case LayerKind::Flatten:
      return QStringLiteral("Turns the image (channels x height x width) into one long vector "
                            "for Linear layers. No settings.");
    case LayerKind::Linear:
      return QStringLiteral("Connects every input to every output; the last one gives one score "
                            "per class.");
    case LayerKind::Residual:
      return QStringLiteral("A ResNet basic block: two 3x3 convolutions with a shortcut around "
                            "them.");
  }
  return {};
}

// "Conv2d 32, 3x3, stride 1, padding 1": what a list row says about its layer.
QString layerText(const LayerSpec& l) {
  QString t = QString::fromLatin1(layerKindName(l.kind));
  const QString noBias = l.bias ? QString() : QStringLiteral(", no bias");
  switch (l.kind) {
    case LayerKind::Conv2d:
      return t + QStringLiteral(" %1, %2x%2, stride %3, padding %4")
                     .arg(l.out).arg(l.kernel).arg(l.stride).arg(l.padding) + noBias;
    case LayerKind::Residual: return t + QStringLiteral(" %1, stride %2").arg(l.out).arg(l.stride);
    case LayerKind::LeakyReLU: return t + QStringLiteral(", slope %1").arg(l.slope);
    case LayerKind::MaxPool2d:
    case LayerKind::AvgPool2d:
      return t + QStringLiteral(" %1x%1, stride %2")
                     .arg(l.kernel).arg(l.stride == 0 ? l.kernel : l.stride);
    case LayerKind::AdaptiveAvgPool2d: return t + QStringLiteral(" to %1x%1").arg(l.size);
    case LayerKind::Dropout: return t + QStringLiteral(", p %1").arg(l.p);
    case LayerKind::Linear:
      return t +
             (l.out == 0 ? QStringLiteral(" to the class count") : QStringLiteral(" %1").arg(l.out)) +
             (l.in == 0 ? QString() : QStringLiteral(", in %1").arg(l.in)) + noBias;
    default: return t;
  }
}

// A stack that fits any image and class count, to start a layer list from.
std::vector<LayerSpec> starterLayers() {
  auto conv = [](int out) {
    LayerSpec l = layerOf(LayerKind::Conv2d);
    l.out = out;
    l.stride = 2;
    l.bias = false;  // the BatchNorm after it has its own
    return l;
  };
  LayerSpec pool = layerOf(LayerKind::AdaptiveAvgPool2d);
  return {conv(16),
          layerOf(LayerKind::BatchNorm2d),
          layerOf(LayerKind::ReLU),
          conv(32),
          layerOf(LayerKind::BatchNorm2d),
          layerOf(LayerKind::ReLU),
          pool,
          layerOf(LayerKind::Flatten),
          layerOf(LayerKind::Linear)};
}

QString joinInts(const std::vector<int>& values) {
  QStringList parts;
  for (int v : values) parts << QString::number(v);
  return parts.join(QStringLiteral(", "));
}

std::vector<int> parseInts(const QString& text, int max) {
  std::vector<int> out;
  for (const QString& part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
    bool ok = false;
    const int v = part.trimmed().toInt(&ok);
    if (ok && v > 0) out.push_back(std::min(v, max));
  }
  return out;
}

// Shows or hides a form row. Its label stays and only loses its text ("rowText" keeps it):
// with Qt 6.4 here, hiding and showing the form's labels corrupted the heap (seen in the test
// and a small program; hiding only the fields did not).
void showRow(QFormLayout* form, QWidget* field, bool on) {
  field->setVisible(on);
  if (auto* label = qobject_cast<QLabel*>(form->labelForField(field))) {
    if (!label->property("rowText").isValid()) label->setProperty("rowText", label->text());
    label->setText(on ? label->property("rowText").toString() : QString());
  }
}

bool isUndoKey(const QKeyEvent* key) { return key->matches(QKeySequence::Undo); }
bool isRedoKey(const QKeyEvent* key) {
  const QKeyCombination k = key->keyCombination();
  return key->matches(QKeySequence::Redo) || k == QKeyCombination(Qt::ControlModifier, Qt::Key_Y) ||
         k == QKeyCombination(Qt::ControlModifier | Qt::ShiftModifier, Qt::Key_Z);
}

// The sentence as the page shows it: a capital first letter and a full stop.
QString sentence(const std::string& problem) {
  QString s = qs(problem);
  if (s.isEmpty()) return s;
  s[0] = s[0].toUpper();
  if (!s.endsWith(QLatin1Char('.'))) s += QLatin1Char('.');
  return s;
}

}  // namespace

// Every edit is one of these: the whole spec before and after (a spec is a few hundred bytes),
// with the selected layer, so undo restores exactly what the user saw.
class ModelEditCommand : public QUndoCommand {
 public:
  ModelEditCommand(ModelEditor* editor, const QString& text, ModelSpec before, int rowBefore,
                   ModelSpec after, int rowAfter, std::array<int, 3> mergeKey)
      : QUndoCommand(text),
        m_editor(editor),
        m_before(std::move(before)),
        m_after(std::move(after)),
        m_rowBefore(rowBefore),
        m_rowAfter(rowAfter),
        m_key(mergeKey) {}

  int id() const override { return m_key[2] < 0 ? -1 : 1; }
  // Keystrokes in one field during one visit become one step.
  bool mergeWith(const QUndoCommand* other) override {
    const auto* o = static_cast<const ModelEditCommand*>(other);  // same id(): same class
    if (o->m_key != m_key) return false;
    m_after = o->m_after;
    m_rowAfter = o->m_rowAfter;
    setObsolete(m_after == m_before);
    return true;
  }
  void redo() override { m_editor->apply(m_after, m_rowAfter); }
  void undo() override { m_editor->apply(m_before, m_rowBefore); }

 private:
  ModelEditor* m_editor;
  ModelSpec m_before, m_after;
  int m_rowBefore, m_rowAfter;
  std::array<int, 3> m_key;  // edit session, layer, field; field -1 = never merges
};

ModelEditor::ModelEditor(QWidget* parent) : QWidget(parent) {
  qRegisterMetaType<lb::ModelSpec>();
  m_undo = new QUndoStack(this);

  auto* left = new QWidget;
  auto* leftLayout = new QVBoxLayout(left);
  leftLayout->setContentsMargins(0, 0, 0, 0);
  auto* choiceRow = new QFormLayout;
  m_modelChoice = named(new QComboBox, "modelChoice");
  for (const auto& name : modelNames()) m_modelChoice->addItem(displayName(name), qs(name));
  m_modelChoice->setToolTip(QStringLiteral("A ready-made model from the zoo, or your own list of "
                                           "layers"));
  choiceRow->addRow(QStringLiteral("Model:"), m_modelChoice);
  leftLayout->addLayout(choiceRow);
  m_description = named(new QLabel, "modelDescription");
  m_description->setWordWrap(true);
  leftLayout->addWidget(m_description);
  m_options = named(new QStackedWidget, "modelOptions");
  buildZooPanel();
  m_options->addWidget(buildLayerPanel());
  leftLayout->addWidget(m_options, 1);

  m_splitter = named(new QSplitter(Qt::Horizontal), "modelSplitter");
  m_splitter->addWidget(left);
  m_splitter->addWidget(buildSummaryPanel());
  m_splitter->setStretchFactor(0, 2);
  m_splitter->setStretchFactor(1, 3);
  m_splitter->setChildrenCollapsible(false);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_splitter);

  connect(m_modelChoice, &QComboBox::currentIndexChanged, this, [this] {
    ModelSpec after = m_spec;
    after.name = m_modelChoice->currentData().toString().toStdString();
    if (after.name == "layers" && after.layers.empty()) after.layers = starterLayers();
    const int row = m_row < 0 && !after.layers.empty() ? 0 : m_row;
    edit(QStringLiteral("Choose %1").arg(m_modelChoice->currentText()), after, row);
  });

  m_debounce = new QTimer(this);
  m_debounce->setSingleShot(true);
  m_debounce->setInterval(kDebounceMs);
  connect(m_debounce, &QTimer::timeout, this, &ModelEditor::startSummary);

  refresh();
  startSummary();
}

ModelEditor::~ModelEditor() {
  // Closing the window takes focus from a field, whose editingFinished would edit a half-gone
  // editor. A running summary holds values only; m_job drops its result.
  for (QObject* o : findChildren<QObject*>()) disconnect(o, nullptr, this, nullptr);
}

void ModelEditor::buildZooPanel() {
  // simple_cnn
  auto* cnn = new QWidget;
  auto* cnnForm = new QFormLayout(cnn);
  m_channels = named(new QLineEdit, "channelsEdit");
  m_channels->setValidator(new QRegularExpressionValidator(
      QRegularExpression(QStringLiteral("^\\s*[1-9]\\d{0,3}(\\s*,\\s*[1-9]\\d{0,3})*\\s*$")),
      m_channels));
  m_channels->setToolTip(QStringLiteral(
      "The width of each convolution block, separated by commas (at most 4096 each); every "
      "block halves the image size. Press Enter to apply."));
  cnnForm->addRow(QStringLiteral("Channels:"), m_channels);
  connect(m_channels, &QLineEdit::editingFinished, this, [this] {
    ModelSpec after = m_spec;
    after.channels = parseInts(m_channels->text(), 4096);
    if (after.channels.empty()) return;
    edit(QStringLiteral("Change channels"), after, m_row);
    m_channels->setText(joinInts(m_spec.channels));  // show the clamped, tidied numbers
  });

  // resnet18 / resnet34
  auto* resnet = new QWidget;
  auto* resForm = new QFormLayout(resnet);
  m_smallImages = named(new QCheckBox(QStringLiteral("Small images")), "smallImagesCheck");
  m_smallImages->setToolTip(QStringLiteral(
      "Skip the first max-pool, so images as small as 28x28 keep enough pixels for every "
      "block."));
  m_head = named(new QComboBox, "headCombo");
  m_head->addItem(QStringLiteral("torchvision: average pool, one linear layer"),
                  QStringLiteral("torchvision"));
  m_head->addItem(QStringLiteral("fastai: average and max pool, two linear layers"),
                  QStringLiteral("fastai"));
  m_head->setToolTip(QStringLiteral("The layers after the residual blocks that give the class "
                                    "scores"));
  resForm->addRow(QString(), m_smallImages);
  resForm->addRow(QStringLiteral("Head:"), m_head);
  connect(m_smallImages, &QCheckBox::toggled, this, [this](bool on) {
    ModelSpec after = m_spec;
    after.smallImages = on;
    edit(on ? QStringLiteral("Use small images") : QStringLiteral("Use large images"), after,
         m_row);
  });
  connect(m_head, &QComboBox::currentIndexChanged, this, [this] {
    ModelSpec after = m_spec;
    after.head = m_head->currentData().toString().toStdString();
    edit(QStringLiteral("Choose the %1 head").arg(qs(after.head)), after, m_row);
  });

  // mlp
  auto* mlp = new QWidget;
  auto* mlpForm = new QFormLayout(mlp);
  m_hidden = named(new QLineEdit, "hiddenEdit");
  m_hidden->setValidator(new QRegularExpressionValidator(
      QRegularExpression(QStringLiteral("^\\s*([1-9]\\d{0,6}(\\s*,\\s*[1-9]\\d{0,6})*)?\\s*$")),
      m_hidden));
  m_hidden->setPlaceholderText(QStringLiteral("none: one linear layer"));
  m_hidden->setToolTip(QStringLiteral(
      "The size of each hidden layer, separated by commas; empty for a single linear layer. "
      "Press Enter to apply."));
  m_dropout = named(new QDoubleSpinBox, "dropoutSpin");
  m_dropout->setRange(0, 0.95);
  m_dropout->setSingleStep(0.05);
  m_dropout->setDecimals(2);
  m_dropout->setSpecialValueText(QStringLiteral("none"));
  m_dropout->setToolTip(QStringLiteral(
      "The share of values zeroed after each hidden layer while training; none = 0."));
  m_dropout->installEventFilter(this);
  mlpForm->addRow(QStringLiteral("Hidden sizes:"), m_hidden);
  mlpForm->addRow(QStringLiteral("Dropout:"), m_dropout);
  connect(m_hidden, &QLineEdit::editingFinished, this, [this] {
    ModelSpec after = m_spec;
    after.hidden = parseInts(m_hidden->text(), 1 << 20);
    edit(QStringLiteral("Change hidden sizes"), after, m_row);
    m_hidden->setText(joinInts(m_spec.hidden));
  });
  connect(m_dropout, &QDoubleSpinBox::valueChanged, this, [this](double v) {
    ModelSpec after = m_spec;
    after.dropout = v;
    edit(QStringLiteral("Change dropout"), after, m_row, 100);
  });

  m_options->addWidget(cnn);     // 0
  m_options->addWidget(resnet);  // 1
  m_options->addWidget(mlp);     // 2
}

QWidget* ModelEditor::buildLayerPanel() {
  auto* page = new QWidget;
  auto* v = new QVBoxLayout(page);
  v->setContentsMargins(0, 0, 0, 0);

  // The actions: shortcuts live on the list (Delete in a number field deletes a digit), Insert
  // anywhere on the page.
  auto makeAction = [this](const QString& text, const QKeySequence& key, const QString& tip,
                           const char* name) {
    auto* a = new QAction(text, this);
    a->setObjectName(QString::fromLatin1(name));
    a->setShortcut(key);
    a->setShortcutContext(Qt::WidgetShortcut);
    a->setToolTip(QStringLiteral("%1 (%2)").arg(tip, key.toString(QKeySequence::NativeText)));
    return a;
  };
  QAction* add = makeAction(QStringLiteral("Add layer"), QKeySequence(Qt::Key_Insert),
                            QStringLiteral("Add a layer after the selected one"), "addLayerAction");
  add->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  QAction* remove = makeAction(QStringLiteral("Remove"), QKeySequence(QKeySequence::Delete),
                               QStringLiteral("Remove the selected layer"), "removeLayerAction");
  QAction* up = makeAction(QStringLiteral("Move up"), QKeySequence(Qt::CTRL | Qt::Key_Up),
                           QStringLiteral("Move the selected layer up"), "moveUpAction");
  QAction* down = makeAction(QStringLiteral("Move down"), QKeySequence(Qt::CTRL | Qt::Key_Down),
                             QStringLiteral("Move the selected layer down"), "moveDownAction");
  up->setIcon(style()->standardIcon(QStyle::SP_ArrowUp));
  down->setIcon(style()->standardIcon(QStyle::SP_ArrowDown));
  connect(add, &QAction::triggered, this, &ModelEditor::popUpAddMenu);
  connect(remove, &QAction::triggered, this, &ModelEditor::removeLayer);
  connect(up, &QAction::triggered, this, [this] { moveLayer(-1); });
  connect(down, &QAction::triggered, this, [this] { moveLayer(1); });
  page->addAction(add);

  m_addMenu = named(new QMenu(this), "addLayerMenu");
  for (int k = 0; k <= kLastKind; ++k) {
    const auto kind = LayerKind(k);
    QAction* a = m_addMenu->addAction(QString::fromLatin1(layerKindName(kind)));
    a->setObjectName(QStringLiteral("add_") + QString::fromLatin1(layerKindName(kind)));
    a->setToolTip(kindHelp(kind));
    connect(a, &QAction::triggered, this, [this, kind] { addLayer(kind); });
  }
  m_addMenu->setToolTipsVisible(true);

  auto* buttons = new QHBoxLayout;
  auto* addButton = named(new QPushButton(QStringLiteral("Add layer...")), "addLayerButton");
  addButton->setToolTip(add->toolTip());
  connect(addButton, &QPushButton::clicked, this, &ModelEditor::popUpAddMenu);
  buttons->addWidget(addButton);
  for (auto [action, name] : {std::pair{remove, "removeLayerButton"}, std::pair{up, "moveUpButton"},
                              std::pair{down, "moveDownButton"}}) {
    auto* b = named(new QToolButton, name);
    b->setDefaultAction(action);
    b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    buttons->addWidget(b);
  }
  buttons->addStretch(1);
  v->addLayout(buttons);

  m_list = named(new QListWidget, "layerList");
  m_list->setSelectionMode(QAbstractItemView::SingleSelection);
  m_list->setDragDropMode(QAbstractItemView::InternalMove);
  m_list->setDefaultDropAction(Qt::MoveAction);
  m_list->setToolTip(QStringLiteral("The layers, run top to bottom; drag a layer to move it"));
  for (QAction* a : {remove, up, down}) m_list->addAction(a);
  connect(m_list, &QListWidget::currentRowChanged, this, [this](int row) {
    m_row = row;
    refreshProperties();
  });
  // A drop has moved the item already; turn the new order into a command once it is done.
  connect(m_list->model(), &QAbstractItemModel::rowsMoved, this, &ModelEditor::onListReordered,
          Qt::QueuedConnection);
  v->addWidget(m_list, 1);

  auto* box = named(new QGroupBox(QStringLiteral("Selected layer")), "layerProperties");
  m_form = new QFormLayout(box);
  m_layerHelp = named(new QLabel, "layerHelp");
  m_layerHelp->setWordWrap(true);
  m_form->addRow(m_layerHelp);
  auto intSpin = [this](const char* name, int lo, int hi, const QString& tip) {
    auto* s = named(new QSpinBox, name);
    s->setRange(lo, hi);
    s->setToolTip(tip);
    s->installEventFilter(this);
    return s;
  };
  auto realSpin = [this](const char* name, double hi, double step, int decimals,
                         const QString& tip) {
    auto* s = named(new QDoubleSpinBox, name);
    s->setRange(0, hi);
    s->setSingleStep(step);
    s->setDecimals(decimals);
    s->setToolTip(tip);
    s->installEventFilter(this);
    return s;
  };
  m_out = intSpin("outSpin", 0, 65536, QString());  // range and tip follow the kind
  m_in = intSpin("inSpin", 0, 1 << 30,
                 QStringLiteral("How many numbers the layer takes in (in_features); 0 = inferred "
                                "from the layer before it"));
  m_in->setSpecialValueText(QStringLiteral("inferred"));
  m_kernel = intSpin("kernelSpin", 1, 1024,
                     QStringLiteral("The side of the square window in pixels: 3 means 3x3"));
  m_stride = intSpin("strideSpin", 0, 1024, QString());
  m_padding = intSpin("paddingSpin", 0, 1024,
                      QStringLiteral("Zero pixels added on each side; half the kernel (1 for 3x3) "
                                     "keeps the image size at stride 1"));
  m_bias = named(new QCheckBox(QStringLiteral("Learn a bias")), "biasCheck");
  m_bias->setToolTip(QStringLiteral("An offset per output; not needed before a BatchNorm, which "
                                    "has its own"));
  m_slope = realSpin("slopeSpin", 10, 0.01, 3,
                     QStringLiteral("How much of a negative value passes: 0.01 lets 1% through"));
  m_p = realSpin("pSpin", 1, 0.05, 2,
                 QStringLiteral("The share of values zeroed while training: 0.5 is half"));
  m_size = intSpin("sizeSpin", 1, 1024,
                   QStringLiteral("The output's height and width: 1 leaves one value per channel"));
  m_form->addRow(QStringLiteral("Outputs:"), m_out);
  m_form->addRow(QStringLiteral("Inputs:"), m_in);
  m_form->addRow(QStringLiteral("Kernel size:"), m_kernel);
  m_form->addRow(QStringLiteral("Stride:"), m_stride);
  m_form->addRow(QStringLiteral("Padding:"), m_padding);
  m_form->addRow(QString(), m_bias);
  m_form->addRow(QStringLiteral("Negative slope:"), m_slope);
  m_form->addRow(QStringLiteral("Drop probability:"), m_p);
  m_form->addRow(QStringLiteral("Output size:"), m_size);
  auto onInt = [this](QSpinBox* s, Field f) {
    connect(s, &QSpinBox::valueChanged, this, [this, f](int v) { setField(f, v); });
  };
  onInt(m_out, Field::Out);
  onInt(m_in, Field::In);
  onInt(m_kernel, Field::Kernel);
  onInt(m_stride, Field::Stride);
  onInt(m_padding, Field::Padding);
  onInt(m_size, Field::Size);
  connect(m_bias, &QCheckBox::toggled, this, [this](bool on) { setField(Field::Bias, on); });
  connect(m_slope, &QDoubleSpinBox::valueChanged, this,
          [this](double v) { setField(Field::Slope, v); });
  connect(m_p, &QDoubleSpinBox::valueChanged, this, [this](double v) { setField(Field::P, v); });
  v->addWidget(box);
  return page;
}

QWidget* ModelEditor::buildSummaryPanel() {
  auto* panel = new QWidget;
  auto* v = new QVBoxLayout(panel);
  v->setContentsMargins(0, 0, 0, 0);
  m_status = named(new QLabel, "summaryStatus");
  m_status->setWordWrap(true);
  v->addWidget(m_status);
  m_table = named(new QTableWidget(0, 4), "summaryTable");
  m_table->setHorizontalHeaderLabels({QStringLiteral("Layer"), QStringLiteral("Output shape"),
                                      QStringLiteral("Parameters"), QStringLiteral("Trainable")});
  m_table->verticalHeader()->hide();
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->setSelectionMode(QAbstractItemView::NoSelection);
  m_table->setFocusPolicy(Qt::NoFocus);
  m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  for (int c = 1; c < 4; ++c)
    m_table->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
  v->addWidget(m_table, 1);
  m_problem = named(new QLabel, "problemLabel");
  m_problem->setWordWrap(true);
  m_problem->setTextInteractionFlags(Qt::TextSelectableByMouse);
  QPalette pal = m_problem->palette();
  pal.setColor(QPalette::WindowText, kErrorColor);
  m_problem->setPalette(pal);
  m_problem->hide();
  v->addWidget(m_problem);
  m_totals = named(new QLabel, "totalsLabel");
  v->addWidget(m_totals);
  return panel;
}

void ModelEditor::setInput(const ImageShape& input, int numClasses) {
  m_input = input;
  m_numClasses = numClasses;
  startSummary();
}

void ModelEditor::setSpec(const ModelSpec& spec) {
  m_undo->clear();
  m_spec = spec;
  m_row = spec.layers.empty() ? -1 : 0;
  refresh();
  startSummary();
}

QString ModelEditor::problem() const { return sentence(m_summary.problem); }

bool ModelEditor::isSummaryPending() const {
  return m_debounce->isActive() || m_job.isPending();
}

bool ModelEditor::event(QEvent* event) {
  // Accepting the override keeps a window's Ctrl+Z action from firing while focus is in here:
  // the key press then comes to us and undoes on our stack.
  if (event->type() == QEvent::ShortcutOverride || event->type() == QEvent::KeyPress) {
    auto* key = static_cast<QKeyEvent*>(event);
    const bool undo = isUndoKey(key);
    if (undo || isRedoKey(key)) {
      if (event->type() == QEvent::KeyPress) undo ? m_undo->undo() : m_undo->redo();
      event->accept();
      return true;
    }
  }
  return QWidget::event(event);
}

bool ModelEditor::eventFilter(QObject* watched, QEvent* event) {
  // Number fields: every keystroke is already on our stack, so their own text undo would only
  // fight it; hand Ctrl+Z to the editor.
  if (event->type() == QEvent::ShortcutOverride || event->type() == QEvent::KeyPress) {
    auto* key = static_cast<QKeyEvent*>(event);
    if (isUndoKey(key) || isRedoKey(key)) return this->event(event);
  }
  if (event->type() == QEvent::FocusIn) ++m_editSession;
  return QWidget::eventFilter(watched, event);
}

void ModelEditor::apply(const ModelSpec& spec, int row) {
  m_spec = spec;
  m_row = std::min(row, int(spec.layers.size()) - 1);
  refresh();
  Q_EMIT specChanged(m_spec);
  requestSummary();
}

void ModelEditor::edit(const QString& text, const ModelSpec& after, int rowAfter, int field) {
  if (after == m_spec) {
    refresh();  // e.g. a drop that left the order as it was
    return;
  }
  m_undo->push(new ModelEditCommand(this, text, m_spec, m_row, after, rowAfter,
                                    {m_editSession, m_row, field}));
}

void ModelEditor::refresh() {
  const int page = m_spec.name == "simple_cnn" ? 0
                   : m_spec.name == "mlp"      ? 2
                   : m_spec.name == "layers"   ? 3
                                               : 1;
  {
    const QSignalBlocker b1(m_modelChoice), b2(m_smallImages), b3(m_head), b4(m_dropout);
    m_modelChoice->setCurrentIndex(std::max(0, m_modelChoice->findData(qs(m_spec.name))));
    m_smallImages->setChecked(m_spec.smallImages);
    m_head->setCurrentIndex(std::max(0, m_head->findData(qs(m_spec.head))));
    if (m_dropout->value() != m_spec.dropout) m_dropout->setValue(m_spec.dropout);
  }
  m_description->setText(description(m_spec.name));
  m_options->setCurrentIndex(page);
  if (parseInts(m_channels->text(), 4096) != m_spec.channels)
    m_channels->setText(joinInts(m_spec.channels));
  if (parseInts(m_hidden->text(), 1 << 20) != m_spec.hidden)
    m_hidden->setText(joinInts(m_spec.hidden));
  refreshLayerList();
  refreshProperties();
}

void ModelEditor::refreshLayerList() {
  const QSignalBlocker block(m_list);
  const auto& layers = m_spec.layers;
  while (m_list->count() > int(layers.size())) delete m_list->takeItem(m_list->count() - 1);
  while (m_list->count() < int(layers.size())) m_list->addItem(QString());
  // Mark the layer that does not fit only when the summary is of what is shown.
  const bool current = m_summarySpec == m_spec && !m_summary.fits();
  for (int i = 0; i < int(layers.size()); ++i) {
    QListWidgetItem* item = m_list->item(i);
    const bool bad = current && i == m_summary.problemLayer;
    item->setText((bad ? kCross : QString()) + QStringLiteral("%1. ").arg(i + 1) +
                  layerText(layers[std::size_t(i)]));
    item->setData(Qt::UserRole, i);  // its index in the spec, read back after a drag
    item->setForeground(bad ? QBrush(kErrorColor) : QBrush());
    item->setToolTip(bad ? problem() : kindHelp(layers[std::size_t(i)].kind));
  }
  m_list->setCurrentRow(m_row);
}

void ModelEditor::refreshProperties() {
  const bool has = m_row >= 0 && m_row < int(m_spec.layers.size());
  const auto actions = findChildren<QAction*>();
  for (QAction* a : actions) {
    const QString n = a->objectName();
    if (n == QLatin1String("removeLayerAction")) a->setEnabled(has);
    if (n == QLatin1String("moveUpAction")) a->setEnabled(has && m_row > 0);
    if (n == QLatin1String("moveDownAction"))
      a->setEnabled(has && m_row + 1 < int(m_spec.layers.size()));
  }
  const LayerSpec l = has ? m_spec.layers[std::size_t(m_row)] : LayerSpec{};
  const LayerKind k = l.kind;
  auto is = [&](std::initializer_list<LayerKind> kinds) {
    return has && std::find(kinds.begin(), kinds.end(), k) != kinds.end();
  };
  using K = LayerKind;
  const bool pool = is({K::MaxPool2d, K::AvgPool2d});
  m_layerHelp->setText(has ? QStringLiteral("<b>%1</b>: %2").arg(QString::fromLatin1(
                                 layerKindName(k)), kindHelp(k))
                           : QStringLiteral("Select a layer to change it, or press Add layer "
                                            "(Insert) to add one."));
  if (auto* label = m_form->labelForField(m_out))
    label->setProperty("rowText", k == K::Linear ? QStringLiteral("Outputs:")
                                                 : QStringLiteral("Output channels:"));
  showRow(m_form, m_out, is({K::Conv2d, K::Residual, K::Linear}));
  showRow(m_form, m_in, is({K::Linear}));
  showRow(m_form, m_kernel, is({K::Conv2d, K::MaxPool2d, K::AvgPool2d}));
  showRow(m_form, m_stride, is({K::Conv2d, K::Residual}) || pool);
  showRow(m_form, m_padding, is({K::Conv2d}));
  showRow(m_form, m_bias, is({K::Conv2d, K::Linear}));
  showRow(m_form, m_slope, is({K::LeakyReLU}));
  showRow(m_form, m_p, is({K::Dropout}));
  showRow(m_form, m_size, is({K::AdaptiveAvgPool2d}));
  if (!has) return;

  const bool linear = k == K::Linear;

  m_out->setToolTip(linear ? QStringLiteral("How many numbers the layer gives; 0 = the class "
                                            "count (for the last layer)")
                           : QStringLiteral("How many channels the layer gives: one learned "
                                            "filter each"));
  m_stride->setToolTip(pool ? QStringLiteral("How far the window moves each step; 0 = the kernel "
                                             "size, so windows do not overlap")
                            : QStringLiteral("How far the window moves each step; 2 halves the "
                                             "image size"));
  // Only when it differs: setting a field the user is typing in would move the cursor.
  auto setInt = [](QSpinBox* s, int lo, const QString& special, int v) {
    const QSignalBlocker b(s);
    if (s->minimum() != lo) s->setMinimum(lo);
    if (s->specialValueText() != special) s->setSpecialValueText(special);
    if (s->value() != v) s->setValue(v);
  };
  auto setReal = [](QDoubleSpinBox* s, double v) {
    const QSignalBlocker b(s);
    if (s->value() != v) s->setValue(v);
  };
  setInt(m_out, linear ? 0 : 1, linear ? QStringLiteral("class count") : QString(), l.out);
  setInt(m_in, 0, QStringLiteral("inferred"), l.in);
  setInt(m_kernel, 1, QString(), l.kernel);
  setInt(m_stride, pool ? 0 : 1, pool ? QStringLiteral("= kernel") : QString(), l.stride);
  setInt(m_padding, 0, QString(), l.padding);
  setInt(m_size, 1, QString(), l.size);
  setReal(m_slope, l.slope);
  setReal(m_p, l.p);
  const QSignalBlocker b(m_bias);
  m_bias->setChecked(l.bias);
}

void ModelEditor::setField(Field field, double value) {
  if (m_row < 0 || m_row >= int(m_spec.layers.size())) return;
  ModelSpec after = m_spec;
  LayerSpec& l = after.layers[std::size_t(m_row)];
  const int n = int(value);
  QString what;
  switch (field) {
    case Field::Out: l.out = n; what = QStringLiteral("outputs"); break;
    case Field::In: l.in = n; what = QStringLiteral("inputs"); break;
    case Field::Kernel: l.kernel = n; what = QStringLiteral("kernel size"); break;
    case Field::Stride: l.stride = n; what = QStringLiteral("stride"); break;
    case Field::Padding: l.padding = n; what = QStringLiteral("padding"); break;
    case Field::Bias: l.bias = value != 0; what = QStringLiteral("bias"); break;
    case Field::Slope: l.slope = value; what = QStringLiteral("slope"); break;
    case Field::P: l.p = value; what = QStringLiteral("drop probability"); break;
    case Field::Size: l.size = n; what = QStringLiteral("output size"); break;
  }
  edit(QStringLiteral("Change %1 of layer %2").arg(what).arg(m_row + 1), after, m_row, int(field));
}

void ModelEditor::addLayer(LayerKind kind) {
  ModelSpec after = m_spec;
  const int row = m_row < 0 ? int(after.layers.size()) : m_row + 1;  // after the selection
  after.layers.insert(after.layers.begin() + row, layerOf(kind));
  edit(QStringLiteral("Add %1").arg(QString::fromLatin1(layerKindName(kind))), after, row);
}

void ModelEditor::removeLayer() {
  if (m_row < 0 || m_row >= int(m_spec.layers.size())) return;
  ModelSpec after = m_spec;
  const LayerKind kind = after.layers[std::size_t(m_row)].kind;
  after.layers.erase(after.layers.begin() + m_row);
  edit(QStringLiteral("Remove %1").arg(QString::fromLatin1(layerKindName(kind))), after,
       std::min(m_row, int(after.layers.size()) - 1));
}

void ModelEditor::moveLayer(int delta) {
  const int to = m_row + delta;
  if (m_row < 0 || to < 0 || to >= int(m_spec.layers.size())) return;
  ModelSpec after = m_spec;
  std::swap(after.layers[std::size_t(m_row)], after.layers[std::size_t(to)]);
  edit(delta < 0 ? QStringLiteral("Move layer up") : QStringLiteral("Move layer down"), after, to);
}

void ModelEditor::onListReordered() {
  ModelSpec after = m_spec;
  after.layers.clear();
  for (int i = 0; i < m_list->count(); ++i) {
    const int from = m_list->item(i)->data(Qt::UserRole).toInt();
    if (from < 0 || from >= int(m_spec.layers.size())) break;
    after.layers.push_back(m_spec.layers[std::size_t(from)]);
  }
  if (after.layers.size() != m_spec.layers.size()) {
    refreshLayerList();  // not a plain reorder: show the spec again
    return;
  }
  edit(QStringLiteral("Move layer"), after, m_list->currentRow());
}

void ModelEditor::popUpAddMenu() {
  auto* button = findChild<QPushButton*>(QStringLiteral("addLayerButton"));
  m_addMenu->popup(button->mapToGlobal(QPoint(0, button->height())));
}

void ModelEditor::requestSummary() {
  m_job.cancel();  // what runs describes an older spec
  m_debounce->start();
  showBusy(true);
}

void ModelEditor::startSummary() {
  m_debounce->stop();
  showBusy(true);
  // One at a time: a request made while a summary runs starts when it ends.
  const ModelSpec spec = m_spec;
  const ImageShape input = m_input;
  const int classes = m_numClasses;
  m_job.start(
      [spec, input, classes] {
        useHelperThread();
        return summarize(spec, input, classes);
      },
      [this, spec](const ModelSummary& summary) {
        m_summarySpec = spec;
        showSummary(summary);
      },
      [this, spec, input](const QString& sentence) {  // a spec that cannot be built at all
        ModelSummary s;
        s.inputShape = {input.channels, input.height, input.width};
        s.problem = sentence.toStdString();
        m_summarySpec = spec;
        showSummary(s);
      });
}

void ModelEditor::showSummary(const ModelSummary& s) {
  m_summary = s;
  const bool layerList = m_summarySpec.name == "layers";
  auto shape = [](const std::vector<long long>& d) {
    QStringList parts;
    for (long long v : d) parts << QString::number(v);
    return parts.join(QLatin1Char('x'));
  };
  struct Row {
    QString name, shape, params, trainable;
  };
  std::vector<Row> rows = {{QStringLiteral("Input"), shape(s.inputShape), {}, {}}};
  for (std::size_t i = 0; i < s.layers.size(); ++i) {
    const LayerSummary& l = s.layers[i];
    rows.push_back({(layerList ? QStringLiteral("%1. ").arg(i + 1) : QString()) + qs(l.name),
                    qs(l.shapeText()), qs(withThousands(l.parameters)),
                    l.parameters == 0 ? QString()
                                      : (l.trainable ? QStringLiteral("yes") : QStringLiteral("no"))});
  }
  int bad = -1;
  if (!s.fits()) {
    const int p = s.problemLayer;
    if (p >= 0 && p < int(s.layers.size())) {
      bad = p + 1;  // it was built; what follows it does not fit (the class count)
    } else if (!layerList || (p >= 0 && p < int(m_summarySpec.layers.size()))) {
      const QString name =
          layerList ? QStringLiteral("%1. %2").arg(p + 1).arg(QString::fromLatin1(
                          layerKindName(m_summarySpec.layers[std::size_t(p)].kind)))
                    : QStringLiteral("the next layer");
      rows.push_back({name, QStringLiteral("does not fit"), {}, {}});
      bad = int(rows.size()) - 1;
    }
  }
  m_table->setRowCount(int(rows.size()));
  for (int r = 0; r < int(rows.size()); ++r) {
    const Row& row = rows[std::size_t(r)];
    const QString cells[4] = {(r == bad ? kCross : QString()) + row.name, row.shape, row.params,
                              row.trainable};
    for (int c = 0; c < 4; ++c) {
      auto* item = new QTableWidgetItem(cells[c]);
      if (c == 2) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      if (r == bad) {
        item->setForeground(kErrorColor);
        QFont f = item->font();
        f.setBold(true);
        item->setFont(f);
        item->setToolTip(problem());
      }
      m_table->setItem(r, c, item);
    }
  }
  if (bad >= 0) m_table->scrollToItem(m_table->item(bad, 0));
  m_problem->setText(kCross + problem());
  m_problem->setVisible(!s.fits());
  m_totals->setText(qs(totalLine(s)) + QStringLiteral("\nTrainable parameters: ") +
                    qs(withThousands(s.trainableParameters)) +
                    (s.fits() ? QString() : QStringLiteral(" (of the layers that fit)")));
  showBusy(isSummaryPending());
  refreshLayerList();
  Q_EMIT summaryReady(s.fits(), problem());
}

void ModelEditor::showBusy(bool busy) {
  const QString what = QStringLiteral("%1x%2x%3 images and %4 classes")
                           .arg(m_input.channels).arg(m_input.height).arg(m_input.width)
                           .arg(m_numClasses);
  m_status->setText(busy ? QStringLiteral("Computing the summary for %1...").arg(what)
                         : QStringLiteral("Summary for %1:").arg(what));
}

}  // namespace lb
