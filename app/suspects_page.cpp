#include "app/suspects_page.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPainter>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QShortcut>
#include <QSpinBox>
#include <QVBoxLayout>
#include <functional>
#include <QtConcurrent/QtConcurrent>

#include "app/page_style.h"
#include "app/training_session.h"
#include "engine/project/apply_cleaning.h"
#include "engine/project/cleaning_journal.h"
#include "engine/util/error.h"
#include "widgets/pixels_to_qimage.h"

namespace lb {

namespace {
enum Decision { KeepIt, RelabelIt, ExcludeIt };
constexpr int kImages = 400;  // suspects whose image comes with the search (the example has no files)
constexpr int kItemRole = Qt::UserRole;  // the index into m_report.suspects

QString qs(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

SuspectsPage::SuspectsPage(TrainingSession* session, QWidget* parent)
    : QWidget(parent), m_session(session) {
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(pageTitle(QStringLiteral("Clean labels")));
  m_message = wrappedLabel(QStringLiteral(
      "Find the images whose label is most likely wrong: each is judged by a model that never "
      "trained on it. Then keep, relabel or exclude each one. Your decisions are saved as you make "
      "them and applied when the data is loaded; the files stay where they are."));
  layout->addWidget(m_message);

  auto* search = new QHBoxLayout;
  m_findButton = new QPushButton(QStringLiteral("Find suspects"));
  makePrimary(m_findButton);
  m_findButton->setToolTip(QStringLiteral("Train one model per fold on the other folds and rank "
                                          "every image by 1 - the probability of its label"));
  m_stopButton = new QPushButton(QStringLiteral("Stop"));
  m_stopButton->setEnabled(false);
  m_folds = new QSpinBox;
  m_folds->setRange(2, kMaxSuspectFolds);
  m_folds->setValue(kDefaultSuspectFolds);
  m_folds->setSuffix(QStringLiteral(" folds"));
  m_folds->setToolTip(QStringLiteral("How many models: each predicts the images the others trained on"));
  m_epochs = new QSpinBox;
  m_epochs->setRange(1, 100);
  m_epochs->setValue(1);
  m_epochs->setSuffix(QStringLiteral(" epoch per fold"));
  m_progress = new QProgressBar;
  m_progress->setRange(0, 1000);
  m_progress->setVisible(false);
  search->addWidget(m_findButton);
  search->addWidget(m_folds);
  search->addWidget(m_epochs);
  search->addWidget(m_stopButton);
  search->addWidget(m_progress, 1);
  layout->addLayout(search);

  auto* filter = new QHBoxLayout;
  filter->addWidget(new QLabel(QStringLiteral("Show the class:")));
  m_classFilter = new QComboBox;
  m_classFilter->setObjectName(QStringLiteral("suspectClassFilter"));
  filter->addWidget(m_classFilter);
  m_showDecided = new QCheckBox(QStringLiteral("Show decided images"));
  m_showDecided->setChecked(true);
  filter->addWidget(m_showDecided);
  filter->addStretch(1);
  layout->addLayout(filter);


  auto* decideRow = new QHBoxLayout;
  auto* keep = new QPushButton(QStringLiteral("Keep (K)"));
  auto* asPredicted = new QPushButton(QStringLiteral("Relabel as predicted (R)"));
  auto* relabel = new QPushButton(QStringLiteral("Relabel as:"));
  m_relabelAs = new QComboBox;
  m_relabelAs->setToolTip(QStringLiteral("Or press the class's digit: 1 for the first, 0 for the tenth"));
  auto* exclude = new QPushButton(QStringLiteral("Exclude (E)"));
  auto* undoButton = new QPushButton(QStringLiteral("Undo"));
  auto* redoButton = new QPushButton(QStringLiteral("Redo"));
  undoButton->setToolTip(QStringLiteral("Undo the last decision (Ctrl+Z)"));
  redoButton->setToolTip(QStringLiteral("Redo the decision undone last (Ctrl+Shift+Z)"));
  for (QWidget* w : {static_cast<QWidget*>(keep), static_cast<QWidget*>(asPredicted),
                     static_cast<QWidget*>(relabel), static_cast<QWidget*>(m_relabelAs),
                     static_cast<QWidget*>(exclude), static_cast<QWidget*>(undoButton),
                     static_cast<QWidget*>(redoButton)})
    decideRow->addWidget(w);
  decideRow->addStretch(1);
  layout->addLayout(decideRow);

  m_list = new QListWidget;
  m_list->setObjectName(QStringLiteral("suspects"));
  m_list->setViewMode(QListView::IconMode);
  m_list->setResizeMode(QListView::Adjust);
  m_list->setMovement(QListView::Static);
  m_list->setWordWrap(true);
  m_list->setTextElideMode(Qt::ElideNone);  // a class name cut short cannot be judged: wrap it
  m_list->setSpacing(6);
  // The grid shrinks to what the window leaves it, so the buttons around it stay in sight.
  m_list->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Ignored);
  m_list->setMinimumHeight(fontMetrics().height() * 12);
  layout->addWidget(m_list, 1);

  auto* bottom = new QHBoxLayout;
  m_counts = wrappedLabel();
  m_counts->setObjectName(QStringLiteral("cleaningCounts"));
  m_agreeButton = new QPushButton(QStringLiteral("Check with the latest model"));
  m_agreeButton->setToolTip(QStringLiteral("After retraining: how many decisions the new model agrees with"));
  m_applyButton = new QPushButton(QStringLiteral("Apply to the files…"));
  m_applyButton->setToolTip(QStringLiteral("Move excluded files beside the data and relabelled ones "
                                           "into their class folder; can be undone"));
  m_undoApplyButton = new QPushButton(QStringLiteral("Undo apply"));
  bottom->addWidget(m_counts, 1);
  bottom->addWidget(m_agreeButton);
  bottom->addWidget(m_applyButton);
  bottom->addWidget(m_undoApplyButton);
  layout->addLayout(bottom);

  connect(m_findButton, &QPushButton::clicked, this, &SuspectsPage::findSuspects);
  connect(m_stopButton, &QPushButton::clicked, this, &SuspectsPage::stop);
  connect(m_classFilter, &QComboBox::currentIndexChanged, this, &SuspectsPage::refill);
  connect(m_showDecided, &QCheckBox::toggled, this, &SuspectsPage::refill);
  connect(keep, &QPushButton::clicked, this, [this] { decide(KeepIt); });
  connect(asPredicted, &QPushButton::clicked, this, [this] { decide(RelabelIt); });
  connect(relabel, &QPushButton::clicked, this, [this] { decide(RelabelIt, m_relabelAs->currentIndex()); });
  connect(exclude, &QPushButton::clicked, this, [this] { decide(ExcludeIt); });
  connect(undoButton, &QPushButton::clicked, this, &SuspectsPage::undo);
  connect(redoButton, &QPushButton::clicked, this, &SuspectsPage::redo);
  connect(m_applyButton, &QPushButton::clicked, this, &SuspectsPage::applyToFiles);
  connect(m_undoApplyButton, &QPushButton::clicked, this, &SuspectsPage::undoApply);
  connect(m_agreeButton, &QPushButton::clicked, this, &SuspectsPage::checkAgreement);
  const auto key = [this](QKeySequence seq, std::function<void()> f) {
    auto* s = new QShortcut(seq, this);
    s->setContext(Qt::WidgetWithChildrenShortcut);
    connect(s, &QShortcut::activated, this, std::move(f));
  };
  key(Qt::Key_K, [this] { decide(KeepIt); });
  key(Qt::Key_R, [this] { decide(RelabelIt); });
  key(Qt::Key_E, [this] { decide(ExcludeIt); });
  key(QKeySequence::Undo, [this] { undo(); });
  key(QKeySequence::Redo, [this] { redo(); });
  for (int d = 0; d < 10; ++d)
    key(QKeySequence(Qt::Key_0 + d), [this, d] { decide(RelabelIt, d == 0 ? 9 : d - 1); });

  connect(&m_search, &QFutureWatcher<SuspectReport>::finished, this, [this] {
    m_findButton->setEnabled(true);
    m_stopButton->setEnabled(false);
    m_progress->setVisible(false);
    try {
      SuspectReport report = m_search.result();
      if (report.folds == 0) {  // it failed: the notice says why
        m_message->setText(qs(report.notice));
        return;
      }
      if (report.stopped) {
        m_message->setText(QStringLiteral("Stopped: the suspects shown are those of the last whole search."));
        return;
      }
      writeSuspects(project(), report);
      m_report = std::move(report);
      m_message->setText(
          QStringLiteral("%1 images ranked by %2 models that never trained on them; the most "
                         "likely mislabelled first. %3")
              .arg(m_report.suspects.size())
              .arg(m_report.folds)
              .arg(qs(m_report.notice)));
      refill();
    } catch (const std::exception& e) {
      m_message->setText(qs(userMessage(e)));
    }
  });
  connect(&m_agreement, &QFutureWatcher<QString>::finished, this, [this] {
    m_agreeButton->setEnabled(true);
    m_counts->setText(m_counts->text() + QStringLiteral("\n") + m_agreement.result());
  });
  connect(m_session, &TrainingSession::dataReady, this, [this] { showSuspects(m_classFilter->currentIndex() - 1); });
}

SuspectsPage::~SuspectsPage() {
  m_stop = true;
  m_search.waitForFinished();
  m_agreement.waitForFinished();
}

Project SuspectsPage::project() const { return m_session->runProject(); }

void SuspectsPage::showSuspects(int actualClass) {
  const std::vector<std::string> classes =
      m_session->hasData() ? m_session->data().classes : m_report.classes;
  if (m_report.suspects.empty() || m_report.classes != classes) {
    try {
      m_report = readSuspects(project(), classes);
    } catch (const std::exception& e) {
      m_message->setText(qs(userMessage(e)));
    }
  }
  const QSignalBlocker block(m_classFilter);
  m_classFilter->clear();
  m_classFilter->addItem(QStringLiteral("All classes"));
  m_relabelAs->clear();
  for (std::size_t c = 0; c < classes.size(); ++c) {
    m_classFilter->addItem(qs(classes[c]));
    m_relabelAs->addItem(c < 10 ? QStringLiteral("%1  %2").arg((c + 1) % 10).arg(qs(classes[c])) : qs(classes[c]));
  }
  m_classFilter->setCurrentIndex(std::clamp(actualClass + 1, 0, m_classFilter->count() - 1));
  refill();
}

void SuspectsPage::findSuspects() {
  if (m_search.isRunning()) return;
  if (m_session->state().busy()) {
    m_message->setText(QStringLiteral("Wait for the training run to end, or stop it: both need the processor."));
    return;
  }
  SuspectOptions options;
  options.folds = m_folds->value();
  options.epochs = m_epochs->value();
  options.images = kImages;
  options.stop = &m_stop;
  m_stop = false;
  QPointer<SuspectsPage> self(this);
  options.onProgress = [self](const SuspectProgress& p) {
    const int value = int(1000 * p.fraction());
    const QString text = p.fold < p.folds ? QStringLiteral("fold %1 of %2").arg(p.fold + 1).arg(p.folds)
                                          : QStringLiteral("validation images");
    QMetaObject::invokeMethod(self, [self, value, text] {
      if (!self) return;
      self->m_progress->setValue(value);
      self->m_progress->setFormat(text + QStringLiteral(" · %p%"));
    }, Qt::QueuedConnection);
  };
  m_findButton->setEnabled(false);
  m_stopButton->setEnabled(true);
  m_progress->setValue(0);
  m_progress->setVisible(true);
  m_message->setText(QStringLiteral("Training %1 models, one per fold, each on the other folds…").arg(options.folds));
  const Project p = project();
  // The engine's sentence comes back in the report: QtConcurrent would lose it.
  m_search.setFuture(QtConcurrent::run([p, options] {
    try {
      return lb::findSuspects(p, options);
    } catch (...) {
      SuspectReport failed;
      failed.notice = userMessage(std::current_exception());
      return failed;
    }
  }));
}

void SuspectsPage::stop() { m_stop = true; }

void SuspectsPage::refill() {
  const QString keepItem = m_list->currentItem() ? m_list->currentItem()->data(kItemRole).toString() : QString();
  m_list->clear();
  std::map<std::string, CleaningEntry> decisions;
  try {
    decisions = CleaningJournal(cleaningJournalFile(project())).state().decisions();
  } catch (const std::exception& e) {
    m_message->setText(qs(userMessage(e)));
  }
  const int tile = std::max(120, fontMetrics().height() * 7);
  m_list->setIconSize(QSize(tile, tile));
  int widest = tile;  // the longest "given ✗ → predicted" line fits unelided
  for (const auto& a : m_report.classes)
    for (const auto& b : m_report.classes)
      widest = std::max(widest, fontMetrics().horizontalAdvance(qs(a + " ✗ → " + b)));
  m_list->setGridSize(QSize(widest + fontMetrics().averageCharWidth() * 2, tile + fontMetrics().height() * 5));
  const int only = m_classFilter->currentIndex() - 1;
  const auto& classes = m_report.classes;
  for (std::size_t k = 0; k < m_report.suspects.size(); ++k) {
    const Suspect& s = m_report.suspects[k];
    if (only >= 0 && s.label != only && s.predicted != only) continue;
    const auto decided = decisions.find(s.item);
    if (decided != decisions.end() && !m_showDecided->isChecked()) continue;
    QImage image = pixelsToQImage(s.image);
    if (image.isNull() && !s.file.empty()) image.load(qs(s.file.string()));
    QPixmap pixmap(tile, tile);
    pixmap.fill(palette().color(QPalette::Mid));
    {
      QPainter painter(&pixmap);
      const QImage fitted = fitToTile(image, tile);
      painter.drawImage((tile - fitted.width()) / 2, (tile - fitted.height()) / 2, fitted);
    }
    QString text = QStringLiteral("%1 · %2\n%3 ✗ →\n%4")
                       .arg(s.score, 0, 'f', 2)
                       .arg(s.valid ? QStringLiteral("valid") : QStringLiteral("train"))
                       .arg(qs(classes[std::size_t(s.label)]), qs(classes[std::size_t(s.predicted)]));
    if (decided != decisions.end()) {
      const CleaningEntry& e = decided->second;
      text += e.action == CleaningAction::Keep      ? QStringLiteral("\n✓ kept")
              : e.action == CleaningAction::Exclude ? QStringLiteral("\n⊘ excluded")
                                                    : QStringLiteral("\n✎ now %1").arg(qs(e.newLabel));
    }
    auto* item = new QListWidgetItem(QIcon(pixmap), text, m_list);
    item->setData(kItemRole, int(k));
    item->setToolTip(QStringLiteral("%1\ngiven %2 (p %3), predicted %4 (p %5)")
                         .arg(qs(s.item), qs(classes[std::size_t(s.label)]))
                         .arg(s.labelProbability, 0, 'f', 3)
                         .arg(qs(classes[std::size_t(s.predicted)]))
                         .arg(s.predictedProbability, 0, 'f', 3));
    if (decided != decisions.end()) item->setForeground(palette().color(QPalette::PlaceholderText));
  }
  if (m_list->count() == 0)
    new QListWidgetItem(m_report.suspects.empty()
                            ? QStringLiteral("Press Find suspects to rank the images by how likely their label is wrong.")
                            : QStringLiteral("No suspect of this class."),
                        m_list);
  for (int r = 0; r < m_list->count(); ++r)
    if (m_list->item(r)->data(kItemRole).toString() == keepItem && !keepItem.isEmpty())
      m_list->setCurrentRow(r);
  if (!m_list->currentItem() && m_list->count() > 0) m_list->setCurrentRow(0);
  showCounts();
}

void SuspectsPage::showCounts() {
  try {
    const ItemOverrides o = CleaningJournal(cleaningJournalFile(project())).state().overrides();
    const auto decided = CleaningJournal(cleaningJournalFile(project())).state().decisions().size();
    m_counts->setText(QStringLiteral("%1 decided: %2 excluded, %3 relabelled, %4 kept. Training, "
                                     "export and the Data page use them.")
                          .arg(decided)
                          .arg(o.excluded.size())
                          .arg(o.relabelled.size())
                          .arg(decided - o.excluded.size() - o.relabelled.size()));
    m_undoApplyButton->setEnabled(!latestAppliedLog(project()).empty());
  } catch (const std::exception& e) {
    m_counts->setText(qs(userMessage(e)));
  }
}

bool SuspectsPage::decide(int action, int cls) {
  QListWidgetItem* item = m_list->currentItem();
  if (!item || !item->data(kItemRole).isValid()) return false;
  const Suspect& s = m_report.suspects[std::size_t(item->data(kItemRole).toInt())];
  const auto& classes = m_report.classes;
  if (cls >= int(classes.size())) return false;
  if (s.valid && m_askValidation &&
      QMessageBox::question(this, QStringLiteral("Change a validation image?"),
                            QStringLiteral("%1 is a validation image. Changing the validation set "
                                           "changes what the accuracy measures: runs before and "
                                           "after are no longer compared on the same images. "
                                           "Decide anyway?")
                                .arg(qs(s.item))) != QMessageBox::Yes)
    return false;
  const CleaningAction a = action == KeepIt      ? CleaningAction::Keep
                           : action == ExcludeIt ? CleaningAction::Exclude
                                                 : CleaningAction::Relabel;
  const std::string newLabel = a == CleaningAction::Relabel ? classes[std::size_t(cls < 0 ? s.predicted : cls)] : "";
  try {
    CleaningJournal(cleaningJournalFile(project())).decide(s.item, a, classes[std::size_t(s.label)], newLabel);
  } catch (const std::exception& e) {
    m_message->setText(qs(userMessage(e)));
    return false;
  }
  const int row = m_list->currentRow();
  refill();
  // On to the next one: a person cleans hundreds in a row.
  const int next = m_showDecided->isChecked() ? row + 1 : row;
  m_list->setCurrentRow(std::min(next, m_list->count() - 1));
  Q_EMIT decisionsChanged();
  return true;
}

void SuspectsPage::undo() { undoOrRedo(true); }
void SuspectsPage::redo() { undoOrRedo(false); }

void SuspectsPage::undoOrRedo(bool undo) {
  try {
    CleaningJournal journal(cleaningJournalFile(project()));
    const CleaningEntry e = undo ? journal.undo() : journal.redo();
    m_message->setText((undo ? QStringLiteral("Undid: %1 %2.") : QStringLiteral("Redid: %1 %2."))
                           .arg(qs(cleaningActionName(e.action)), qs(e.item)));
  } catch (const std::exception& e) {
    m_message->setText(qs(userMessage(e)));
  }
  refill();
  Q_EMIT decisionsChanged();
}

void SuspectsPage::applyToFiles() {
  try {
    const auto moves = plannedMoves(project());
    if (QMessageBox::question(this, QStringLiteral("Apply to the files?"),
                              QStringLiteral("%1 files will be moved: excluded ones into a folder "
                                             "beside the data, relabelled ones into their class "
                                             "folder. Nothing is deleted, and Undo apply moves "
                                             "them back.")
                                  .arg(moves.size())) != QMessageBox::Yes)
      return;
    const AppliedCleaning a = lb::applyToFiles(project());
    m_message->setText(QStringLiteral("Moved %1 excluded and %2 relabelled files (log: %3).")
                           .arg(a.excluded).arg(a.relabelled).arg(qs(a.log.string())));
  } catch (const std::exception& e) {
    m_message->setText(qs(userMessage(e)));
  }
  showCounts();
}

void SuspectsPage::undoApply() {
  try {
    const int moved = undoApplied(latestAppliedLog(project()));
    m_message->setText(QStringLiteral("Moved %1 files back where they were.").arg(moved));
  } catch (const std::exception& e) {
    m_message->setText(qs(userMessage(e)));
  }
  showCounts();
}

void SuspectsPage::checkAgreement() {
  if (m_agreement.isRunning() || m_session->state().busy()) return;
  m_agreeButton->setEnabled(false);
  const Project p = project();
  m_agreement.setFuture(QtConcurrent::run([p] {
    try {
      return qs(decisionAgreement(p).sentence());
    } catch (const std::exception& e) {
      return qs(userMessage(e));
    }
  }));
}

}  // namespace lb
