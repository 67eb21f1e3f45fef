#pragma once
// StepPanel: the Train page's classroom controls on one row: Step (train exactly one batch, the
// run then holding until the next Step or Resume), the speed of training (slow motion: 1, 5 or
// 20 batches a second, or full speed) and where the run is in its planned schedule ("batch 3 of
// 1,500, epoch 1 of 2, lr 1.2e-4, warming up: the learning rate rises"). Its BatchStepView, which
// the page places, shows the batch the last Step trained. Everything goes through the session.
#include <QWidget>

#include "engine/train/progress.h"

class QComboBox;
class QLabel;
class QPushButton;

namespace lb {

class BatchStepView;
struct BatchStepReport;
class TrainingSession;

class StepPanel : public QWidget {
  Q_OBJECT
 public:
  explicit StepPanel(TrainingSession* session, QWidget* parent = nullptr);

  BatchStepView* view() const { return m_view; }
  QPushButton* stepButton() const { return m_stepButton; }
  QComboBox* speedCombo() const { return m_speed; }
  QLabel* positionLabel() const { return m_position; }
  void step();

 Q_SIGNALS:
  void statusMessage(const QString& text);

 private:
  void onStateChanged();
  void onStepped(const BatchStepReport& report);
  // "Batch 3 of 1,500 · epoch 1 of 2 · lr 1.2e-4 · warming up: ..." for the batch just trained.
  void showPosition(long step, long steps, int epoch, int epochs, double lr);

  TrainingSession* m_session;
  QPushButton* m_stepButton = nullptr;
  QComboBox* m_speed = nullptr;
  QLabel* m_position = nullptr;
  BatchStepView* m_view = nullptr;
};

}  // namespace lb
