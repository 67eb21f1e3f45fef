#include "app/inspect_page.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QVBoxLayout>
#include <filesystem>

#include "app/page_style.h"
#include "app/training_session.h"
#include "engine/project/run_analysis.h"
#include "widgets/confusion_matrix_view.h"
#include "widgets/multi_label_view.h"
#include "widgets/regression_view.h"
#include "widgets/text_format.h"
#include "widgets/top_losses_view.h"

namespace lb {

namespace {
const char* const kWhatAppearsHere =
    "After each epoch of training, the images the model got most wrong (top losses) and the "
    "confusion matrix appear here.";
}  // namespace

InspectPage::InspectPage(TrainingSession* session, QWidget* parent)
    : QWidget(parent), m_session(session) {
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(pageTitle(QStringLiteral("Inspect")));
  auto* row = new QHBoxLayout;
  m_message = wrappedLabel(QString::fromUtf8(kWhatAppearsHere));
  m_message->setObjectName(QStringLiteral("inspectMessage"));
  row->addWidget(m_message, 1);
  m_refreshButton =
      new QPushButton(style()->standardIcon(QStyle::SP_BrowserReload), QStringLiteral("Refresh"));
  m_refreshButton->setObjectName(QStringLiteral("inspectButton"));
  m_refreshButton->setToolTip(
      QStringLiteral("Look at the last trained model again over the validation set (F5)"));
  connect(m_refreshButton, &QPushButton::clicked, this, &InspectPage::inspect);
  m_showAllButton = new QPushButton(QStringLiteral("Show all classes"));
  m_showAllButton->setObjectName(QStringLiteral("showAllLossesButton"));
  m_showAllButton->setToolTip(
      QStringLiteral("Show the largest losses of every validation image again"));
  m_showAllButton->hide();
  connect(m_showAllButton, &QPushButton::clicked, this, [this] { inspectCell(-1, -1); });
  row->addWidget(m_showAllButton);
  // The top losses are where wrong labels show; the Clean labels step ranks them all.
  auto* clean = new QPushButton(QStringLiteral("Clean these labels…"));
  clean->setObjectName(QStringLiteral("cleanLabelsButton"));
  clean->setToolTip(QStringLiteral("Find the images whose label is most likely wrong (of the "
                                   "class of the cell shown, if any), and fix them"));
  connect(clean, &QPushButton::clicked, this, [this] { Q_EMIT cleanLabels(m_filter.actual); });
  row->addWidget(clean);
  row->addWidget(m_refreshButton);
  layout->addLayout(row);
  m_guessNote = wrappedLabel(QStringLiteral(
      "Guess first: the model's answers are hidden, on the pictures and in the confusion matrix "
      "and its most confused pairs. Guess each picture's class, then click the picture to check; "
      "space shows every answer, the Reveal button under the pictures only the matrix."));
  m_guessNote->setObjectName(QStringLiteral("guessFirstNote"));
  m_guessNote->hide();
  layout->addWidget(m_guessNote);

  m_topLosses = new TopLossesView;
  m_topLosses->setObjectName(QStringLiteral("topLosses"));
  m_confusion = new ConfusionMatrixView;
  m_confusion->setObjectName(QStringLiteral("confusionMatrix"));
  connect(m_confusion, &ConfusionMatrixView::cellClicked, this, &InspectPage::inspectCell);
  connect(m_confusion, &ConfusionMatrixView::revealed, this, [this] {
    m_matrixRevealed = true;
    showGuessFirst();
  });
  connect(m_topLosses, &TopLossesView::guessFirstChanged, this, [this] {
    m_matrixRevealed = false;
    showGuessFirst();
  });
  connect(m_topLosses, &TopLossesView::tilesRevealed, this, [this](bool all) {
    m_matrixRevealed = m_matrixRevealed || all;  // space shows every answer
    showGuessFirst();
  });
  m_splitter = new QSplitter(Qt::Horizontal);
  m_splitter->addWidget(m_topLosses);
  m_splitter->addWidget(m_confusion);
  m_splitter->setChildrenCollapsible(false);
  // The top losses first: two tiles to a row on a 1280-pixel projector.
  m_splitter->setStretchFactor(0, 3);
  m_splitter->setStretchFactor(1, 2);
  m_splitter->setSizes({600, 400});
  placeMatrix();
  // Each target has its view: classes, labels (multi-label) or values (regression).
  m_multiLabel = new MultiLabelView;
  m_multiLabel->setObjectName(QStringLiteral("multiLabelView"));
  m_regression = new RegressionView;
  m_regression->setObjectName(QStringLiteral("regressionView"));
  m_views = new QStackedWidget;
  m_views->addWidget(m_splitter);
  m_views->addWidget(m_multiLabel);
  m_views->addWidget(m_regression);
  layout->addWidget(m_views, 1);

  connect(session, &TrainingSession::projectChanged, this, [this] {
    m_filter = {};
    clear(QString::fromUtf8(kWhatAppearsHere));
  });
  connect(session, &TrainingSession::trainingStarted, this, [this] {
    // A new model: Inspect starts over, and fills as each epoch ends.
    m_filter = {};
    clear(QStringLiteral(
        "The top losses and the confusion matrix of this run appear here after its first epoch, "
        "and change after every epoch."));
  });
  connect(session, &TrainingSession::trainingFinished, this, [this](bool stopped) {
    // Inspect already shows the last epoch's model. A run stopped within an epoch trained on
    // after it: look at the model as it is now.
    if (stopped && m_session->completedEpochs() > 0) {
      inspectCell(-1, -1);
    } else if (m_summary.epoch > 0) {
      m_summary.epoch = 0;  // the last epoch's results are the run's: a cell click fetches
      showSummary();        // all of its images now
    }
  });
  connect(session, &TrainingSession::inspectStarted, this, [this] {
    m_message->setText(
        QStringLiteral("Looking at every validation image with the trained model..."));
  });
  connect(session, &TrainingSession::interpreted, this, &InspectPage::onInterpreted);
  connect(session, &TrainingSession::interpretFailed, this, &InspectPage::clear);
  connect(session, &TrainingSession::stateChanged, this, &InspectPage::onStateChanged);
  onStateChanged();
}

void InspectPage::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  placeMatrix();
}

void InspectPage::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  if (event->type() == QEvent::FontChange) placeMatrix();  // zoom, presenter view
}

void InspectPage::placeMatrix() {
  // Beside: the matrix's minimum width and a column of tiles; below otherwise, each as tall as
  // it needs (the page scrolls down, never sideways).
  const int beside = m_confusion->minimumSizeHint().width() + 2 * m_topLosses->imageSize();
  const Qt::Orientation o = width() >= beside ? Qt::Horizontal : Qt::Vertical;
  // Below: a row of tiles and its filters stay in sight above the matrix.
  const int tilesRow = m_topLosses->imageSize() + 5 * m_topLosses->fontMetrics().height();
  m_topLosses->setMinimumHeight(o == Qt::Vertical ? tilesRow : 200);  // 200: its own minimum
  if (m_splitter->orientation() == o) return;
  m_splitter->setOrientation(o);
  if (m_hasResults) showSummary();  // "right" or "below"
}

void InspectPage::showGuessFirst() {
  const bool hide = m_topLosses->guessFirst() && !m_matrixRevealed;
  m_confusion->setAnswersHidden(hide);
  bool tileHidden = false;
  for (int i = 0; i < m_topLosses->visibleCount(); ++i)
    tileHidden = tileHidden || !m_topLosses->revealed(i);
  m_guessNote->setVisible(m_hasResults && (hide || tileHidden));
}

void InspectPage::onStateChanged() {
  const QString why = m_session->blockedReason(Action::Inspect);
  m_refreshButton->setEnabled(why.isEmpty());
}

void InspectPage::inspect() {
  // The last model trained on another data block would be scored on images it may have trained
  // on: say whose results these would be instead.
  const QString stale =
      QString::fromStdString(dataBlockChangeSinceCheckpoint(m_session->runProject()));
  if (!stale.isEmpty()) {
    clear(stale);
    return;
  }
  m_session->inspect(m_filter);
}

void InspectPage::inspectTrainedModel() {
  // A project trained in an earlier session has a checkpoint: show what it gets wrong at once
  // rather than an empty page.
  std::error_code ec;
  if (!m_hasResults && m_session->can(Action::Inspect) &&
      std::filesystem::exists(m_session->runProject().lastCheckpoint(), ec))
    inspect();
}

void InspectPage::inspectCell(int actual, int predicted) {
  if (m_session->state().run == RunKind::Training) {
    // The worker is training: narrow the tiles of the last epoch to the cell; once the run is
    // over, a click fetches all of the cell's images.
    m_topLosses->setActualFilter(actual);
    m_topLosses->setPredictedFilter(predicted);
    m_showAllButton->setVisible(actual >= 0 || predicted >= 0);
    return;
  }
  m_topLosses->setActualFilter(-1);
  m_topLosses->setPredictedFilter(-1);
  m_filter = ItemFilter{actual, predicted};
  inspect();
}

void InspectPage::onInterpreted(const Interpretation& result) {
  m_hasResults = true;
  if (result.target == TargetKind::MultiCategory) {
    m_multiLabel->setInterpretation(result);
    m_views->setCurrentWidget(m_multiLabel);
    m_showAllButton->hide();
    const QString text = QStringLiteral(
        "%1 validation images. Each label is predicted when its probability passes the "
        "threshold; move it to see each label's accuracy, precision and recall.")
                             .arg(formatCount(result.validItems));
    m_message->setText(text);
    Q_EMIT stepState(true, text);
    return;
  }
  if (result.target == TargetKind::Regression) {
    m_regression->setInterpretation(result);
    m_views->setCurrentWidget(m_regression);
    m_showAllButton->hide();
    const QString text =
        QStringLiteral("%1 validation images: predicted against actual values, and the images "
                       "the model misses most.")
            .arg(formatCount(result.validItems));
    m_message->setText(text);
    Q_EMIT stepState(true, text);
    return;
  }
  m_views->setCurrentWidget(m_splitter);
  // Another model's matrix (not a cell's images of the same one): guess again.
  if (result.confusion.counts != m_confusion->confusion().counts) m_matrixRevealed = false;
  m_topLosses->setInterpretation(result);
  m_confusion->setConfusion(result.confusion, result.classes);
  placeMatrix();  // its minimum size follows the classes and counts
  const auto name = [&](int c) {
    return c >= 0 && c < int(result.classes.size()) ? QString::fromStdString(result.classes[c])
                                                     : QStringLiteral("any class");
  };
  const ItemFilter& f = result.filter;
  const QString which =
      f.any() ? QStringLiteral("the %1 largest losses").arg(result.topLosses.size())
      : result.topLosses.empty()
          ? QStringLiteral("no images: the model never predicted %1 for %2")
                .arg(name(f.predicted), name(f.actual))
          : QStringLiteral("the %1 images of %2 predicted as %3 with the largest losses")
                .arg(result.topLosses.size())
                .arg(name(f.actual), name(f.predicted));
  m_showAllButton->setVisible(!f.any());
  // While training, each epoch's result arrives as the next epoch starts.
  const bool training = m_session->state().run == RunKind::Training;
  m_summary = {formatCount(result.validItems), formatPercent(result.confusion.accuracy()), which,
               training ? m_session->completedEpochs() : 0};
  showSummary();
  showGuessFirst();
}

void InspectPage::showSummary() {
  const Summary& s = m_summary;
  const int epochs = m_session->hasProgress() ? m_session->lastProgress().epochs
                                              : m_session->project().train.epochs;
  const QString when =
      s.epoch > 0 ? QStringLiteral("After epoch %1 of %2: ").arg(s.epoch).arg(epochs) : QString();
  const QString click = s.epoch > 0
                            ? QStringLiteral("click a cell to pick its images among these")
                            : QStringLiteral("click a cell to see its images");
  const bool beside = m_splitter->orientation() == Qt::Horizontal;
  const QString text =
      QStringLiteral("%1%2 validation images, accuracy %3. %4: %5; %6: the confusion matrix "
                     "(rows: actual class; %7).")
          .arg(when, s.items, s.accuracy,
               beside ? QStringLiteral("Left") : QStringLiteral("Above"), s.which,
               beside ? QStringLiteral("right") : QStringLiteral("below"), click);
  m_message->setText(text);
  Q_EMIT stepState(true, text);
}

void InspectPage::clear(const QString& message) {
  m_hasResults = false;
  m_topLosses->clear();
  m_confusion->clear();
  m_multiLabel->clear();
  m_regression->clear();
  m_showAllButton->hide();
  m_guessNote->hide();
  m_message->setText(message);
  Q_EMIT stepState(false, message);
}

}  // namespace lb
