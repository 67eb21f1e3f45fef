#pragma once
// The Export step: writes the project's trained model as TorchScript (exportModel, off the GUI
// thread), and predicts with a model file (the project's latest trained model until the user
// opens another) on an image the user drops, chooses with "Choose image…" or picks from the
// validation set: the image large, its actual label when known (a file of the project's data
// block has its label), a wrong prediction marked in red ("wrong: true label X"), and the most
// likely classes as a bar chart of probabilities, best first. Torch-free (engine/models/export.h). Every failure
// is a sentence in the page's status line and the failed() signal, never a crash.
#include <QString>
#include <QWidget>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "engine/data/validation_samples.h"
#include "engine/project/project.h"
#include "widgets/latest_job.h"

class QComboBox;
class QTemporaryDir;
class QCustomPlot;
class QLabel;
class QPushButton;
class QCPBars;
class QCPItemText;

namespace lb {

struct ExportedModel;
struct Prediction;

class ExportPage : public QWidget {
  Q_OBJECT
 public:
  explicit ExportPage(QWidget* parent = nullptr);
  ~ExportPage() override;

  // Which project to export (its lastCheckpoint()) and whose validation images to offer. Once
  // the page is shown, a trained project's latest model is made ready to predict with (off the
  // GUI thread), unless the user opened a model file of their own.
  void setProject(const Project& project);
  bool usesLatestModel() const { return m_modelIsLatest; }

  // For tests and the window: what the page shows now.
  bool canExport() const;
  QString statusText() const;
  QString actualLabel() const;    // of the image shown, empty when unknown
  QString captionText() const;    // under the image: its actual label, right or wrong
  bool predictionWrong() const { return m_wrong; }  // the best class is not the known label
  QStringList barLabels() const;  // best first
  std::vector<double> barValues() const;
  int validationSampleCount() const;

  // Guess first (classroom mode): a prediction's chart, answer and right/wrong stay hidden, the
  // image and its actual label shown, until Reveal (or the space key).
  void setGuessFirst(bool on);
  bool answerHidden() const { return m_answerHidden; }
  QPushButton* revealButton() const { return m_revealButton; }
  void reveal();

 public Q_SLOTS:
  void exportTo(const QString& file);  // what Export does after its file dialog; off the GUI thread
  void loadModel(const QString& file);     // a model file to predict with
  void predictFile(const QString& image);  // what dropping or choosing an image does
  void chooseImage();                      // "Choose image…": a file dialog, then predictFile
  void predictSample(int index);           // one of the validation samples

 Q_SIGNALS:
  void exported(const QString& file);
  void modelLoaded(const QString& file);
  void predicted(const QString& image);  // after the chart shows it
  void failed(const QString& sentence);

 protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  void changeEvent(QEvent* event) override;
  void showEvent(QShowEvent* event) override;

 private:
  void chooseExportFile();
  // exportModel(m_project's last checkpoint -> out) on a worker thread, tracked by `job`; `done`
  // gets the error sentence, empty on success, on the GUI thread.
  void startExport(LatestJob<void>& job, const std::filesystem::path& out,
                   std::function<void(const QString&)> done);
  void useLatestModel();  // export the last checkpoint to a temporary file and predict with it
  void refresh();         // the validation images and the latest model, once the page is shown
  void chooseModelFile();
  void fail(const QString& sentence);
  void setStatus(const QString& text);
  void showImage(const QImage& image, const QString& actual);
  void showPrediction(const Prediction& prediction, const QString& name);
  void restyle();
  void showAnswer();  // m_answer, m_answerCaption as they are or hidden (m_answerHidden)

  Project m_project;
  bool m_hasProject = false;
  bool m_exporting = false;
  std::shared_ptr<ExportedModel> m_model;
  QString m_modelFile;
  bool m_modelIsLatest = false;   // m_model is the project's latest checkpoint, exported here
  bool m_loadingLatest = false;
  int m_latestFiles = 0;          // names each export of the latest model apart
  int m_pendingSample = -1;       // picked while the latest model was still being made
  bool m_refreshPending = false;  // setProject() came while the page was hidden
  std::unique_ptr<QTemporaryDir> m_latestDir;
  std::vector<ValidationSample> m_samples;
  QString m_actual;
  bool m_wrong = false;
  bool m_guessFirst = false;
  bool m_answerHidden = false;
  bool m_known = false;       // the actual label is one of the model's classes
  QString m_answer;           // the status sentence with the prediction
  QString m_question;         // the one without, while it is hidden
  QString m_answerCaption;    // right or wrong, under the image
  LatestJob<std::vector<ValidationSample>> m_samplesJob{this};
  LatestJob<void> m_exportJob{this};  // the user's export
  LatestJob<void> m_latestJob{this};  // the latest model's; a newer setProject() drops its result

  QPushButton* m_exportButton = nullptr;
  QPushButton* m_openButton = nullptr;
  QPushButton* m_chooseButton = nullptr;
  QPushButton* m_revealButton = nullptr;
  QLabel* m_exportStatus = nullptr;
  QLabel* m_modelStatus = nullptr;
  QComboBox* m_sampleBox = nullptr;
  QLabel* m_image = nullptr;
  QLabel* m_caption = nullptr;
  QCustomPlot* m_plot = nullptr;
  QCPBars* m_bars = nullptr;
  QCPItemText* m_placeholder = nullptr;
  std::vector<QCPItemText*> m_valueLabels;
  QStringList m_barLabels;
  std::vector<double> m_barValues;
};

}  // namespace lb
