#include "widgets/export_page.h"

#include <QComboBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMimeData>
#include <QPushButton>
#include <QShortcut>
#include <QTemporaryDir>
#include <QVBoxLayout>
#include <algorithm>
#include <exception>
#include <utility>

#include "engine/experiment/export.h"
#include "engine/util/error.h"
#include "engine/util/runtime.h"
#include "widgets/pixels_to_qimage.h"
#include "widgets/plot_export.h"

namespace lb {
namespace {

constexpr int kTopClasses = 5;
constexpr int kSamples = 30;
const QColor kBarColour = paletteColor(palette::kBlue);  // Okabe-Ito blue

QString qs(const std::string& s) { return QString::fromStdString(s); }

// userMessage's sentence for the exception being handled; only inside a catch block.
QString caughtMessage() { return qs(userMessage(std::current_exception())); }

// The first local file among dropped URLs, or an empty string.
QString droppedFile(const QMimeData* mime) {
  if (!mime || !mime->hasUrls()) return {};
  for (const QUrl& url : mime->urls())
    if (url.isLocalFile()) return url.toLocalFile();
  return {};
}

}  // namespace

ExportPage::ExportPage(QWidget* parent) : QWidget(parent) {
  setAcceptDrops(true);
  m_exportButton = new QPushButton(tr("Export model…"), this);
  m_exportButton->setToolTip(
      tr("Write the trained model as one TorchScript file (with its labels and input settings) "
         "that Python's torch.jit.load and learnbench-cli predict can use"));
  m_exportButton->setEnabled(false);
  m_openButton = new QPushButton(tr("Open model…"), this);
  m_openButton->setToolTip(tr("Predict with another exported model file"));
  m_chooseButton = new QPushButton(tr("Choose image…"), this);
  m_chooseButton->setObjectName(QStringLiteral("chooseImageButton"));
  m_chooseButton->setToolTip(tr("Predict an image file of your own (or drop one on the page)"));
  m_revealButton = new QPushButton(tr("Reveal"), this);
  m_revealButton->setObjectName(QStringLiteral("revealButton"));
  m_revealButton->setToolTip(tr("Show what the model predicts (space)"));
  m_revealButton->hide();
  auto* space = new QShortcut(QKeySequence(Qt::Key_Space), this);
  space->setContext(Qt::WidgetWithChildrenShortcut);
  connect(space, &QShortcut::activated, this, &ExportPage::reveal);
  connect(m_revealButton, &QPushButton::clicked, this, &ExportPage::reveal);
  m_exportStatus = new QLabel(tr("Open a project to export its trained model."), this);
  m_exportStatus->setWordWrap(true);
  m_modelStatus = new QLabel(
      tr("Export the model or open a model file, then drop an image here or pick a validation "
         "image to see what the model predicts."),
      this);
  m_modelStatus->setWordWrap(true);
  m_sampleBox = new QComboBox(this);
  m_sampleBox->setEnabled(false);
  m_sampleBox->setPlaceholderText(tr("Validation images appear here once a project is open"));
  m_sampleBox->setToolTip(tr("A validation image with its actual label"));

  m_image = new QLabel(tr("Drop an image here"), this);
  m_image->setAlignment(Qt::AlignCenter);
  m_image->setMinimumSize(240, 240);
  m_image->setFrameShape(QFrame::StyledPanel);
  m_caption = new QLabel(this);
  m_caption->setAlignment(Qt::AlignCenter);
  m_caption->setWordWrap(true);

  m_plot = new QCustomPlot(this);
  m_plot->setMinimumSize(360, 240);
  m_bars = new QCPBars(m_plot->yAxis, m_plot->xAxis);  // horizontal: keys on the y axis
  m_bars->setWidthType(QCPBars::wtPlotCoords);
  m_bars->setWidth(0.7);
  m_bars->setPen(Qt::NoPen);
  m_bars->setBrush(kBarColour);
  m_plot->xAxis->setLabel(tr("probability"));
  m_plot->xAxis->setRange(0, 1.15);
  m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
  m_plot->yAxis->grid()->setVisible(false);
  m_placeholder = addPlaceholder(m_plot, tr("The most likely classes appear here"));
  addPlotContextMenu(m_plot);

  auto* top = new QHBoxLayout;
  top->addWidget(m_exportButton);
  top->addWidget(m_exportStatus, 1);
  auto* predictRow = new QHBoxLayout;
  predictRow->addWidget(m_openButton);
  predictRow->addWidget(m_chooseButton);
  predictRow->addWidget(new QLabel(tr("Validation image:"), this));
  predictRow->addWidget(m_sampleBox, 1);
  auto* imageColumn = new QVBoxLayout;
  imageColumn->addWidget(m_image, 1);
  imageColumn->addWidget(m_caption);
  auto* result = new QHBoxLayout;
  result->addLayout(imageColumn, 2);
  result->addWidget(m_plot, 3);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addLayout(predictRow);
  auto* statusRow = new QHBoxLayout;
  statusRow->addWidget(m_modelStatus, 1);
  statusRow->addWidget(m_revealButton);
  layout->addLayout(statusRow);
  layout->addLayout(result, 1);

  connect(m_exportButton, &QPushButton::clicked, this, &ExportPage::chooseExportFile);
  connect(m_openButton, &QPushButton::clicked, this, &ExportPage::chooseModelFile);
  connect(m_chooseButton, &QPushButton::clicked, this, &ExportPage::chooseImage);
  connect(m_sampleBox, &QComboBox::activated, this, &ExportPage::predictSample);
  restyle();
}

ExportPage::~ExportPage() = default;

void ExportPage::setProject(const Project& project) {
  m_project = project;
  m_hasProject = true;
  std::error_code ec;
  const bool trained = std::filesystem::exists(project.lastCheckpoint(), ec);
  m_exportButton->setEnabled(trained && !m_exporting);
  const QString why = tr("Train first: there is no trained model to export yet.");
  m_exportButton->setToolTip(trained ? tr("Write the trained model as one TorchScript file") : why);
  m_exportStatus->setText(
      trained ? tr("Export writes the latest trained model of %1.").arg(qs(project.name)) : why);
  if (m_modelIsLatest || !m_model) {
    m_model.reset();
    m_modelIsLatest = false;
    m_latestJob.cancel();  // an export of the previous checkpoint still running is stale
    m_loadingLatest = false;
  }
  // The rest waits until the page is shown: a run that just ended need not share the cores
  // with an export nobody looks at.
  m_refreshPending = true;
  if (isVisible()) refresh();
}

void ExportPage::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (m_refreshPending) refresh();
}

void ExportPage::refresh() {
  m_refreshPending = false;
  std::error_code ec;
  if (!m_model && !m_loadingLatest && std::filesystem::exists(m_project.lastCheckpoint(), ec))
    useLatestModel();

  // Reading the validation set can take a moment (the example decodes its IDX files).
  m_samples.clear();
  m_sampleBox->clear();
  m_sampleBox->setEnabled(false);
  m_sampleBox->setPlaceholderText(tr("Reading the validation images…"));
  const DataBlockSpec spec = m_project.data;
  const std::filesystem::path base = m_project.folder();
  auto show = [this](std::vector<ValidationSample> samples, const QString& error) {
    m_samples = std::move(samples);
    m_sampleBox->clear();
    for (const auto& s : m_samples)
      m_sampleBox->addItem(qs(s.name) + QStringLiteral(" — ") + qs(s.label));
    m_sampleBox->setEnabled(!m_samples.empty());
    m_sampleBox->setPlaceholderText(error.isEmpty() ? tr("Pick a validation image")
                                                    : tr("No validation images: %1").arg(error));
    m_sampleBox->setCurrentIndex(-1);
  };
  m_samplesJob.start(
      [spec, base] {
        useHelperThread();
        return validationSamples(spec, base, kSamples);
      },
      [show](std::vector<ValidationSample> samples) { show(std::move(samples), QString()); },
      [show](const QString& error) { show({}, error); });
}

bool ExportPage::canExport() const { return m_exportButton->isEnabled(); }
QString ExportPage::statusText() const { return m_modelStatus->text(); }
QString ExportPage::actualLabel() const { return m_actual; }
QString ExportPage::captionText() const { return m_caption->text(); }
QStringList ExportPage::barLabels() const { return m_barLabels; }
std::vector<double> ExportPage::barValues() const { return m_barValues; }
int ExportPage::validationSampleCount() const { return int(m_samples.size()); }

void ExportPage::chooseExportFile() {
  const QString suggested =
      QString::fromStdString((m_project.folder() / (m_project.file.stem().string().empty()
                                                        ? std::string("model")
                                                        : m_project.file.stem().string()))
                                 .string()) +
      QStringLiteral(".pt");
  const QString file = QFileDialog::getSaveFileName(this, tr("Export model"), suggested,
                                                    tr("TorchScript model (*.pt)"));
  if (!file.isEmpty()) exportTo(file);
}

void ExportPage::chooseModelFile() {
  const QString file = QFileDialog::getOpenFileName(
      this, tr("Open model"), QString::fromStdString(m_project.folder().string()),
      tr("TorchScript model (*.pt)"));
  if (!file.isEmpty()) loadModel(file);
}

void ExportPage::chooseImage() {
  const QString folder =
      QString::fromStdString((m_hasProject ? m_project.dataPath() : std::filesystem::path()).string());
  const QString file = QFileDialog::getOpenFileName(
      this, tr("Choose an image to predict"), QFileInfo(folder).isDir() ? folder : QString(),
      tr("Images (*.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff);;All files (*)"));
  if (!file.isEmpty()) predictFile(file);
}

void ExportPage::startExport(LatestJob<void>& job, const std::filesystem::path& out,
                             std::function<void(const QString&)> done) {
  const Project project = m_project;
  job.start(
      [project, out] {
        useHelperThread();
        exportModel(project, project.lastCheckpoint(), out);
      },
      [done] { done(QString()); }, done);
}

void ExportPage::exportTo(const QString& file) {
  if (!m_hasProject || m_exporting) return;
  std::error_code ec;
  if (!std::filesystem::exists(m_project.lastCheckpoint(), ec)) {
    fail(tr("Train first: there is no trained model to export yet."));
    return;
  }
  m_exporting = true;
  m_exportButton->setEnabled(false);
  m_exportStatus->setText(tr("Exporting to %1…").arg(file));
  startExport(m_exportJob, file.toStdString(), [this, file](const QString& error) {
    m_exporting = false;
    m_exportButton->setEnabled(true);
    if (!error.isEmpty()) {
      m_exportStatus->setText(error);
      fail(error);
      return;
    }
    m_exportStatus->setText(tr("Exported to %1.").arg(QDir::toNativeSeparators(file)));
    Q_EMIT exported(file);
    loadModel(file);
  });
}

void ExportPage::useLatestModel() {
  if (!m_latestDir) m_latestDir = std::make_unique<QTemporaryDir>();
  m_loadingLatest = true;
  setStatus(tr("Getting the latest trained model of %1 ready…").arg(qs(m_project.name)));
  const QString file = m_latestDir->filePath(QStringLiteral("latest-%1.pt").arg(++m_latestFiles));
  // A newer project or checkpoint drops this result (m_latestJob).
  startExport(m_latestJob, file.toStdString(), [this, file](const QString& error) {
    m_loadingLatest = false;
    const int pending = std::exchange(m_pendingSample, -1);
    if (!error.isEmpty()) {
      fail(tr("The latest trained model could not be used: %1").arg(error));
      return;
    }
    if (m_model && !m_modelIsLatest) return;  // the user opened a model meanwhile
    loadModel(file);
    if (!m_model) return;
    m_modelIsLatest = true;
    setStatus(tr("Predicting with the latest trained model of %1 (%n classes): drop an image "
                 "here or pick a validation image.",
                 nullptr, int(m_model->info.labels.size()))
                  .arg(qs(m_project.name)));
    if (pending >= 0) predictSample(pending);
  });
}

void ExportPage::loadModel(const QString& file) {
  try {
    m_model = std::make_shared<ExportedModel>(loadExportedModel(file.toStdString()));
  } catch (...) {
    fail(caughtMessage());
    return;
  }
  m_modelFile = file;
  m_modelIsLatest = false;
  setStatus(tr("Predicting with %1 (%n classes): drop an image here or pick a validation image.",
               nullptr, int(m_model->info.labels.size()))
                .arg(QFileInfo(file).fileName()));
  Q_EMIT modelLoaded(file);
}

void ExportPage::predictFile(const QString& image) {
  if (!m_model && m_loadingLatest) {
    setStatus(tr("The latest trained model is still being made ready: drop the image again in "
                 "a moment."));
    return;
  }
  if (!m_model) {
    fail(tr("Open a model first: export the project or press Open model…"));
    return;
  }
  // One small image on one small model takes milliseconds: no worker thread needed.
  Prediction p;
  try {
    p = predictImages(*m_model, {image.toStdString()}, kTopClasses).at(0);
  } catch (...) {
    fail(caughtMessage());
    return;
  }
  if (!p.error.empty()) {
    fail(tr("%1 could not be read: %2.").arg(QFileInfo(image).fileName(), qs(p.error)));
    return;
  }
  // A file of the project's data block has an actual label.
  QString actual;
  for (const auto& s : m_samples)
    if (!s.file.empty() && QFileInfo(QString::fromStdString(s.file.string())) == QFileInfo(image))
      actual = qs(s.label);
  if (actual.isEmpty() && m_hasProject)
    actual = qs(knownLabel(m_project.data, m_project.folder(), image.toStdString()));
  showImage(QImage(image), actual);
  showPrediction(p, QFileInfo(image).fileName());
  Q_EMIT predicted(image);
}

void ExportPage::predictSample(int index) {
  if (index < 0 || index >= int(m_samples.size())) return;
  const ValidationSample& s = m_samples[std::size_t(index)];
  if (m_sampleBox->currentIndex() != index) m_sampleBox->setCurrentIndex(index);
  showImage(pixelsToQImage(s.image), qs(s.label));
  if (!m_model && m_loadingLatest) {
    m_pendingSample = index;  // predicted as soon as the model is ready
    return;
  }
  if (!m_model) {
    fail(tr("Open a model first: export the project or press Open model…"));
    return;
  }
  Prediction p;
  try {
    p = predictImage(*m_model, s.image, kTopClasses);
  } catch (...) {
    fail(caughtMessage());
    return;
  }
  if (!p.error.empty()) {
    fail(tr("%1 could not be predicted: %2.").arg(qs(s.name), qs(p.error)));
    return;
  }
  showPrediction(p, qs(s.name));
  Q_EMIT predicted(s.file.empty() ? qs(s.name) : QString::fromStdString(s.file.string()));
}

void ExportPage::showImage(const QImage& image, const QString& actual) {
  m_actual = actual;
  m_wrong = false;
  m_answerHidden = false;  // the next prediction decides
  m_revealButton->hide();
  m_plot->show();
  m_caption->setPalette(palette());
  const int tile = fontMetrics().height() * 20;  // grows with the global zoom
  m_image->setPixmap(QPixmap::fromImage(fitToTile(image, tile)));
  m_caption->setText(actual.isEmpty() ? tr("actual: unknown") : tr("actual: %1").arg(actual));
}

void ExportPage::showPrediction(const Prediction& prediction, const QString& name) {
  m_barLabels.clear();
  m_barValues.clear();
  for (const auto& [label, value] : prediction.top) {
    m_barLabels << qs(label);
    m_barValues.push_back(value);
  }
  // Best first, at the top: the highest key is drawn highest.
  const int n = int(m_barValues.size());
  QVector<double> keys, values;
  auto ticker = QSharedPointer<QCPAxisTickerText>::create();
  for (auto* item : m_valueLabels) m_plot->removeItem(item);
  m_valueLabels.clear();
  double most = 1;
  for (int i = 0; i < n; ++i) {
    const double key = n - i;
    keys << key;
    values << m_barValues[std::size_t(i)];
    ticker->addTick(key, m_barLabels[i]);
    most = std::max(most, m_barValues[std::size_t(i)]);
    auto* text = new QCPItemText(m_plot);
    text->position->setAxes(m_plot->xAxis, m_plot->yAxis);
    text->position->setCoords(m_barValues[std::size_t(i)], key);
    text->setPositionAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    text->setPadding(QMargins(6, 0, 0, 0));
    text->setText(QString::number(m_barValues[std::size_t(i)], 'f', 2));
    m_valueLabels.push_back(text);
  }
  m_bars->setData(keys, values, true);
  m_plot->yAxis->setTicker(ticker);
  m_plot->yAxis->setRange(0.4, n + 0.6);
  m_plot->xAxis->setRange(0, most * 1.15);  // room for the value labels
  m_placeholder->setVisible(false);
  restyle();
  const QString best = m_barLabels.isEmpty() ? QString() : m_barLabels.front();
  // Right or wrong only when the actual label is one of the model's classes (one label).
  bool known = false;
  for (const std::string& label : m_model ? m_model->info.labels : std::vector<std::string>{})
    known = known || qs(label) == m_actual;
  m_wrong = known && best != m_actual;
  m_known = known;
  m_answerCaption = m_wrong ? tr("wrong: true label %1").arg(m_actual)
                            : tr("right: true label %1").arg(m_actual);
  m_answer = (m_actual.isEmpty()
                ? tr("%1: predicted %2 (%3).")
                      .arg(name, best, QString::number(m_barValues.front(), 'f', 2))
            : m_wrong ? tr("%1: predicted %2 (%3), wrong: the true label is %4.")
                            .arg(name, best, QString::number(m_barValues.front(), 'f', 2), m_actual)
                      : tr("%1: predicted %2 (%3), actually %4.")
                            .arg(name, best, QString::number(m_barValues.front(), 'f', 2), m_actual));
  m_question = m_actual.isEmpty()
                   ? tr("%1: what will the model say? Reveal (space) shows its answer.").arg(name)
                   : tr("%1 is actually %2: what will the model say? Reveal (space) shows its "
                        "answer.").arg(name, m_actual);
  m_answerHidden = m_guessFirst;
  showAnswer();
}

void ExportPage::setGuessFirst(bool on) {
  m_guessFirst = on;
  if (!on) reveal();
}

void ExportPage::reveal() {
  if (!m_answerHidden) return;
  m_answerHidden = false;
  showAnswer();
}

void ExportPage::showAnswer() {
  m_plot->setVisible(!m_answerHidden);
  m_revealButton->setVisible(m_answerHidden);
  if (m_known && !m_answerHidden) {
    QPalette pal = palette();
    pal.setColor(QPalette::WindowText,
                 paletteColor(m_wrong ? palette::kVermillion : palette::kBluishGreen));
    m_caption->setPalette(pal);
    m_caption->setText(m_answerCaption);
  }
  setStatus(m_answerHidden ? m_question : m_answer);
}

void ExportPage::fail(const QString& sentence) {
  setStatus(sentence);
  Q_EMIT failed(sentence);
}

void ExportPage::setStatus(const QString& text) { m_modelStatus->setText(text); }

void ExportPage::dragEnterEvent(QDragEnterEvent* event) {
  if (!droppedFile(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void ExportPage::dropEvent(QDropEvent* event) {
  const QString file = droppedFile(event->mimeData());
  if (file.isEmpty()) return;
  event->acceptProposedAction();
  predictFile(file);
}

void ExportPage::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  if (event->type() == QEvent::FontChange || event->type() == QEvent::PaletteChange) restyle();
}

// Larger type than the page's for the chart, which a class reads from the back of the room.
void ExportPage::restyle() {
  QFont big = font();
  big.setPointSizeF(big.pointSizeF() * 1.25);
  stylePlot(m_plot, big, palette());
  stylePlaceholder(m_placeholder, font(), palette());
  QFont bold = big;
  bold.setBold(true);
  for (auto* text : m_valueLabels) {
    text->setFont(bold);
    text->setColor(palette().color(QPalette::Text));
  }
  QFont caption = font();
  caption.setPointSizeF(caption.pointSizeF() * 1.25);
  m_caption->setFont(caption);
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace lb
