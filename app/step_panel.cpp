#include "app/step_panel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>

#include "app/page_style.h"
#include "app/training_session.h"
#include "engine/experiment/operations.h"
#include "widgets/batch_step_view.h"
#include "widgets/text_format.h"

namespace lb {

StepPanel::StepPanel(TrainingSession* session, QWidget* parent)
    : QWidget(parent), m_session(session) {
  auto* row = new QHBoxLayout(this);
  row->setContentsMargins(0, 0, 0, 0);
  m_stepButton = new QPushButton(style()->standardIcon(QStyle::SP_MediaSkipForward),
                                 QStringLiteral("&Step"));
  m_stepButton->setObjectName(QStringLiteral("stepButton"));
  m_stepButton->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Right));
  m_stepButton->setProperty(kTallProperty, true);
  connect(m_stepButton, &QPushButton::clicked, this, &StepPanel::step);
  row->addWidget(m_stepButton);

  m_speed = new QComboBox;
  m_speed->setObjectName(QStringLiteral("speedCombo"));
  m_speed->addItem(QStringLiteral("Full speed"), 0.0);
  m_speed->addItem(QStringLiteral("20 batches a second"), 20.0);
  m_speed->addItem(QStringLiteral("5 batches a second"), 5.0);
  m_speed->addItem(QStringLiteral("1 batch a second"), 1.0);
  m_speed->setToolTip(QStringLiteral(
      "Slow motion: how fast training runs, so a class can watch the loss fall batch by batch. "
      "It can change while training runs."));
  connect(m_speed, &QComboBox::currentIndexChanged, this,
          [this] { m_session->setBatchesPerSecond(m_speed->currentData().toDouble()); });
  auto* speedLabel = new QLabel(QStringLiteral("Spee&d"));
  speedLabel->setBuddy(m_speed);
  row->addSpacing(8);
  row->addWidget(speedLabel);
  row->addWidget(m_speed);

  m_position = new QLabel;
  m_position->setObjectName(QStringLiteral("schedulePosition"));
  m_position->setWordWrap(true);
  row->addSpacing(12);
  row->addWidget(m_position, 1);

  m_view = new BatchStepView;
  m_view->setObjectName(QStringLiteral("batchStepView"));
  m_view->hide();  // until the first step

  connect(session, &TrainingSession::stateChanged, this, &StepPanel::onStateChanged);
  connect(session, &TrainingSession::stepped, this, &StepPanel::onStepped);
  connect(session, &TrainingSession::batchesArrived, this,
          [this](const std::vector<BatchProgress>& batches) {
            if (batches.empty()) return;
            const BatchProgress& b = batches.back();
            showPosition(long(b.epoch) * b.batches + b.batch + 1, long(b.epochs) * b.batches,
                         b.epoch, b.epochs, b.lr);
          });
  connect(session, &TrainingSession::projectChanged, this, [this] {
    m_view->clear();
    m_view->hide();
    m_position->clear();
  });
  onStateChanged();
}

void StepPanel::step() {
  const bool starting = m_session->state().run == RunKind::None;
  if (!m_session->step()) return;
  if (starting) {
    m_view->clear();
    Q_EMIT statusMessage(QStringLiteral(
        "Training one batch at a time: Step trains the next one, Resume runs on"));
  }
}

void StepPanel::onStateChanged() {
  const QString why = m_session->blockedReason(Action::Step);
  m_stepButton->setEnabled(why.isEmpty());
  m_stepButton->setToolTip(
      why.isEmpty() ? QStringLiteral("Train exactly one batch and show it, with the model's "
                                     "guesses before and after the step (Ctrl+Right)")
                    : why);
}

void StepPanel::onStepped(const BatchStepReport& report) {
  m_view->setReport(report, m_session->hasData() ? m_session->data().classes
                                                 : std::vector<std::string>{});
  m_view->show();
  showPosition(report.step, report.steps, report.epoch, report.epochs, report.lr);
  Q_EMIT statusMessage(QStringLiteral("Step %1 trained one batch: its loss went from %2 to %3")
                           .arg(formatCount(report.step), formatLoss(report.lossBefore),
                                formatLoss(report.lossAfter)));
}

void StepPanel::showPosition(long step, long steps, int epoch, int epochs, double lr) {
  QString text = QStringLiteral("Batch %1 of %2 · epoch %3 of %4 · lr %5")
                     .arg(formatCount(step), formatCount(steps))
                     .arg(epoch + 1)
                     .arg(epochs)
                     .arg(formatLearningRate(lr));
  // fine_tune runs two cycles; the words below describe one.
  if (m_session->hasProject() && !trainsWithFineTune(m_session->project()) && steps > 0)
    text += QStringLiteral(" · ") +
            QString::fromStdString(oneCyclePhase(double(step) / double(steps)));
  m_position->setText(text);
}

}  // namespace lb
