#pragma once
// NewProjectDialog: File > New project. The user picks a folder of images (or a CSV); Learnbench
// looks at it off the GUI thread (proposeDataBlock, engine/experiment/propose.h) and shows the
// proposed data block in words (split, labels, classes with their counts, size, model); the user
// names the project file (beside the folder by default, never inside it) and presses Create,
// which writes the file. A folder that cannot make a project says why, in the dialog, and
// Create stays disabled. The window then opens the written file.
#include <QDialog>
#include <filesystem>
#include <memory>

#include "widgets/latest_job.h"

class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace lb {

struct DataProposal;

class NewProjectDialog : public QDialog {
  Q_OBJECT
 public:
  explicit NewProjectDialog(QWidget* parent = nullptr);
  ~NewProjectDialog() override;

  // Looks at `source` (a folder or a CSV file) and proposes a project file beside it.
  void setSource(const QString& source);
  void setProjectFile(const QString& file);
  QString projectFile() const;
  // True once the proposal for the current source is ready and checks out.
  bool hasProposal() const;
  QString problem() const;          // why there is no proposal, in words; empty when there is
  QStringList proposalLines() const;  // the proposal in words
  // What Create does: writes the project file (not over an existing one) and accepts; false,
  // with the reason shown in the dialog, when it cannot.
  bool create();

 Q_SIGNALS:
  void proposalFinished();  // a proposal or its problem is shown (for tests)

 private:
  void chooseFolder();
  void chooseCsv();
  void chooseProjectFile();
  void showProposal(const DataProposal& proposal);
  void showProblem(const QString& sentence);

  std::shared_ptr<DataProposal> m_proposal;
  QString m_problem;
  LatestJob<std::shared_ptr<DataProposal>> m_job{this};

  QLineEdit* m_source = nullptr;
  QLabel* m_words = nullptr;
  QTableWidget* m_classes = nullptr;
  QLineEdit* m_file = nullptr;
  QPushButton* m_create = nullptr;
};

}  // namespace lb
