#pragma once
// DataBlockPage: the data block editor on the left, its preview on the right. Every edit restarts
// a preview, debounced, on a thread of the global pool (the GUI thread never runs
// previewDataBlock); the latest request wins (LatestJob): an older run is cancelled through its
// atomic flag and its result dropped.
#include <QString>
#include <QWidget>

#include "engine/data/data_block_spec.h"
#include "engine/data/data_preview.h"
#include "widgets/latest_job.h"

class QLabel;
class QSplitter;
class QTimer;

namespace lb {

class DataBlockEditor;
class DataPreviewView;

class DataBlockPage : public QWidget {
  Q_OBJECT
 public:
  explicit DataBlockPage(QWidget* parent = nullptr);
  ~DataBlockPage() override;  // cancels the preview still running (it ends on its own)

  // Shows `spec` (relative paths against `baseDir`) and previews it at once; emits no specEdited.
  void setSpec(const DataBlockSpec& spec, const QString& baseDir);
  DataBlockSpec spec() const;
  // A line above the page on what the cleaning decisions change in the data ("3 items excluded
  // and 5 items relabelled while cleaning"); hidden when empty.
  void setCleaningNote(const QString& note);
  void setPreviewOptions(const PreviewOptions& options) { m_options = options; }

  DataBlockEditor* editor() const { return m_editor; }
  DataPreviewView* view() const { return m_view; }
  QSplitter* splitter() const { return m_splitter; }
  // The latest preview shown (empty before the first).
  const DataPreview& preview() const { return m_preview; }
  // A preview is waiting for the debounce or running.
  bool isPreviewPending() const;
  // Runs the event loop until the pending preview is shown or `ms` pass; true when none is
  // pending any more (for tests and scripts).
  bool waitForPreview(int ms);

 Q_SIGNALS:
  void specEdited(const lb::DataBlockSpec& spec);  // the user changed the data block
  void previewReady(bool ok, const QString& firstError);
  void previewFinished();  // after previewReady, for QSignalSpy::wait

 private:
  void onEdited();
  void startPreview();
  void showResult(const DataPreview& preview);

  DataBlockEditor* m_editor = nullptr;
  DataPreviewView* m_view = nullptr;
  QSplitter* m_splitter = nullptr;
  QLabel* m_cleaning = nullptr;
  QTimer* m_debounce = nullptr;
  PreviewOptions m_options;
  DataPreview m_preview;
  LatestJob<DataPreview> m_job{this};
};

}  // namespace lb

Q_DECLARE_METATYPE(lb::DataBlockSpec)
