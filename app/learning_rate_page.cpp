#include "app/learning_rate_page.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

#include "app/page_style.h"
#include "app/training_session.h"
#include "widgets/lr_finder_plot.h"
#include "widgets/text_format.h"

namespace lb {

LearningRatePage::LearningRatePage(TrainingSession* session, QWidget* parent)
    : QWidget(parent), m_session(session) {
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(pageTitle(QStringLiteral("Learning rate")));
  layout->addWidget(wrappedLabel(QStringLiteral(
      "The learning-rate finder trains for up to 100 batches with a growing learning rate and "
      "draws the loss against it; the model is left as it was. Pick a rate where the loss still "
      "falls steeply: click the curve or a suggestion to use it for training.")));
  auto* row = new QHBoxLayout;
  m_findButton = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay),
                                 QStringLiteral("Find learning rate"));
  m_findButton->setObjectName(QStringLiteral("findLrButton"));
  makePrimary(m_findButton);
  connect(m_findButton, &QPushButton::clicked, this, &LearningRatePage::findLearningRate);
  row->addWidget(m_findButton);
  row->addStretch(1);
  layout->addLayout(row);
  m_plot = new LrFinderPlot;
  m_plot->setObjectName(QStringLiteral("lrFinderPlot"));
  connect(m_plot, &LrFinderPlot::lrChosen, this, &LearningRatePage::onLrChosen);
  layout->addWidget(m_plot, 1);
  m_suggestions = wrappedLabel();
  m_suggestions->setObjectName(QStringLiteral("lrSuggestions"));
  layout->addWidget(m_suggestions);
  resetWords();

  connect(session, &TrainingSession::projectChanged, this, [this] {
    m_plot->clear();
    resetWords();
  });
  connect(session, &TrainingSession::stateChanged, this, &LearningRatePage::onStateChanged);
  connect(session, &TrainingSession::lrPointsArrived, this,
          [this](const std::vector<LrFindPoint>& points) {
            for (const LrFindPoint& p : points) m_plot->addPoint(p);
            if (!m_session->state().stopping)
              Q_EMIT statusMessage(
                  QStringLiteral("Finding the learning rate: batch %1, learning rate %2")
                      .arg(points.back().iter + 1)
                      .arg(formatLearningRate(points.back().lr)));
          });
  connect(session, &TrainingSession::lrFound, this, &LearningRatePage::onFound);
  connect(session, &TrainingSession::lrFailed, this, &LearningRatePage::onFailed);
  onStateChanged();
}

void LearningRatePage::resetWords() {
  m_suggestions->setText(
      QStringLiteral("Press Find learning rate to draw the curve; its suggestions appear here."));
}

void LearningRatePage::findLearningRate() {
  if (!m_session->findLearningRate()) return;
  m_plot->clear();
  m_suggestions->setText(QStringLiteral("Finding the learning rate..."));
  Q_EMIT statusMessage(QStringLiteral("Finding the learning rate: loading the data of %1...")
                           .arg(QString::fromStdString(m_session->project().name)));
}

void LearningRatePage::onStateChanged() {
  const QString why = m_session->blockedReason(Action::FindLearningRate);
  m_findButton->setEnabled(why.isEmpty());
  m_findButton->setToolTip(
      why.isEmpty()
          ? QStringLiteral("Train briefly with a growing learning rate and draw the loss (Ctrl+L)")
          : why);
}

void LearningRatePage::onFound(const LrFindResult& result, bool stopped) {
  m_plot->setResult(result);
  m_plot->setChosenLr(m_session->project().train.lr);
  const Suggestions& sg = result.suggestions;
  const auto word = [](const QString& name, const Suggestion& s, const QString& note) {
    return s.valid() ? QStringLiteral("%1 %2%3").arg(name, formatLearningRate(s.lr), note)
                     : QStringLiteral("%1: none (the curve is too short)").arg(name);
  };
  const QStringList words = {
      word(QStringLiteral("valley"), sg.valley, QStringLiteral(" (fastai's default)")),
      word(QStringLiteral("slide"), sg.slide, {}),
      word(QStringLiteral("minimum"), sg.minimum, QStringLiteral(" (the lowest loss / 10)")),
      word(QStringLiteral("steep"), sg.steep, {})};
  m_suggestions->setText(QStringLiteral("Suggestions: %1. Click the curve or a marker to use "
                                        "that learning rate on the Train page.")
                             .arg(words.join(QStringLiteral(" \u00b7 "))));
  if (sg.valley.valid())
    Q_EMIT statusMessage(
        QStringLiteral("%1: valley suggests %2; click the curve to choose a learning rate")
            .arg(stopped ? QStringLiteral("The learning-rate finder was stopped")
                         : QStringLiteral("The learning-rate finder is done"),
                 formatLearningRate(sg.valley.lr)));
  else
    Q_EMIT statusMessage(
        QStringLiteral("The learning-rate finder ended before it could suggest a rate"));
  Q_EMIT stepDone(words.join(QStringLiteral(", ")));
}

void LearningRatePage::onFailed(const QString& sentence) {
  m_plot->clear();
  m_suggestions->setText(sentence);
  Q_EMIT statusMessage(sentence);
}

void LearningRatePage::onLrChosen(double lr) {
  if (!m_session->can(Action::EditRunSettings)) return;  // the running fit keeps its rate
  m_session->setLearningRate(lr);  // the Train page's spin rounds it and writes it back
  const double chosen = m_session->project().train.lr;
  m_plot->setChosenLr(chosen);
  Q_EMIT statusMessage(QStringLiteral("Learning rate set to %1 for training (Train page)")
                           .arg(formatLearningRate(chosen)));
}

}  // namespace lb
