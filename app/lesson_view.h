#pragma once
// LessonView: applies the project's lesson (engine/project/lesson.h) to the window. It hides the
// steps the lesson does not show and the cards and options it hides, locks its settings
// (disabled, the tooltip saying the lesson locks them), and shows the lesson's text for the
// current step in a banner above the pages, with "Full workbench" one click away. The lesson
// picker (a toolbar combo and View > Lesson) chooses among the project's lessons; "Make a lesson
// from this view" turns what is visible now into a lesson of the project.
#include <QObject>
#include <QString>
#include <map>

#include "engine/project/lesson.h"

class QComboBox;
class QLabel;
class QListWidget;
class QMainWindow;
class QMenu;
class QToolBar;
class QWidget;

namespace lb {

class TrainingSession;

class LessonView : public QObject {
  Q_OBJECT
 public:
  // `steps` lists the window's steps in kLessonSteps' order.
  LessonView(QMainWindow* window, QListWidget* steps, TrainingSession* session);

  // `pages` with the lesson's banner above them, for the window's centre.
  QWidget* wrap(QWidget* pages);
  // View > Lesson: Full workbench, the project's lessons, Make a lesson from this view.
  void addActions(QMenu* view);
  QToolBar* toolBar() const { return m_toolBar; }

  // Shows the project's lesson `name`, or the full workbench for an empty name; the project
  // remembers it. False (nothing changes) when the project has no such lesson.
  bool showLesson(const QString& name);
  QString lessonName() const;
  // The lesson of what the window shows now: the visible steps, the hidden cards and options,
  // and `locked`; the text of each shown step kept from the lesson shown, if any.
  Lesson lessonFromView(const QString& name, const std::vector<std::string>& locked) const;
  // Adds `lesson` to the project (replacing one of its name) and shows it; the sentence of
  // validateLesson when it is not valid, else an empty string.
  QString addLesson(const Lesson& lesson);
  // The dialog that names the lesson, its text for this step and the settings it locks.
  void makeLessonFromView();
  // The widget that lesson names `part` or `setting` refer to (kLessonParts, kLessonSettings).
  QWidget* part(const std::string& name) const;
  QWidget* setting(const std::string& name) const;
  QString bannerText() const;
  // Locks the lesson's settings again: the window calls it after each state change, once the
  // pages have enabled their settings.
  void applyLocks();

 private:
  void apply();  // everything from the project's lesson
  void showFirstStep();
  void updateBanner();
  void fillPicker();

  QMainWindow* m_window;
  QListWidget* m_steps;
  TrainingSession* m_session;
  QWidget* m_banner = nullptr;
  QLabel* m_bannerTitle = nullptr;
  QLabel* m_bannerText = nullptr;
  QToolBar* m_toolBar = nullptr;
  QComboBox* m_picker = nullptr;
  std::map<QWidget*, QString> m_lockedTips;  // locked widget -> its own tooltip
  std::vector<QWidget*> m_hiddenParts;
};

}  // namespace lb
