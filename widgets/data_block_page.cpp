#include "widgets/data_block_page.h"

#include <QLabel>
#include <QVBoxLayout>

#include <QEventLoop>
#include <QHBoxLayout>
#include <QSplitter>
#include <QTimer>
#include <filesystem>

#include "engine/util/runtime.h"
#include "widgets/data_block_editor.h"
#include "widgets/data_preview_view.h"

namespace lb {

namespace {
constexpr int kDebounceMs = 250;  // typing a path: preview once the user pauses

// previewDataBlock turns bad data into a failed step; anything else it throws still gets shown,
// as userMessage's sentence.
DataPreview failedPreview(const QString& sentence) {
  DataPreview p;
  for (int s = 0; s < 7; ++s) p.steps.push_back({DataStep(s), StepCheck::State::NotChecked, {}});
  p.steps[0].state = StepCheck::State::Failed;
  p.steps[0].message = sentence.toStdString();
  return p;
}
}  // namespace

DataBlockPage::DataBlockPage(QWidget* parent) : QWidget(parent) {
  qRegisterMetaType<lb::DataBlockSpec>();
  m_editor = new DataBlockEditor;
  m_editor->setObjectName(QStringLiteral("dataBlockEditor"));
  m_view = new DataPreviewView;
  m_view->setObjectName(QStringLiteral("dataPreview"));

  m_splitter = new QSplitter(Qt::Horizontal);
  m_splitter->setObjectName(QStringLiteral("dataSplitter"));
  m_splitter->addWidget(m_editor);
  m_splitter->addWidget(m_view);
  m_splitter->setStretchFactor(0, 2);
  m_splitter->setStretchFactor(1, 3);
  m_splitter->setChildrenCollapsible(false);
  // What the cleaning decisions change, above everything: the data trained on is not the folder's.
  m_cleaning = new QLabel;
  m_cleaning->setObjectName(QStringLiteral("cleaningCounts"));
  m_cleaning->setWordWrap(true);
  m_cleaning->setVisible(false);
  m_cleaning->setStyleSheet(QStringLiteral("QLabel { padding: 6px; border: 1px solid palette(mid); }"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_cleaning);
  layout->addWidget(m_splitter, 1);

  m_debounce = new QTimer(this);
  m_debounce->setSingleShot(true);
  m_debounce->setInterval(kDebounceMs);
  connect(m_debounce, &QTimer::timeout, this, &DataBlockPage::startPreview);
  connect(m_editor, &DataBlockEditor::specChanged, this, &DataBlockPage::onEdited);
}

DataBlockPage::~DataBlockPage() = default;  // m_job cancels the preview still running

void DataBlockPage::setSpec(const DataBlockSpec& spec, const QString& baseDir) {
  m_debounce->stop();
  m_editor->setSpec(spec, baseDir);
  startPreview();
}

DataBlockSpec DataBlockPage::spec() const { return m_editor->spec(); }

void DataBlockPage::setCleaningNote(const QString& note) {
  m_cleaning->setText(note);
  m_cleaning->setVisible(!note.isEmpty());
}

bool DataBlockPage::isPreviewPending() const { return m_debounce->isActive() || m_job.isPending(); }

bool DataBlockPage::waitForPreview(int ms) {
  if (!isPreviewPending()) return true;
  QEventLoop loop;
  QTimer::singleShot(ms, &loop, &QEventLoop::quit);
  connect(this, &DataBlockPage::previewFinished, &loop, &QEventLoop::quit);
  loop.exec();
  return !isPreviewPending();
}

void DataBlockPage::onEdited() {
  Q_EMIT specEdited(m_editor->spec());
  // What runs now describes an older spec: stop it and drop what it finds.
  m_job.cancel();
  m_view->setBusy(true);
  m_debounce->start();
}

void DataBlockPage::startPreview() {
  m_view->setBusy(true);
  const DataBlockSpec spec = m_editor->spec();
  const std::filesystem::path baseDir = m_editor->baseDir().toStdString();
  const PreviewOptions options = m_options;
  // The run holds values only, so the page can go while it finishes (a cancelled load of a large
  // data set still takes a moment).
  m_job.start(
      [spec, baseDir, options](const std::atomic<bool>& cancelled) {
        useHelperThread();
        return previewDataBlock(spec, baseDir, options, &cancelled);
      },
      [this](const DataPreview& preview) { showResult(preview); },
      [this](const QString& sentence) { showResult(failedPreview(sentence)); });
}

void DataBlockPage::showResult(const DataPreview& preview) {
  m_preview = preview;
  m_editor->showChecks(preview.steps);
  m_view->showPreview(preview);
  m_view->setBusy(false);
  const StepCheck* failure = preview.firstFailure();
  Q_EMIT previewReady(failure == nullptr,
                      failure ? QString::fromStdString(failure->message) : QString());
  Q_EMIT previewFinished();
}

}  // namespace lb
