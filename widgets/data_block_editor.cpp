#include "widgets/data_block_editor.h"
#include "widgets/plot_export.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QVBoxLayout>
#include <algorithm>
#include <climits>
#include <initializer_list>
#include <memory>
#include <utility>

namespace lb {

namespace {

// Okabe-Ito, readable on light and dark palettes; a symbol goes with each, colour is not enough.
const QColor kOkColor = paletteColor(palette::kBluishGreen);
const QColor kErrorColor = paletteColor(palette::kVermillion);

template <typename W>
W* named(W* widget, const char* name) {
  widget->setObjectName(QString::fromLatin1(name));
  return widget;
}

void addChoices(QComboBox* combo, std::initializer_list<std::pair<const char*, int>> choices) {
  for (const auto& [text, value] : choices) combo->addItem(QString::fromUtf8(text), value);
}
int choice(const QComboBox* combo) { return combo->currentData().toInt(); }
void select(QComboBox* combo, int value) {
  combo->setCurrentIndex(std::max(0, combo->findData(value)));
}

QSpinBox* intSpin(int lo, int hi, int step) {
  auto* spin = new QSpinBox;
  spin->setRange(lo, hi);
  spin->setSingleStep(step);
  return spin;
}

QDoubleSpinBox* realSpin(double lo, double hi, double step, int decimals = 2) {
  auto* spin = new QDoubleSpinBox;
  spin->setRange(lo, hi);
  spin->setSingleStep(step);
  spin->setDecimals(decimals);
  return spin;
}

QString text(const std::string& s) { return QString::fromStdString(s); }
std::string text(const QLineEdit* edit) { return edit->text().trimmed().toStdString(); }

// "png, .jpg" -> {".png", ".jpg"}: the dot is optional when typing.
std::vector<std::string> parseExtensions(const QString& line) {
  std::vector<std::string> out;
  for (QString e : line.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
    e = e.trimmed().toLower();
    if (e.isEmpty()) continue;
    if (!e.startsWith(QLatin1Char('.'))) e.prepend(QLatin1Char('.'));
    out.push_back(e.toStdString());
  }
  return out;
}

QString droppedFolder(const QMimeData* mime) {
  if (!mime || !mime->hasUrls() || mime->urls().isEmpty()) return {};
  const QUrl url = mime->urls().first();
  if (!url.isLocalFile() || !QFileInfo(url.toLocalFile()).isDir()) return {};
  return QDir::cleanPath(url.toLocalFile());
}

// "Item transforms" -> "status_ItemTransforms", the status label's objectName.
QString statusName(DataStep step) {
  QString name;
  bool upper = true;
  for (const char* c = dataStepName(step); *c; ++c) {
    if (*c == ' ') {
      upper = true;
      continue;
    }
    name += upper ? QChar::fromLatin1(*c).toUpper() : QChar::fromLatin1(*c);
    upper = false;
  }
  return QStringLiteral("status_") + name;
}

}  // namespace

DataBlockEditor::DataBlockEditor(QWidget* parent) : QWidget(parent) {
  setAcceptDrops(true);
  auto* column = new QWidget;
  auto* cards = new QVBoxLayout(column);
  cards->setSpacing(10);

  // 1. Source
  Card& source =
      addCard(DataStep::Source, QStringLiteral("Source"),
              QStringLiteral("Where the images come from. Drop a folder here to use it."));
  m_sourceKind = named(new QComboBox, "sourceKind");
  addChoices(m_sourceKind, {{"Fashion-MNIST example", int(SourceKind::FashionMnist)},
                            {"Folder of images", int(SourceKind::Folder)},
                            {"CSV file", int(SourceKind::Csv)}});
  m_sourcePath = named(new QLineEdit, "sourcePath");
  m_sourcePath->setClearButtonEnabled(true);
  m_browse = named(new QPushButton(QStringLiteral("Browse...")), "sourceBrowse");
  m_browse->setToolTip(QStringLiteral("Choose the folder or file on disk"));
  m_pathRow = new QWidget;
  auto* pathLayout = new QHBoxLayout(m_pathRow);
  pathLayout->setContentsMargins(0, 0, 0, 0);
  pathLayout->addWidget(m_sourcePath, 1);
  pathLayout->addWidget(m_browse);
  m_limit = named(intSpin(0, 60000, 1000), "sourceLimit");
  m_limit->setSpecialValueText(QStringLiteral("all of them"));
  m_limit->setToolTip(QStringLiteral(
      "Training images kept, equally many per class (validation images in proportion); fewer "
      "images make quicker demos"));
  m_csvPathColumn = named(new QLineEdit, "csvPathColumn");
  m_csvLabelColumn = named(new QLineEdit, "csvLabelColumn");
  m_csvValidColumn = named(new QLineEdit, "csvValidColumn");
  m_csvLabelDelimiter = named(new QLineEdit, "csvLabelDelimiter");
  m_csvLabelDelimiter->setToolTip(QStringLiteral(
      "Leave empty for one label per row; a space or ';' for several (multi-label)"));
  m_csvFolder = named(new QLineEdit, "csvFolder");
  m_csvFolder->setPlaceholderText(QStringLiteral("the CSV file's folder"));
  m_csvFolder->setToolTip(QStringLiteral("Where the files the CSV names are"));
  source.form->addRow(QStringLiteral("Kind:"), m_sourceKind);
  source.form->addRow(QStringLiteral("Path:"), m_pathRow);
  source.form->addRow(QStringLiteral("Images used:"), m_limit);
  source.form->addRow(QStringLiteral("File name column:"), m_csvPathColumn);
  source.form->addRow(QStringLiteral("Label column:"), m_csvLabelColumn);
  source.form->addRow(QStringLiteral("Label delimiter:"), m_csvLabelDelimiter);
  source.form->addRow(QStringLiteral("Validation column:"), m_csvValidColumn);
  source.form->addRow(QStringLiteral("Images folder:"), m_csvFolder);

  // 2. Blocks
  Card& blocks = addCard(DataStep::Blocks, QStringLiteral("Blocks"),
                         QStringLiteral("What goes in (the image) and what the model predicts."));
  m_inputKind = named(new QComboBox, "inputKind");
  addChoices(m_inputKind, {{"Image (as it is)", int(InputKind::Auto)},
                           {"Image, grayscale", int(InputKind::Grayscale)},
                           {"Image, RGB", int(InputKind::Rgb)}});
  m_targetKind = named(new QComboBox, "targetKind");
  addChoices(m_targetKind, {{"Category (one label)", int(TargetKind::Category)},
                            {"Multi-category (several labels)", int(TargetKind::MultiCategory)},
                            {"Regression (a number)", int(TargetKind::Regression)}});
  blocks.form->addRow(QStringLiteral("Input:"), m_inputKind);
  blocks.form->addRow(QStringLiteral("Target:"), m_targetKind);

  // 3. Items
  Card& items = addCard(DataStep::Items, QStringLiteral("Items"),
                        QStringLiteral("Which files are images (get_image_files, recursive)."));
  m_extensions = named(new QLineEdit, "extensions");
  m_extensions->setToolTip(QStringLiteral("File extensions, separated by commas"));
  items.form->addRow(QStringLiteral("Extensions:"), m_extensions);
  items.note->setText(QStringLiteral("The example's images come from its IDX files."));

  // 4. Split
  Card& split = addCard(DataStep::Split, QStringLiteral("Split"),
                        QStringLiteral("Which images train the model and which validate it."));
  m_splitKind = named(new QComboBox, "splitKind");
  addChoices(m_splitKind, {{"Random", int(SplitKind::Random)},
                           {"By folder name (grandparent)", int(SplitKind::Grandparent)},
                           {"By CSV column", int(SplitKind::CsvColumn)},
                           {"Validation files listed in a file", int(SplitKind::FileList)}});
  m_validPct = named(intSpin(1, 90, 5), "validPct");
  m_validPct->setSuffix(QStringLiteral(" %"));
  m_seed = named(intSpin(0, INT_MAX, 1), "splitSeed");
  m_seed->setToolTip(QStringLiteral("The same seed gives the same split"));
  m_trainName = named(new QLineEdit, "trainName");
  m_validName = named(new QLineEdit, "validName");
  m_splitFile = named(new QLineEdit, "splitFile");
  m_splitFile->setToolTip(QStringLiteral("A text file naming the validation files, one a line"));
  split.form->addRow(QStringLiteral("Kind:"), m_splitKind);
  split.form->addRow(QStringLiteral("Validation:"), m_validPct);
  split.form->addRow(QStringLiteral("Seed:"), m_seed);
  split.form->addRow(QStringLiteral("Training folder:"), m_trainName);
  split.form->addRow(QStringLiteral("Validation folder:"), m_validName);
  split.form->addRow(QStringLiteral("List file:"), m_splitFile);
  split.note->setText(
      QStringLiteral("The example comes split: its training set trains, its test set validates."));

  // 5. Label
  Card& label = addCard(DataStep::Label, QStringLiteral("Label"),
                        QStringLiteral("Where each image's label comes from."));
  m_labelKind = named(new QComboBox, "labelKind");
  addChoices(m_labelKind, {{"Parent folder", int(LabelKind::ParentFolder)},
                           {"Regex on the file name", int(LabelKind::Regex)},
                           {"CSV column", int(LabelKind::CsvColumn)}});
  m_labelRegex = named(new QLineEdit, "labelRegex");
  m_labelRegex->setPlaceholderText(QStringLiteral("^(.+)_\\d+\\.jpg$"));
  m_labelRegex->setToolTip(QStringLiteral("The first group ( ) of the match is the label"));
  label.form->addRow(QStringLiteral("Kind:"), m_labelKind);
  label.form->addRow(QStringLiteral("Regex:"), m_labelRegex);
  label.note->setText(QStringLiteral("The example comes labelled: ten kinds of clothing."));

  // 6. Item transforms
  Card& itemTfms = addCard(DataStep::ItemTransforms, QStringLiteral("Item transforms"),
                           QStringLiteral("Applied to each image: make them all one size."));
  m_resizeWidth = named(intSpin(0, 2048, 8), "resizeWidth");
  m_resizeHeight = named(intSpin(0, 2048, 8), "resizeHeight");
  for (QSpinBox* s : {m_resizeWidth, m_resizeHeight}) {
    s->setSpecialValueText(QStringLiteral("keep"));
    s->setSuffix(QStringLiteral(" px"));
  }
  auto* sizeRow = new QWidget;
  auto* sizeLayout = new QHBoxLayout(sizeRow);
  sizeLayout->setContentsMargins(0, 0, 0, 0);
  sizeLayout->addWidget(m_resizeWidth);
  sizeLayout->addWidget(new QLabel(QStringLiteral("\u00d7")));
  sizeLayout->addWidget(m_resizeHeight);
  sizeLayout->addStretch(1);
  sizeRow->setToolTip(QStringLiteral("Width \u00d7 height; \"keep\" leaves the images' size"));
  m_resizeMethod = named(new QComboBox, "resizeMethod");
  addChoices(m_resizeMethod, {{"Squish", int(ResizeMethod::Squish)},
                              {"Crop", int(ResizeMethod::Crop)},
                              {"Pad", int(ResizeMethod::Pad)}});
  m_padMode = named(new QComboBox, "padMode");
  addChoices(m_padMode, {{"Zeros", int(PadMode::Zeros)}, {"Reflection", int(PadMode::Reflection)}});
  m_rrc = named(new QCheckBox(QStringLiteral("RandomResizedCrop (training only)")),
                "randomResizedCrop");
  m_rrcMinScale = named(realSpin(0.01, 1.0, 0.01), "rrcMinScale");
  m_rrcMinScale->setToolTip(QStringLiteral("The smallest part of the image a crop may keep"));
  itemTfms.form->addRow(QStringLiteral("Resize:"), sizeRow);
  itemTfms.form->addRow(QStringLiteral("Method:"), m_resizeMethod);
  itemTfms.form->addRow(QStringLiteral("Padding:"), m_padMode);
  itemTfms.form->addRow(m_rrc);
  itemTfms.form->addRow(QStringLiteral("Min scale:"), m_rrcMinScale);
  m_groupByAspect = named(new QCheckBox(QStringLiteral("Group by aspect ratio")), "groupByAspect");
  m_groupByAspect->setToolTip(QStringLiteral(
      "Each batch takes images of similar shape (wide, square or tall) and resizes them to that "
      "shape at about the Resize's pixel count, so they are squished, cropped or padded less. "
      "Validation and prediction give each image the shape nearest its own. Needs a Resize size "
      "and a model that pools before its head (the CNN or a ResNet)."));
  itemTfms.form->addRow(m_groupByAspect);

  // 7. Batch transforms
  Card& batchTfms = addCard(DataStep::BatchTransforms, QStringLiteral("Batch transforms"),
                            QStringLiteral("Applied to training batches (aug_transforms)."));
  m_augment = named(new QCheckBox(QStringLiteral("Augment (aug_transforms)")), "augment");
  m_flip = named(new QCheckBox(QStringLiteral("Flip left-right")), "flip");
  m_flipVertical = named(new QCheckBox(QStringLiteral("Flip up-down")), "flipVertical");
  m_maxRotate = named(realSpin(0, 180, 5, 0), "maxRotate");
  m_maxRotate->setSuffix(QStringLiteral("\u00b0"));
  m_maxZoom = named(realSpin(1, 3, 0.05), "maxZoom");
  m_maxWarp = named(realSpin(0, 1, 0.05), "maxWarp");
  m_maxLighting = named(realSpin(0, 1, 0.05), "maxLighting");
  m_maxLighting->setToolTip(QStringLiteral("How much brightness and contrast may change"));
  m_pAffine = named(realSpin(0, 1, 0.05), "pAffine");
  m_pAffine->setToolTip(QStringLiteral("Probability of rotating, zooming and warping"));
  m_pLighting = named(realSpin(0, 1, 0.05), "pLighting");
  m_pLighting->setToolTip(QStringLiteral("Probability of changing brightness and contrast"));
  m_normalize = named(new QComboBox, "normalize");
  addChoices(m_normalize, {{"With the data's statistics", int(NormalizeKind::Data)},
                           {"With ImageNet's statistics", int(NormalizeKind::ImageNet)},
                           {"None", int(NormalizeKind::None)}});
  batchTfms.form->addRow(m_augment);
  batchTfms.form->addRow(m_flip);
  batchTfms.form->addRow(m_flipVertical);
  batchTfms.form->addRow(QStringLiteral("Max rotate:"), m_maxRotate);
  batchTfms.form->addRow(QStringLiteral("Max zoom:"), m_maxZoom);
  batchTfms.form->addRow(QStringLiteral("Max warp:"), m_maxWarp);
  batchTfms.form->addRow(QStringLiteral("Max lighting:"), m_maxLighting);
  batchTfms.form->addRow(QStringLiteral("p affine:"), m_pAffine);
  batchTfms.form->addRow(QStringLiteral("p lighting:"), m_pLighting);
  batchTfms.form->addRow(QStringLiteral("Normalize:"), m_normalize);

  for (const Card& card : m_cards) cards->addWidget(card.box);
  cards->addStretch(1);

  auto* scroll = new QScrollArea;
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  scroll->setWidget(column);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(scroll);

  // Resize takes both sides or neither (the project file refuses one alone), and a square stays
  // square while the width is typed; the height alone makes it a rectangle. Connected before
  // the edit below, so that reports both sides at once.
  const auto pair = [this](QSpinBox* changed, QSpinBox* other, bool lead) {
    auto previous = std::make_shared<int>(changed->value());
    connect(changed, &QSpinBox::valueChanged, this, [this, other, previous, lead](int v) {
      const int before = std::exchange(*previous, v);
      const bool follow = (v == 0) != (other->value() == 0) || (lead && other->value() == before);
      if (m_filling || !follow) return;
      m_filling = true;
      other->setValue(v);
      m_filling = false;
    });
  };
  pair(m_resizeWidth, m_resizeHeight, true);
  pair(m_resizeHeight, m_resizeWidth, false);

  // Every control reports its edits the same way.
  for (QComboBox* c : findChildren<QComboBox*>())
    connect(c, &QComboBox::currentIndexChanged, this, &DataBlockEditor::edited);
  for (QLineEdit* e : findChildren<QLineEdit*>())
    if (qobject_cast<QAbstractSpinBox*>(e->parent()) == nullptr)
      connect(e, &QLineEdit::textEdited, this, &DataBlockEditor::edited);
  for (QSpinBox* s : findChildren<QSpinBox*>())
    connect(s, &QSpinBox::valueChanged, this, &DataBlockEditor::edited);
  for (QDoubleSpinBox* s : findChildren<QDoubleSpinBox*>())
    connect(s, &QDoubleSpinBox::valueChanged, this, &DataBlockEditor::edited);
  for (QCheckBox* c : findChildren<QCheckBox*>())
    connect(c, &QCheckBox::toggled, this, &DataBlockEditor::edited);
  connect(m_browse, &QPushButton::clicked, this, &DataBlockEditor::browse);

  setSpec(DataBlockSpec{}, QDir::currentPath());
  alignLabels();
}

void DataBlockEditor::alignLabels() {
  // One label column for all the cards, so the fields line up from card to card.
  std::vector<QWidget*> labels;
  int width = 0;
  for (const Card& card : m_cards)
    for (int row = 0; row < card.form->rowCount(); ++row)
      if (QLayoutItem* item = card.form->itemAt(row, QFormLayout::LabelRole)) {
        if (QWidget* label = item->widget()) {
          label->setMinimumWidth(0);
          labels.push_back(label);
          width = std::max(width, label->sizeHint().width());
        }
      }
  for (QWidget* label : labels) label->setMinimumWidth(width);
}

void DataBlockEditor::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  if (event->type() == QEvent::FontChange) alignLabels();  // the zoom changed the widths
}

DataBlockEditor::Card& DataBlockEditor::addCard(DataStep step, const QString& title,
                                                const QString& what) {
  Card& card = m_cards[int(step)];
  // A titled frame; the title is a label, so the options keep the plain font.
  card.box = new QGroupBox;
  card.box->setObjectName(QStringLiteral("card_") + statusName(step).mid(7));
  card.box->setToolTip(what);
  auto* heading = new QLabel(QStringLiteral("%1. %2").arg(int(step) + 1).arg(title));
  QFont bold;  // only the weight is set, so the size still follows the zoom
  bold.setBold(true);
  heading->setFont(bold);

  auto* layout = new QVBoxLayout(card.box);
  card.body = new QWidget;
  card.form = new QFormLayout(card.body);
  card.form->setContentsMargins(0, 0, 0, 0);
  card.form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  card.note = new QLabel;
  card.note->setWordWrap(true);
  card.note->hide();
  card.status = new QLabel;
  card.status->setObjectName(statusName(step));
  card.status->setWordWrap(true);
  card.status->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(heading);
  layout->addWidget(card.body);
  layout->addWidget(card.note);
  layout->addWidget(card.status);
  return card;
}

void DataBlockEditor::setSpec(const DataBlockSpec& spec, const QString& baseDir) {
  m_spec = spec;
  m_baseDir = baseDir;
  m_filling = true;
  select(m_sourceKind, int(spec.source));
  m_sourcePath->setText(text(spec.path));
  m_limit->setValue(spec.limit);
  m_csvPathColumn->setText(text(spec.csv.pathColumn));
  m_csvLabelColumn->setText(text(spec.csv.labelColumn));
  m_csvValidColumn->setText(text(spec.csv.validColumn));
  m_csvLabelDelimiter->setText(text(spec.csv.labelDelimiter));
  m_csvFolder->setText(text(spec.csv.folder));
  select(m_inputKind, int(spec.input));
  select(m_targetKind, int(spec.target));
  QStringList extensions;
  for (const std::string& e : spec.extensions) extensions << text(e);
  m_extensions->setText(extensions.join(QStringLiteral(", ")));
  select(m_splitKind, int(spec.split.kind));
  m_validPct->setValue(int(spec.split.validPct * 100 + 0.5));
  m_seed->setValue(int(std::min<std::uint64_t>(spec.split.seed, INT_MAX)));
  m_trainName->setText(text(spec.split.trainName));
  m_validName->setText(text(spec.split.validName));
  m_splitFile->setText(text(spec.split.file));
  select(m_labelKind, int(spec.label.kind));
  m_labelRegex->setText(text(spec.label.regex));
  m_resizeWidth->setValue(spec.resize.width);
  m_resizeHeight->setValue(spec.resize.height);
  select(m_resizeMethod, int(spec.resize.method));
  select(m_padMode, int(spec.resize.pad));
  m_rrc->setChecked(spec.randomResizedCrop.enabled);
  m_groupByAspect->setChecked(spec.groupByAspect);
  m_rrcMinScale->setValue(spec.randomResizedCrop.minScale);
  const AugmentOptions& a = spec.augment;
  m_augment->setChecked(a.enabled);
  m_flip->setChecked(a.flip);
  m_flipVertical->setChecked(a.flipVertical);
  m_maxRotate->setValue(a.maxRotate);
  m_maxZoom->setValue(a.maxZoom);
  m_maxWarp->setValue(a.maxWarp);
  m_maxLighting->setValue(a.maxLighting);
  m_pAffine->setValue(a.pAffine);
  m_pLighting->setValue(a.pLighting);
  select(m_normalize, int(spec.normalize));
  m_filling = false;
  updateVisibility();
  for (int s = 0; s < 7; ++s)
    setStatus(DataStep(s), StepCheck::State::NotChecked, QStringLiteral("Not checked yet."));
}

DataBlockSpec DataBlockEditor::spec() const {
  DataBlockSpec s = m_spec;
  s.source = SourceKind(choice(m_sourceKind));
  s.path = text(m_sourcePath);
  s.limit = m_limit->value();
  s.csv.pathColumn = text(m_csvPathColumn);
  s.csv.labelColumn = text(m_csvLabelColumn);
  s.csv.validColumn = text(m_csvValidColumn);
  s.csv.labelDelimiter = m_csvLabelDelimiter->text().toStdString();  // a space is a delimiter
  s.csv.folder = text(m_csvFolder);
  s.input = InputKind(choice(m_inputKind));
  s.target = TargetKind(choice(m_targetKind));
  s.extensions = parseExtensions(m_extensions->text());
  s.split.kind = SplitKind(choice(m_splitKind));
  s.split.validPct = m_validPct->value() / 100.0;
  s.split.seed = std::uint64_t(m_seed->value());
  s.split.trainName = text(m_trainName);
  s.split.validName = text(m_validName);
  s.split.file = text(m_splitFile);
  s.label.kind = LabelKind(choice(m_labelKind));
  s.label.regex = m_labelRegex->text().toStdString();
  s.resize.width = m_resizeWidth->value();
  s.resize.height = m_resizeHeight->value();
  s.resize.method = ResizeMethod(choice(m_resizeMethod));
  s.resize.pad = PadMode(choice(m_padMode));
  s.randomResizedCrop.enabled = m_rrc->isChecked();
  s.groupByAspect = m_groupByAspect->isChecked();
  s.randomResizedCrop.minScale = m_rrcMinScale->value();
  AugmentOptions& a = s.augment;
  a.enabled = m_augment->isChecked();
  a.flip = m_flip->isChecked();
  a.flipVertical = m_flipVertical->isChecked();
  a.maxRotate = m_maxRotate->value();
  a.maxZoom = m_maxZoom->value();
  a.maxWarp = m_maxWarp->value();
  a.maxLighting = m_maxLighting->value();
  a.pAffine = m_pAffine->value();
  a.pLighting = m_pLighting->value();
  s.normalize = NormalizeKind(choice(m_normalize));
  return s;
}

void DataBlockEditor::showChecks(const std::vector<StepCheck>& checks) {
  // After a failure the later cards were not really checked, whatever they report.
  bool failedBefore = false;
  for (const StepCheck& c : checks) {
    if (failedBefore)
      setStatus(c.step, StepCheck::State::NotChecked, {});
    else
      setStatus(c.step, c.state, QString::fromStdString(c.message));
    failedBefore = failedBefore || c.state == StepCheck::State::Failed;
  }
}

QString DataBlockEditor::stepStatus(DataStep step) const {
  return m_cards[int(step)].status->text();
}

void DataBlockEditor::setStatus(DataStep step, StepCheck::State state, const QString& message) {
  QLabel* label = m_cards[int(step)].status;
  QPalette pal = palette();
  switch (state) {
    case StepCheck::State::Ok:
      label->setText(QStringLiteral("\u2713 ") +
                     (message.isEmpty() ? QStringLiteral("Checked.") : message));
      pal.setColor(QPalette::WindowText, kOkColor);
      break;
    case StepCheck::State::Failed:
      label->setText(QStringLiteral("\u2717 ") + message);
      pal.setColor(QPalette::WindowText, kErrorColor);
      break;
    case StepCheck::State::NotChecked:
      label->setText(message.isEmpty() ? QStringLiteral("Not checked: an earlier step failed.")
                                       : message);
      pal.setColor(QPalette::WindowText, pal.color(QPalette::PlaceholderText));
      break;
  }
  label->setPalette(pal);
}

void DataBlockEditor::updateVisibility() {
  const auto source = SourceKind(choice(m_sourceKind));
  const bool csv = source == SourceKind::Csv;
  const bool example = source == SourceKind::FashionMnist;
  const auto split = SplitKind(choice(m_splitKind));
  const auto label = LabelKind(choice(m_labelKind));

  QFormLayout* f = m_cards[int(DataStep::Source)].form;
  f->setRowVisible(m_limit, example);
  f->setRowVisible(m_csvPathColumn, csv);
  f->setRowVisible(m_csvLabelColumn, csv && label == LabelKind::CsvColumn);
  f->setRowVisible(m_csvLabelDelimiter, csv && label == LabelKind::CsvColumn);
  f->setRowVisible(m_csvValidColumn, csv && split == SplitKind::CsvColumn);
  f->setRowVisible(m_csvFolder, csv);
  m_sourcePath->setPlaceholderText(csv ? QStringLiteral("the CSV file")
                                   : example
                                       ? QStringLiteral("the folder of the IDX files")
                                       : QStringLiteral("a folder with one folder per class"));

  // The example comes with its items, split and labels: those cards only say so.
  for (DataStep step : {DataStep::Items, DataStep::Split, DataStep::Label}) {
    m_cards[int(step)].body->setVisible(!example);
    m_cards[int(step)].note->setVisible(example);
  }
  f = m_cards[int(DataStep::Split)].form;
  f->setRowVisible(m_validPct, split == SplitKind::Random);
  f->setRowVisible(m_seed, split == SplitKind::Random);
  f->setRowVisible(m_trainName, split == SplitKind::Grandparent);
  f->setRowVisible(m_validName, split == SplitKind::Grandparent);
  f->setRowVisible(m_splitFile, split == SplitKind::FileList);
  m_cards[int(DataStep::Label)].form->setRowVisible(m_labelRegex, label == LabelKind::Regex);

  f = m_cards[int(DataStep::ItemTransforms)].form;
  f->setRowVisible(m_padMode, ResizeMethod(choice(m_resizeMethod)) == ResizeMethod::Pad);
  f->setRowVisible(m_rrcMinScale, m_rrc->isChecked());
  f->setRowVisible(m_groupByAspect, !example);  // the example's images are all 28x28

  f = m_cards[int(DataStep::BatchTransforms)].form;
  const bool augment = m_augment->isChecked();
  for (QWidget* w :
       std::initializer_list<QWidget*>{m_flip, m_flipVertical, m_maxRotate, m_maxZoom, m_maxWarp,
                                       m_maxLighting, m_pAffine, m_pLighting})
    f->setRowVisible(w, augment);
}

void DataBlockEditor::edited() {
  updateVisibility();
  if (!m_filling) Q_EMIT specChanged();
}

QString DataBlockEditor::shownPath(const QString& absolute) const {
  const QString relative = QDir(m_baseDir).relativeFilePath(absolute);
  return relative.startsWith(QStringLiteral("..")) ? QDir::cleanPath(absolute) : relative;
}

void DataBlockEditor::browse() {
  const auto kind = SourceKind(choice(m_sourceKind));
  const QString start = QDir(m_baseDir).absoluteFilePath(m_sourcePath->text().trimmed());
  const QString chosen =
      kind == SourceKind::Csv
          ? QFileDialog::getOpenFileName(this, QStringLiteral("Choose the CSV file"), start,
                                         QStringLiteral("CSV files (*.csv);;All files (*)"))
          : QFileDialog::getExistingDirectory(
                this,
                kind == SourceKind::Folder ? QStringLiteral("Choose the folder of images")
                                           : QStringLiteral("Choose the Fashion-MNIST folder"),
                start);
  if (chosen.isEmpty()) return;
  m_sourcePath->setText(shownPath(chosen));
  edited();
}

void DataBlockEditor::dragEnterEvent(QDragEnterEvent* event) {
  if (!droppedFolder(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void DataBlockEditor::dropEvent(QDropEvent* event) {
  const QString folder = droppedFolder(event->mimeData());
  if (folder.isEmpty()) return;
  event->acceptProposedAction();
  m_filling = true;  // one specChanged for the whole drop
  select(m_sourceKind, int(SourceKind::Folder));
  m_sourcePath->setText(shownPath(folder));
  m_filling = false;
  edited();
}

}  // namespace lb
