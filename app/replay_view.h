#pragma once
// ReplayView: a finished run scrubbed epoch by epoch, for a class to watch a model learn after
// the fact. A slider and a play button pick the epoch; the view shows the loss curve up to that
// epoch, the confusion matrix and the top losses from that epoch's stored predictions (the ones
// the run showed live then: engine/project/run_replay.h), and the Grad-CAM of a pinned
// validation image from that epoch's checkpoint (when the run kept one: train.epochCheckpoints).
// Images and Grad-CAM are computed off the GUI thread (the run's data loads once). A window of
// its own, opened from the Runs page (Replay...) and by `learnbench --replay RUN`.
#include <QWidget>
#include <memory>
#include <vector>

#include "engine/project/run_store.h"
#include "widgets/latest_job.h"

class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;
class QTimer;

namespace lb {

class ConfusionMatrixView;
class LossPlot;
class TopLossesView;
class TrainingSession;
struct ReplayData;

// What the background job hands back for one epoch.
struct ReplayImages {
  int epoch = -1;
  std::vector<Image8> topLossImages;  // in the order of the epoch's top losses
  Image8 pinnedImage;
  HeatMap pinnedCam;       // empty when there is none
  std::string camProblem;  // why there is none, in a sentence
};

class ReplayView : public QWidget {
  Q_OBJECT
 public:
  // `project` gives the folder the run's data paths are relative to; `run` is the stored run.
  // Throws lb::Error when the run has no finished epoch or is not of a category target.
  ReplayView(const Project& project, StoredRun run, QWidget* parent = nullptr);
  ~ReplayView() override;

  int epochs() const;
  int epoch() const;  // 0-based, the slider's
  void setEpoch(int epoch);
  void play();  // from the first epoch (or on from the one shown), one epoch a second
  void pin(long item);  // the validation item whose Grad-CAM follows the epochs

  const Confusion& confusion() const;  // the one shown
  long pinnedItem() const { return m_pinned; }
  bool imagesShown() const { return m_imagesEpoch == epoch(); }
  QSlider* slider() const { return m_slider; }
  QPushButton* playButton() const { return m_play; }
  LossPlot* lossPlot() const { return m_lossPlot; }
  ConfusionMatrixView* confusionView() const { return m_confusion; }
  TopLossesView* topLosses() const { return m_topLosses; }
  QLabel* pinnedText() const { return m_pinnedText; }

 Q_SIGNALS:
  void imagesReady();  // the epoch's top-loss images and the pinned Grad-CAM are shown

 private:
  void showEpoch(int epoch);
  void requestImages();
  void onImages(const ReplayImages& images);

  std::unique_ptr<ReplayData> m_data;
  long m_pinned = -1;
  int m_imagesEpoch = -1;
  QLabel* m_title = nullptr;
  QSlider* m_slider = nullptr;
  QPushButton* m_play = nullptr;
  QLabel* m_epochText = nullptr;
  LossPlot* m_lossPlot = nullptr;
  ConfusionMatrixView* m_confusion = nullptr;
  TopLossesView* m_topLosses = nullptr;
  QLabel* m_pinnedImage = nullptr;
  QLabel* m_pinnedText = nullptr;
  QSpinBox* m_pinnedSpin = nullptr;
  QTimer* m_playTimer = nullptr;
  LatestJob<ReplayImages> m_job{this, LatestJob<ReplayImages>::Mode::OneAtATime};
};

// Opens the replay of `run` (of `project`) as a window of its own over `parent`, deleted when
// closed; nullptr with the sentence in `why` when the run cannot be replayed.
ReplayView* openReplay(const Project& project, const StoredRun& run, QWidget* parent,
                       QString* why);

// "Checkpoints for replay: last N epochs", the project's train.epochCheckpoints where a teacher
// sets up a run (the Train page): how many of a run's latest epochs keep a checkpoint of their
// own, so its replay draws each of those epochs' Grad-CAM. None (0) up to kMaxEpochs; each costs
// the model's size on disk. An edit goes to the project (saved with it); locked while a run
// trains, which keeps what it started with.
class ReplayCheckpointsBox : public QWidget {
  Q_OBJECT
 public:
  explicit ReplayCheckpointsBox(TrainingSession* session, QWidget* parent = nullptr);
  QSpinBox* spin() const { return m_spin; }

 private:
  TrainingSession* m_session;
  QSpinBox* m_spin = nullptr;
};

}  // namespace lb
