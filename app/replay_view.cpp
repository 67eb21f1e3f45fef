#include "app/replay_view.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QStyle>
#include <QTimer>
#include <QVBoxLayout>
#include <cmath>
#include <mutex>

#include "app/page_style.h"
#include "app/training_session.h"
#include "engine/experiment/experiment.h"
#include "engine/project/run_replay.h"
#include "engine/util/error.h"
#include "widgets/confusion_matrix_view.h"
#include "widgets/loss_plot.h"
#include "widgets/pixels_to_qimage.h"
#include "widgets/text_format.h"
#include "widgets/top_losses_view.h"

namespace lb {

namespace {
constexpr int kPlayMs = 1000;  // an epoch a second
constexpr int kPinnedSide = 224;

// The run's data and model, built once on the pool's thread and shared by the jobs (one at a
// time: LatestJob's OneAtATime).
struct ExperimentHolder {
  std::mutex mutex;
  Project project;
  std::unique_ptr<Experiment> experiment;
  Experiment& get() {
    if (!experiment) experiment = std::make_unique<Experiment>(project);
    return *experiment;
  }
};
}  // namespace

struct ReplayData {
  StoredRun run;
  std::vector<StoredBatch> batches;
  int batchesPerEpoch = 1;
  std::vector<std::vector<StoredPrediction>> predictions;  // per epoch, loaded when first shown
  std::vector<TopLoss> topLosses;                          // of the epoch shown
  Confusion confusion;                                     // of the epoch shown
  std::shared_ptr<ExperimentHolder> holder = std::make_shared<ExperimentHolder>();

  const std::vector<StoredPrediction>& at(int epoch) {
    auto& p = predictions[std::size_t(epoch)];
    if (p.empty()) p = loadPredictions(run, epoch);
    return p;
  }
};

ReplayView::ReplayView(const Project& project, StoredRun run, QWidget* parent)
    : QWidget(parent), m_data(std::make_unique<ReplayData>()) {
  if (run.epochs.empty())
    throw Error("The run " + run.label() + " has no finished epoch to replay.");
  if (run.info.classes.empty() || run.info.metricName != "accuracy")
    throw Error("Only runs that predict one class per image can be replayed; " + run.label() +
                " predicts " + (run.info.metricName == "mae" ? "numbers." : "several labels."));
  m_data->run = std::move(run);
  m_data->batches = loadBatches(m_data->run);
  for (const StoredBatch& b : m_data->batches)
    m_data->batchesPerEpoch = std::max(m_data->batchesPerEpoch, b.batch + 1);
  m_data->predictions.resize(m_data->run.epochs.size());
  // The run's data block, model and training settings, read from the project's folder.
  Project p = project;
  p.data = m_data->run.settings.data;
  p.model = m_data->run.settings.model;
  p.train = m_data->run.settings.train;
  m_data->holder->project = p;

  setWindowTitle(QStringLiteral("Replay of %1").arg(QString::fromStdString(m_data->run.label())));
  auto* layout = new QVBoxLayout(this);
  m_title = pageTitle(windowTitle());
  layout->addWidget(m_title);

  auto* row = new QHBoxLayout;
  m_play = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), QStringLiteral("&Play"));
  m_play->setObjectName(QStringLiteral("replayPlay"));
  m_play->setToolTip(QStringLiteral("Play the run epoch by epoch, one a second (Space)"));
  m_play->setShortcut(Qt::Key_Space);
  m_play->setProperty(kTallProperty, true);
  row->addWidget(m_play);
  m_slider = new QSlider(Qt::Horizontal);
  m_slider->setObjectName(QStringLiteral("replaySlider"));
  m_slider->setRange(0, epochs() - 1);
  m_slider->setPageStep(1);
  m_slider->setTickPosition(QSlider::TicksBelow);
  m_slider->setToolTip(QStringLiteral("Drag to an epoch, or use the arrow keys"));
  row->addWidget(m_slider, 1);
  m_epochText = new QLabel;
  m_epochText->setObjectName(QStringLiteral("replayEpoch"));
  row->addWidget(m_epochText);
  layout->addLayout(row);

  m_lossPlot = new LossPlot;
  m_confusion = new ConfusionMatrixView;
  m_topLosses = new TopLossesView;
  m_topLosses->setClasses(m_data->run.info.classes);

  auto* pinned = new QWidget;
  auto* pinnedLayout = new QVBoxLayout(pinned);
  auto* pinRow = new QHBoxLayout;
  m_pinnedSpin = new QSpinBox;
  m_pinnedSpin->setObjectName(QStringLiteral("pinnedItem"));
  m_pinnedSpin->setRange(1, int(std::max<std::size_t>(1, m_data->at(0).size())));
  m_pinnedSpin->setToolTip(
      QStringLiteral("The validation image whose Grad-CAM follows the epochs (its number)"));
  auto* pinLabel = new QLabel(QStringLiteral("Pinned &image"));
  pinLabel->setBuddy(m_pinnedSpin);
  pinRow->addWidget(pinLabel);
  pinRow->addWidget(m_pinnedSpin);
  pinRow->addStretch(1);
  pinnedLayout->addLayout(pinRow);
  m_pinnedImage = new QLabel;
  m_pinnedImage->setAlignment(Qt::AlignCenter);
  m_pinnedImage->setMinimumSize(kPinnedSide, kPinnedSide);
  pinnedLayout->addWidget(m_pinnedImage);
  m_pinnedText = wrappedLabel();
  m_pinnedText->setObjectName(QStringLiteral("pinnedText"));
  pinnedLayout->addWidget(m_pinnedText);
  pinnedLayout->addStretch(1);

  auto* top = new QSplitter(Qt::Horizontal);
  top->addWidget(m_lossPlot);
  top->addWidget(m_confusion);
  top->setSizes({500, 500});
  auto* bottom = new QSplitter(Qt::Horizontal);
  bottom->addWidget(m_topLosses);
  bottom->addWidget(pinned);
  bottom->setSizes({700, 300});
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(top);
  split->addWidget(bottom);
  split->setChildrenCollapsible(false);
  layout->addWidget(split, 1);

  m_playTimer = new QTimer(this);
  m_playTimer->setInterval(kPlayMs);
  connect(m_playTimer, &QTimer::timeout, this, [this] {
    if (epoch() + 1 >= epochs()) {
      m_playTimer->stop();
      m_play->setText(QStringLiteral("&Play"));
      return;
    }
    setEpoch(epoch() + 1);
  });
  connect(m_play, &QPushButton::clicked, this, [this] {
    if (m_playTimer->isActive()) {
      m_playTimer->stop();
      m_play->setText(QStringLiteral("&Play"));
    } else {
      play();
    }
  });
  connect(m_slider, &QSlider::valueChanged, this, &ReplayView::showEpoch);
  connect(m_pinnedSpin, &QSpinBox::valueChanged, this, [this](int n) { pin(n - 1); });

  // The image pinned first: the one the run got most wrong at its end, to follow from the start.
  const auto last = storedTopLosses(m_data->at(epochs() - 1), 1);
  m_pinned = last.empty() ? 0 : last.front().index;
  {
    const QSignalBlocker block(m_pinnedSpin);
    m_pinnedSpin->setValue(int(m_pinned) + 1);
  }
  showEpoch(0);
}

ReplayView::~ReplayView() = default;

int ReplayView::epochs() const { return int(m_data->run.epochs.size()); }
int ReplayView::epoch() const { return m_slider->value(); }
const Confusion& ReplayView::confusion() const { return m_data->confusion; }

void ReplayView::setEpoch(int e) { m_slider->setValue(e); }

void ReplayView::play() {
  if (epoch() + 1 >= epochs()) setEpoch(0);
  m_play->setText(QStringLiteral("&Pause"));
  m_playTimer->start();
}

void ReplayView::pin(long item) {
  m_pinned = item;
  {
    const QSignalBlocker block(m_pinnedSpin);
    m_pinnedSpin->setValue(int(item) + 1);
  }
  m_imagesEpoch = -1;
  requestImages();
}

void ReplayView::showEpoch(int e) {
  const StoredRun& run = m_data->run;
  const EpochResult& r = run.epochs[std::size_t(e)];
  m_epochText->setText(QStringLiteral("Epoch %1 of %2 · valid loss %3 · %4")
                           .arg(e + 1)
                           .arg(epochs())
                           .arg(formatLoss(r.validLoss),
                                formatMetric(run.info.metricName, r.metric)));
  // The loss curve up to the end of this epoch.
  m_lossPlot->clear();
  for (const StoredBatch& b : batchesUpTo(m_data->batches, r.epoch)) {
    BatchProgress p;
    p.epoch = b.epoch;
    p.epochs = epochs();
    p.batch = b.batch;
    p.batches = m_data->batchesPerEpoch;
    p.loss = b.loss;
    p.smoothLoss = b.smoothLoss;
    p.lr = b.lr;
    p.mom = b.mom;
    m_lossPlot->addBatch(p);
  }
  for (int i = 0; i <= e; ++i) m_lossPlot->addEpoch(run.epochs[std::size_t(i)]);
  m_lossPlot->redraw();

  const auto& predictions = m_data->at(e);
  m_data->confusion = storedConfusion(predictions, int(run.info.classes.size()));
  m_confusion->setConfusion(m_data->confusion, run.info.classes);
  m_data->topLosses = storedTopLosses(predictions, kDefaultTopLosses);
  m_imagesEpoch = -1;
  requestImages();
}

void ReplayView::requestImages() {
  const int e = epoch();
  std::vector<long> items;
  for (const TopLoss& t : m_data->topLosses) items.push_back(t.index);
  const long pinned = m_pinned;
  const auto& predictions = m_data->at(e);
  const int predicted =
      pinned >= 0 && pinned < long(predictions.size())
          ? int(std::lround(predictions[std::size_t(pinned)].predicted))
          : 0;
  const std::filesystem::path checkpoint = epochCheckpoint(m_data->run, e);
  const int kept = m_data->run.settings.train.epochCheckpoints;
  auto holder = m_data->holder;
  m_pinnedText->setText(QStringLiteral("Loading the run's images..."));
  m_job.start(
      [=] {
        const std::lock_guard lock(holder->mutex);
        Experiment& experiment = holder->get();
        ReplayImages out;
        out.epoch = e;
        out.topLossImages = experiment.validImages(items);
        out.pinnedImage = experiment.validImages({pinned}).front();
        if (checkpoint.empty())
          out.camProblem =
              kept > 0 ? "The run kept the checkpoints of its last " + std::to_string(kept) +
                             " epochs only, so this epoch's Grad-CAM cannot be drawn."
                       : "The run kept no checkpoint per epoch (Checkpoints for replay, on "
                         "the Train page), so this epoch's Grad-CAM cannot be drawn.";
        else
          out.pinnedCam = experiment.gradCamOf(pinned, predicted, checkpoint);
        return out;
      },
      [this](const ReplayImages& images) { onImages(images); },
      [this](const QString& sentence) { m_pinnedText->setText(sentence); });
}

ReplayCheckpointsBox::ReplayCheckpointsBox(TrainingSession* session, QWidget* parent)
    : QWidget(parent), m_session(session) {
  m_spin = new QSpinBox;
  m_spin->setObjectName(QStringLiteral("epochCheckpointsSpin"));
  m_spin->setRange(0, kMaxEpochs);
  m_spin->setPrefix(QStringLiteral("last "));
  m_spin->setSuffix(QStringLiteral(" epochs"));
  m_spin->setSpecialValueText(QStringLiteral("none"));
  m_spin->setToolTip(QStringLiteral(
      "How many of a run's last epochs keep a checkpoint of their own, so Replay (on the Runs "
      "page) can show where the model looked after each of them. Each costs the model's size on "
      "disk (about 2.6 MB for the default CNN); none keeps only the last and the best."));
  auto* label = new QLabel(QStringLiteral("Checkpoints for re&play"));
  label->setBuddy(m_spin);
  label->setToolTip(m_spin->toolTip());
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(label);
  layout->addWidget(m_spin);
  const auto show = [this] {
    const QSignalBlocker block(m_spin);
    m_spin->setValue(m_session->project().train.epochCheckpoints);
  };
  connect(session, &TrainingSession::projectChanged, this, show);
  connect(session, &TrainingSession::trainSettingsChanged, this, show);
  connect(session, &TrainingSession::stateChanged, this,
          [this] { m_spin->setEnabled(m_session->can(Action::EditRunSettings)); });
  connect(m_spin, &QSpinBox::valueChanged, session, &TrainingSession::setEpochCheckpoints);
  show();
  m_spin->setEnabled(session->can(Action::EditRunSettings));
}

ReplayView* openReplay(const Project& project, const StoredRun& run, QWidget* parent,
                       QString* why) {
  try {
    auto* view = new ReplayView(project, run, parent);
    view->setWindowFlag(Qt::Window);
    view->setAttribute(Qt::WA_DeleteOnClose);
    view->resize(1280, 800);
    view->show();
    return view;
  } catch (const std::exception& e) {
    if (why) *why = QString::fromStdString(userMessage(e));
    return nullptr;
  }
}

void ReplayView::onImages(const ReplayImages& images) {
  if (images.epoch != epoch()) return;
  std::vector<TopLossTile> tiles;
  for (std::size_t i = 0; i < m_data->topLosses.size() && i < images.topLossImages.size(); ++i) {
    TopLossTile t;
    t.item = m_data->topLosses[i];
    t.image = images.topLossImages[i];
    tiles.push_back(std::move(t));
  }
  m_topLosses->setTiles(std::move(tiles));

  QImage image = fitToTile(pixelsToQImage(images.pinnedImage), kPinnedSide)
                     .convertToFormat(QImage::Format_RGB32);
  if (!images.pinnedCam.values.empty()) {
    QPainter painter(&image);
    painter.drawImage(image.rect(), heatMapToQImage(images.pinnedCam, 110));
  }
  m_pinnedImage->setPixmap(QPixmap::fromImage(image));
  const auto& classes = m_data->run.info.classes;
  const StoredPrediction& p = m_data->at(epoch())[std::size_t(m_pinned)];
  const auto name = [&](double c) {
    const auto i = std::size_t(std::lround(c));
    return i < classes.size() ? QString::fromStdString(classes[i]) : QString::number(c);
  };
  const bool right = std::lround(p.actual) == std::lround(p.predicted);
  QString text = QStringLiteral("Image %1, a %2: after epoch %3 the model says %4 %5 (loss %6).")
                     .arg(m_pinned + 1)
                     .arg(name(p.actual))
                     .arg(epoch() + 1)
                     .arg(right ? QStringLiteral("✓") : QStringLiteral("✗"), name(p.predicted),
                          formatLoss(p.loss));
  text += images.camProblem.empty()
              ? QStringLiteral(" The colours show where it looked for that answer.")
              : QStringLiteral(" ") + QString::fromStdString(images.camProblem);
  m_pinnedText->setText(text);
  m_imagesEpoch = images.epoch;
  Q_EMIT imagesReady();
}

}  // namespace lb
