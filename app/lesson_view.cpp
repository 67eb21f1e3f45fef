#include "app/lesson_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMainWindow>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QToolBar>
#include <QVBoxLayout>
#include <algorithm>

#include "app/page_style.h"
#include "app/training_session.h"
#include "engine/util/error.h"

namespace lb {

namespace {
// The widgets behind kLessonSettings, by objectName.
const std::map<std::string, QString> kSettingWidgets = {
    {"epochs", QStringLiteral("epochsSpin")},         {"lr", QStringLiteral("lrSpin")},
    {"batchSize", QStringLiteral("batchSizeSpin")},   {"dataBlock", QStringLiteral("dataBlockEditor")},
    {"model", QStringLiteral("modelEditor")}};
const std::map<std::string, QString> kSettingWords = {
    {"epochs", QStringLiteral("Epochs")},        {"lr", QStringLiteral("Learning rate")},
    {"batchSize", QStringLiteral("Batch size")}, {"dataBlock", QStringLiteral("Data block")},
    {"model", QStringLiteral("Model")}};
}  // namespace

LessonView::LessonView(QMainWindow* window, QListWidget* steps, TrainingSession* session)
    : QObject(window), m_window(window), m_steps(steps), m_session(session) {
  m_toolBar = new QToolBar(QStringLiteral("Lesson"), window);
  m_toolBar->setObjectName(QStringLiteral("lessonToolBar"));
  m_toolBar->setMovable(false);
  m_toolBar->addWidget(new QLabel(QStringLiteral(" Lesson: ")));
  m_picker = new QComboBox;
  m_picker->setObjectName(QStringLiteral("lessonPicker"));
  m_picker->setToolTip(QStringLiteral(
      "Show only what a lesson teaches, or the full workbench; the project remembers it"));
  m_picker->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  m_toolBar->addWidget(m_picker);
  connect(m_picker, &QComboBox::activated, this,
          [this](int index) { showLesson(index == 0 ? QString() : m_picker->itemText(index)); });
  window->addToolBar(Qt::TopToolBarArea, m_toolBar);

  // A project opens on its lesson's first step.
  connect(session, &TrainingSession::projectChanged, this, [this] {
    apply();
    if (m_session->project().classroom.active()) showFirstStep();
  });
  connect(steps, &QListWidget::currentRowChanged, this, &LessonView::updateBanner);
}

QWidget* LessonView::wrap(QWidget* pages) {
  m_banner = new QFrame;
  m_banner->setObjectName(QStringLiteral("lessonBanner"));
  static_cast<QFrame*>(m_banner)->setFrameShape(QFrame::StyledPanel);
  m_banner->setBackgroundRole(QPalette::AlternateBase);
  m_banner->setAutoFillBackground(true);
  auto* row = new QHBoxLayout(m_banner);
  auto* words = new QVBoxLayout;
  m_bannerTitle = new QLabel;
  QFont bold;  // only the weight: the size follows the page's font
  bold.setBold(true);
  m_bannerTitle->setFont(bold);
  m_bannerText = wrappedLabel();
  m_bannerText->setObjectName(QStringLiteral("lessonText"));
  words->addWidget(m_bannerTitle);
  words->addWidget(m_bannerText);
  row->addLayout(words, 1);
  auto* full = new QPushButton(QStringLiteral("Full workbench"));
  full->setObjectName(QStringLiteral("fullWorkbenchButton"));
  full->setToolTip(QStringLiteral("Show every step, card and setting again"));
  connect(full, &QPushButton::clicked, this, [this] { showLesson({}); });
  row->addWidget(full, 0, Qt::AlignTop);
  m_banner->hide();

  auto* centre = new QWidget;
  auto* layout = new QVBoxLayout(centre);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addWidget(m_banner);
  layout->addWidget(pages, 1);
  return centre;
}

void LessonView::addActions(QMenu* view) {
  QMenu* menu = view->addMenu(QStringLiteral("&Lesson"));
  menu->setObjectName(QStringLiteral("lessonMenu"));
  connect(menu, &QMenu::aboutToShow, this, [this, menu] {
    menu->clear();
    const QString shown = lessonName();
    QAction* full = menu->addAction(QStringLiteral("&Full workbench"), this, [this] { showLesson({}); });
    full->setCheckable(true);
    full->setChecked(shown.isEmpty());
    for (const Lesson& l : m_session->project().classroom.lessons) {
      const QString name = QString::fromStdString(l.name);
      QAction* a = menu->addAction(name, this, [this, name] { showLesson(name); });
      a->setCheckable(true);
      a->setChecked(name == shown);
    }
    menu->addSeparator();
    menu->addAction(QStringLiteral("&Make a lesson from this view..."), this,
                    &LessonView::makeLessonFromView)
        ->setEnabled(m_session->hasProject());
  });
  QAction* make = m_toolBar->addAction(QStringLiteral("Make lesson..."), this,
                                       &LessonView::makeLessonFromView);
  make->setObjectName(QStringLiteral("makeLessonAction"));
  make->setToolTip(QStringLiteral(
      "Make a lesson of the steps, cards and options visible now, with a text for this step"));
}

QString LessonView::lessonName() const {
  return QString::fromStdString(m_session->project().classroom.lesson);
}

bool LessonView::showLesson(const QString& name) {
  Classroom c = m_session->project().classroom;
  if (!name.isEmpty() && !c.find(name.toStdString())) return false;
  c.lesson = name.toStdString();
  m_session->setClassroom(c);
  apply();
  if (!name.isEmpty()) showFirstStep();  // a lesson starts at its beginning
  return true;
}

void LessonView::showFirstStep() {
  for (int row = 0; row < m_steps->count(); ++row)
    if (!m_steps->item(row)->isHidden()) {
      m_steps->setCurrentRow(row);
      return;
    }
}

QWidget* LessonView::part(const std::string& name) const {
  return m_window->findChild<QWidget*>(QString::fromStdString(name));
}

QWidget* LessonView::setting(const std::string& name) const {
  const auto it = kSettingWidgets.find(name);
  return it == kSettingWidgets.end() ? nullptr : m_window->findChild<QWidget*>(it->second);
}

void LessonView::apply() {
  const Lesson* lesson = m_session->project().classroom.active();
  // Steps: hide the others (a step lessons cannot name yet too); stay on a shown step.
  for (int row = 0; row < m_steps->count(); ++row)
    m_steps->item(row)->setHidden(
        lesson && (row >= int(kLessonSteps.size()) || !lesson->shows(kLessonSteps[row])));
  const int current = m_steps->currentRow();
  if (lesson && (current < 0 || m_steps->item(current)->isHidden())) showFirstStep();
  // Cards and options.
  for (QWidget* w : m_hiddenParts) w->show();
  m_hiddenParts.clear();
  for (const std::string& name : lesson ? lesson->hidden : std::vector<std::string>{})
    if (QWidget* w = part(name); w && !w->isHidden()) {
      w->hide();
      m_hiddenParts.push_back(w);
    }
  // Settings: unlock all (their owners enable them again on the state change), lock the lesson's.
  const bool unlocked = !m_lockedTips.empty();
  for (const auto& [w, tip] : m_lockedTips) {
    w->setToolTip(tip);
    w->setEnabled(true);
  }
  m_lockedTips.clear();
  if (unlocked) Q_EMIT m_session->stateChanged();  // the pages decide what is enabled now
  applyLocks();
  fillPicker();
  updateBanner();
}

void LessonView::applyLocks() {
  const Lesson* lesson = m_session->project().classroom.active();
  if (!lesson) return;
  const QString why =
      QStringLiteral("The lesson \"%1\" locks this setting: choose Full workbench to change it.")
          .arg(QString::fromStdString(lesson->name));
  for (const std::string& name : lesson->locked) {
    QWidget* w = setting(name);
    if (!w) continue;
    if (!m_lockedTips.count(w)) m_lockedTips[w] = w->toolTip();
    w->setEnabled(false);
    w->setToolTip(why);
  }
}

void LessonView::updateBanner() {
  if (!m_banner) return;
  const Lesson* lesson = m_session->project().classroom.active();
  m_banner->setVisible(lesson != nullptr);
  if (!lesson) return;
  const int row = m_steps->currentRow();
  const std::string step = row >= 0 && row < int(kLessonSteps.size()) ? kLessonSteps[row] : "";
  m_bannerTitle->setText(QStringLiteral("Lesson: %1").arg(QString::fromStdString(lesson->name)));
  m_bannerText->setText(QString::fromStdString(lesson->textFor(step)));
  m_bannerText->setVisible(!m_bannerText->text().isEmpty());
}

QString LessonView::bannerText() const {
  return m_banner && !m_banner->isHidden() ? m_bannerText->text() : QString();
}

void LessonView::fillPicker() {
  m_picker->clear();
  m_picker->addItem(QStringLiteral("Full workbench"));
  for (const Lesson& l : m_session->project().classroom.lessons)
    m_picker->addItem(QString::fromStdString(l.name));
  const int index = m_picker->findText(lessonName());
  m_picker->setCurrentIndex(lessonName().isEmpty() || index < 0 ? 0 : index);
}

Lesson LessonView::lessonFromView(const QString& name, const std::vector<std::string>& locked) const {
  Lesson l;
  l.name = name.toStdString();
  for (int row = 0; row < m_steps->count() && row < int(kLessonSteps.size()); ++row)
    if (!m_steps->item(row)->isHidden()) l.steps.push_back(kLessonSteps[row]);
  for (const std::string& p : kLessonParts)
    if (QWidget* w = part(p); w && w->isHidden()) l.hidden.push_back(p);
  l.locked = locked;
  if (const Lesson* shown = m_session->project().classroom.active())
    for (const auto& [step, text] : shown->text)
      if (l.shows(step)) l.text[step] = text;
  return l;
}

QString LessonView::addLesson(const Lesson& lesson) {
  try {
    validateLesson(lesson);
  } catch (const std::exception& e) {
    return QString::fromStdString(userMessage(e));
  }
  Classroom c = m_session->project().classroom;
  auto same = std::find_if(c.lessons.begin(), c.lessons.end(),
                           [&](const Lesson& l) { return l.name == lesson.name; });
  if (same != c.lessons.end())
    *same = lesson;
  else
    c.lessons.push_back(lesson);
  c.lesson = lesson.name;
  m_session->setClassroom(c);
  apply();
  return {};
}

void LessonView::makeLessonFromView() {
  if (!m_session->hasProject()) return;
  auto* dialog = new QDialog(m_window);
  dialog->setObjectName(QStringLiteral("lessonDialog"));
  dialog->setWindowTitle(QStringLiteral("Make a lesson from this view"));
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  auto* form = new QFormLayout(dialog);
  const int row = m_steps->currentRow();
  const std::string step = row >= 0 && row < int(kLessonSteps.size()) ? kLessonSteps[row] : "";
  const QString stepWords = row >= 0 ? m_steps->item(row)->text() : QString();
  const Lesson draft = lessonFromView({}, {});
  QStringList shownSteps;
  for (int r = 0; r < m_steps->count(); ++r)
    if (!m_steps->item(r)->isHidden()) shownSteps << m_steps->item(r)->text();
  form->addRow(wrappedLabel(
      QStringLiteral("The lesson shows the steps visible now (%1) and hides the %2 cards and "
                     "options hidden now. Hide a step or card with a lesson first to leave it out.")
          .arg(shownSteps.join(QStringLiteral(", ")))
          .arg(draft.hidden.size())));
  auto* name = new QLineEdit(lessonName().isEmpty()
                                 ? QStringLiteral("Lesson %1").arg(m_session->project().classroom.lessons.size() + 1)
                                 : lessonName());
  name->setObjectName(QStringLiteral("lessonName"));
  form->addRow(QStringLiteral("&Name"), name);
  auto* text = new QPlainTextEdit(QString::fromStdString(draft.textFor(step)));
  text->setObjectName(QStringLiteral("lessonStepText"));
  text->setPlaceholderText(QStringLiteral("A sentence or two shown at the top of this step"));
  text->setMaximumHeight(text->fontMetrics().height() * 5);
  form->addRow(QStringLiteral("&Text on %1").arg(stepWords), text);
  std::vector<std::pair<std::string, QCheckBox*>> locks;
  const Lesson* shown = m_session->project().classroom.active();
  for (const std::string& s : kLessonSettings) {
    auto* box = new QCheckBox(kSettingWords.at(s));
    box->setObjectName(QStringLiteral("lock_") + QString::fromStdString(s));
    box->setChecked(!shown || shown->locks(s));
    locks.emplace_back(s, box);
    form->addRow(s == kLessonSettings.front() ? QStringLiteral("Lock") : QString(), box);
  }
  auto* problem = wrappedLabel();
  problem->hide();
  form->addRow(problem);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  form->addRow(buttons);
  connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
  connect(buttons, &QDialogButtonBox::accepted, dialog, [=, this] {
    std::vector<std::string> locked;
    for (const auto& [s, box] : locks)
      if (box->isChecked()) locked.push_back(s);
    Lesson lesson = lessonFromView(name->text().trimmed(), locked);
    const std::string words = text->toPlainText().trimmed().toStdString();
    if (words.empty())
      lesson.text.erase(step);
    else if (!step.empty())
      lesson.text[step] = words;
    const QString why = addLesson(lesson);
    problem->setText(why);
    problem->setVisible(!why.isEmpty());
    if (why.isEmpty()) dialog->accept();
  });
  dialog->open();
}

}  // namespace lb
