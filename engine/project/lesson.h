#pragma once
// Lessons and presenter view: the classroom settings a project carries, so a teacher hands out a
// project that opens ready for the lesson. A lesson names the steps it shows, the cards and
// options it hides, the settings it locks and a short text for the top of each of its steps; the
// window applies it (app/lesson_view.h). Names are the ones listed below; anything else is an
// lb::Error that names the field and the names allowed.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace lb {

// The window's steps, in its order ("suspects": Clean labels).
inline const std::vector<std::string> kLessonSteps = {"data", "model", "lr",     "train", "runs",
                                                      "inspect", "export", "suspects"};
// The cards and options a lesson may hide: the window's names for them (the data block's
// cards, the LR finder's suggestions, the schedule plot, the top losses, the confusion matrix,
// the Grad-CAM box, the runs' plot and confusion difference).
inline const std::vector<std::string> kLessonParts = {
    "card_Source", "card_Blocks",     "card_Items",   "card_Split",      "card_Label",
    "card_ItemTransforms", "card_BatchTransforms", "lrSuggestions", "schedulePlot",
    "topLosses",   "confusionMatrix", "gradCamBox",   "runsPlot",        "confusionDiff"};
// The settings a lesson may lock.
inline const std::vector<std::string> kLessonSettings = {"epochs", "lr", "batchSize", "dataBlock",
                                                         "model"};
// A lesson's text on one step stays short: it is read from the back of a room.
inline constexpr std::size_t kMaxLessonText = 400;

struct Lesson {
  std::string name;
  std::vector<std::string> steps;   // shown, from kLessonSteps; at least one
  std::vector<std::string> hidden;  // from kLessonParts
  std::vector<std::string> locked;  // from kLessonSettings
  std::map<std::string, std::string> text;  // step -> the sentence or two at its top

  bool shows(const std::string& step) const;
  bool hides(const std::string& part) const;
  bool locks(const std::string& setting) const;
  std::string textFor(const std::string& step) const;  // "" when it has none
  bool operator==(const Lesson&) const = default;
};

// The project's classroom settings: its lessons, the lesson it opens with, and presenter view.
struct Classroom {
  std::vector<Lesson> lessons;
  std::string lesson;  // the lesson shown; empty: the full workbench
  bool presenter = false;
  bool highContrast = false;  // presenter view's palette
  bool guessFirst = false;    // predictions on Inspect and Export stay hidden until revealed

  // The lesson shown, or null for the full workbench.
  const Lesson* active() const;
  const Lesson* find(const std::string& name) const;
  bool operator==(const Classroom&) const = default;
};

// Reads the project's "lessons" list and "view" object (either may be null: absent). Throws
// lb::Error naming the field, in the file `where`: an unknown step, part or setting, a lesson
// without steps or a name, two lessons of one name, text for a step the lesson does not show or
// longer than kMaxLessonText, a view naming a lesson the project does not have.
Classroom classroomFromJson(const nlohmann::json* lessons, const nlohmann::json* view,
                            const std::string& where);
// Writes "lessons" and "view" into the project's JSON object, each only when it is not empty,
// so projects without lessons keep their old files byte for byte.
void classroomToJson(const Classroom& classroom, nlohmann::json& root);
// Checks a lesson made in the window the way the file reader would (same sentences).
void validateLesson(const Lesson& lesson);

}  // namespace lb
