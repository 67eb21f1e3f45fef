#pragma once
// DataBlockEditor: fastai's DataBlock as a column of cards, one per DataStep (Source, Blocks,
// Items, Split, Label, Item transforms, Batch transforms), each with its options and a status
// line (a check mark or the sentence saying what to change) from the latest preview. Options
// that do not apply to the chosen kinds are hidden. Emits specChanged() on user edits only;
// every control has an objectName so tests can drive it like a person would. Dropping a folder
// makes it the Folder source.
#include <QString>
#include <QWidget>
#include <vector>

#include "engine/data/data_block_spec.h"
#include "engine/data/data_preview.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace lb {

class DataBlockEditor : public QWidget {
  Q_OBJECT
 public:
  explicit DataBlockEditor(QWidget* parent = nullptr);

  // Shows `spec`; relative paths in it are relative to `baseDir` (the project's folder).
  // Emits nothing. The status lines go back to "not checked yet".
  void setSpec(const DataBlockSpec& spec, const QString& baseDir);
  // The spec as edited; fields without a control (vocab, workers, ...) as setSpec gave them.
  DataBlockSpec spec() const;
  QString baseDir() const { return m_baseDir; }

  // Shows the result of a preview on the cards' status lines.
  void showChecks(const std::vector<StepCheck>& checks);
  QString stepStatus(DataStep step) const;

 Q_SIGNALS:
  void specChanged();

 protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  void changeEvent(QEvent* event) override;

 private:
  struct Card {
    QGroupBox* box = nullptr;
    QWidget* body = nullptr;  // the options, hidden as a whole when none apply
    QFormLayout* form = nullptr;
    QLabel* note = nullptr;  // says why the options are hidden (Fashion-MNIST comes ready)
    QLabel* status = nullptr;
  };
  Card& addCard(DataStep step, const QString& title, const QString& what);
  void setStatus(DataStep step, StepCheck::State state, const QString& message);
  void updateVisibility();
  void alignLabels();
  void edited();  // a control changed: unless setSpec is filling them in, tell the world
  void browse();
  QString shownPath(const QString& absolute) const;  // relative to baseDir when inside it

  DataBlockSpec m_spec;  // what setSpec gave, for the fields without a control
  QString m_baseDir;
  bool m_filling = false;
  Card m_cards[7];

  QComboBox* m_sourceKind = nullptr;
  QLineEdit* m_sourcePath = nullptr;
  QPushButton* m_browse = nullptr;
  QWidget* m_pathRow = nullptr;
  QSpinBox* m_limit = nullptr;
  QLineEdit* m_csvPathColumn = nullptr;
  QLineEdit* m_csvLabelColumn = nullptr;
  QLineEdit* m_csvValidColumn = nullptr;
  QLineEdit* m_csvLabelDelimiter = nullptr;
  QLineEdit* m_csvFolder = nullptr;

  QComboBox* m_inputKind = nullptr;
  QComboBox* m_targetKind = nullptr;

  QLineEdit* m_extensions = nullptr;

  QComboBox* m_splitKind = nullptr;
  QSpinBox* m_validPct = nullptr;
  QSpinBox* m_seed = nullptr;
  QLineEdit* m_trainName = nullptr;
  QLineEdit* m_validName = nullptr;
  QLineEdit* m_splitFile = nullptr;

  QComboBox* m_labelKind = nullptr;
  QLineEdit* m_labelRegex = nullptr;

  QSpinBox* m_resizeWidth = nullptr;
  QSpinBox* m_resizeHeight = nullptr;
  QComboBox* m_resizeMethod = nullptr;
  QComboBox* m_padMode = nullptr;
  QCheckBox* m_rrc = nullptr;
  QCheckBox* m_groupByAspect = nullptr;
  QDoubleSpinBox* m_rrcMinScale = nullptr;

  QCheckBox* m_augment = nullptr;
  QCheckBox* m_flip = nullptr;
  QCheckBox* m_flipVertical = nullptr;
  QDoubleSpinBox* m_maxRotate = nullptr;
  QDoubleSpinBox* m_maxZoom = nullptr;
  QDoubleSpinBox* m_maxWarp = nullptr;
  QDoubleSpinBox* m_maxLighting = nullptr;
  QDoubleSpinBox* m_pAffine = nullptr;
  QDoubleSpinBox* m_pLighting = nullptr;
  QComboBox* m_normalize = nullptr;
};

}  // namespace lb
