#pragma once
// ModelEditor: the Model page. On the left the model: a zoo entry with its options, or a list of
// layers the user stacks (add, remove, reorder, edit the selected layer's fields). On the right
// fastai's learn.summary() for it: every layer's output shape and parameter count, the first
// layer that does not fit marked in the warning colour with a sentence saying what would.
// Every edit is a command on undoStack(); Ctrl+Z / Ctrl+Shift+Z (Ctrl+Y) inside the editor act
// on it before any window shortcut. summarize builds the layers, slow for a ResNet at 224x224,
// so it runs on the global thread pool, debounced; the latest request wins and at most one runs
// (a summary cannot be cancelled), older results are dropped (LatestJob, one at a time).
#include <QString>
#include <QWidget>

#include "engine/models/model_spec.h"
#include "engine/models/model_summary.h"
#include "widgets/latest_job.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QMenu;
class QSpinBox;
class QSplitter;
class QStackedWidget;
class QTableWidget;
class QTimer;
class QUndoStack;

namespace lb {

class ModelEditor : public QWidget {
  Q_OBJECT
 public:
  explicit ModelEditor(QWidget* parent = nullptr);
  ~ModelEditor() override;

  // The data block's item shape and class count; summarises again at once.
  void setInput(const ImageShape& input, int numClasses);
  // Shows `spec`, clears the undo stack and summarises at once; emits no specChanged.
  void setSpec(const ModelSpec& spec);
  ModelSpec spec() const { return m_spec; }
  QUndoStack* undoStack() const { return m_undo; }

  bool fits() const { return m_summary.fits(); }  // the latest summary's verdict
  QString problem() const;  // its sentence ("Linear expects ..."), empty when it fits
  const ModelSummary& summary() const { return m_summary; }
  // A summary waits for the debounce or runs (for tests and scripts).
  bool isSummaryPending() const;
  QSplitter* splitter() const { return m_splitter; }  // the window remembers its sizes

 Q_SIGNALS:
  void specChanged(const lb::ModelSpec& spec);  // after every user edit, undo and redo
  void summaryReady(bool fits, const QString& problem);  // after each (re)summary lands

 protected:
  bool event(QEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  friend class ModelEditCommand;
  enum class Field { Out, In, Kernel, Stride, Padding, Bias, Slope, P, Size };

  // What a command does and undoes: show `spec` with layer `row` selected, say so, summarise.
  void apply(const ModelSpec& spec, int row);
  // Pushes an edit from the shown spec to `after`; `field` >= 0 lets typing in one field merge.
  void edit(const QString& text, const ModelSpec& after, int rowAfter, int field = -1);

  void buildZooPanel();
  QWidget* buildLayerPanel();
  QWidget* buildSummaryPanel();
  void refresh();  // every control from m_spec and m_row, emitting nothing
  void refreshLayerList();
  void refreshProperties();
  void setField(Field field, double value);
  void addLayer(LayerKind kind);
  void removeLayer();
  void moveLayer(int delta);
  void onListReordered();
  void popUpAddMenu();

  void requestSummary();  // debounced
  void startSummary();
  void showSummary(const ModelSummary& summary);
  void showBusy(bool busy);

  ModelSpec m_spec;
  int m_row = -1;  // the selected layer of the list, -1 for none
  ImageShape m_input;
  int m_numClasses = 10;
  ModelSummary m_summary;
  ModelSpec m_summarySpec;  // what m_summary describes, to mark list rows only when current
  QUndoStack* m_undo = nullptr;
  int m_editSession = 0;  // bumped when a field gets focus: typing merges only within one visit

  QSplitter* m_splitter = nullptr;
  QComboBox* m_modelChoice = nullptr;
  QLabel* m_description = nullptr;
  QStackedWidget* m_options = nullptr;
  QLineEdit* m_channels = nullptr;
  QCheckBox* m_smallImages = nullptr;
  QComboBox* m_head = nullptr;
  QLineEdit* m_hidden = nullptr;
  QDoubleSpinBox* m_dropout = nullptr;
  QListWidget* m_list = nullptr;
  QMenu* m_addMenu = nullptr;
  QFormLayout* m_form = nullptr;
  QLabel* m_layerHelp = nullptr;
  QSpinBox* m_out = nullptr;
  QSpinBox* m_in = nullptr;
  QSpinBox* m_kernel = nullptr;
  QSpinBox* m_stride = nullptr;
  QSpinBox* m_padding = nullptr;
  QCheckBox* m_bias = nullptr;
  QDoubleSpinBox* m_slope = nullptr;
  QDoubleSpinBox* m_p = nullptr;
  QSpinBox* m_size = nullptr;
  QLabel* m_status = nullptr;
  QTableWidget* m_table = nullptr;
  QLabel* m_problem = nullptr;
  QLabel* m_totals = nullptr;

  QTimer* m_debounce = nullptr;
  LatestJob<ModelSummary> m_job{this, LatestJob<ModelSummary>::Mode::OneAtATime};
};

}  // namespace lb

Q_DECLARE_METATYPE(lb::ModelSpec)
