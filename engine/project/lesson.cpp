#include "engine/project/lesson.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/core/field_reader.h"
#include "engine/util/error.h"

namespace lb {

using nlohmann::json;

namespace {

bool contains(const std::vector<std::string>& list, const std::string& name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

std::string quotedList(const std::vector<std::string>& names) {
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i)
    text += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + ("\"" + names[i] + "\"");
  return text;
}

// `fail(field, what)` says what is wrong with the lesson's field; the file reader and the
// window's lesson dialog word it each their own way.
template <typename Fail>
void checkLesson(const Lesson& lesson, const Fail& fail) {
  if (lesson.name.empty()) fail("name", "must name the lesson");
  if (lesson.steps.empty()) fail("steps", "must list at least one step to show");
  const auto checkNames = [&](const char* field, const std::vector<std::string>& names,
                              const std::vector<std::string>& allowed) {
    std::set<std::string> seen;
    for (const std::string& n : names) {
      if (!contains(allowed, n))
        fail(field, "names \"" + n + "\", which is not one of " + quotedList(allowed));
      if (!seen.insert(n).second) fail(field, "names \"" + n + "\" twice");
    }
  };
  checkNames("steps", lesson.steps, kLessonSteps);
  checkNames("hidden", lesson.hidden, kLessonParts);
  checkNames("locked", lesson.locked, kLessonSettings);
  for (const auto& [step, text] : lesson.text) {
    if (!lesson.shows(step))
      fail("text." + step, "is for a step the lesson does not show: add \"" + step +
                               "\" to its steps or remove the text");
    if (text.size() > kMaxLessonText)
      fail("text." + step, "is longer than " + std::to_string(kMaxLessonText) +
                               " characters: keep it to a sentence or two");
  }
}

}  // namespace

bool Lesson::shows(const std::string& step) const { return contains(steps, step); }
bool Lesson::hides(const std::string& part) const { return contains(hidden, part); }
bool Lesson::locks(const std::string& setting) const { return contains(locked, setting); }

std::string Lesson::textFor(const std::string& step) const {
  const auto it = text.find(step);
  return it == text.end() ? std::string() : it->second;
}

const Lesson* Classroom::find(const std::string& name) const {
  for (const Lesson& l : lessons)
    if (l.name == name) return &l;
  return nullptr;
}

const Lesson* Classroom::active() const { return lesson.empty() ? nullptr : find(lesson); }

void validateLesson(const Lesson& lesson) {
  checkLesson(lesson, [&](const std::string& field, const std::string& what) {
    throw Error("The lesson" + (lesson.name.empty() ? std::string() : " \"" + lesson.name + "\"") +
                "'s " + field + " " + what + ".");
  });
}

Classroom classroomFromJson(const json* lessons, const json* view, const std::string& where) {
  Classroom c;
  if (lessons) {
    if (!lessons->is_array()) throw Error("The field \"lessons\" in " + where + " must be a list.");
    for (std::size_t i = 0; i < lessons->size(); ++i) {
      const std::string name = "lessons[" + std::to_string(i) + "]";
      FieldReader r((*lessons)[i], name, where, {"name", "steps", "hidden", "locked", "text"});
      Lesson l;
      l.name = r.text("name", "");
      l.steps = r.texts("steps", {});
      l.hidden = r.texts("hidden", {});
      l.locked = r.texts("locked", {});
      const json* text = r.find("text");
      if (text && !text->is_object()) r.fail(name + ".text", "must be an object of step: text");
      for (auto it = text ? text->begin() : json::const_iterator(); text && it != text->end(); ++it) {
        if (!it->is_string()) r.fail(name + ".text." + it.key(), "must be a string");
        l.text[it.key()] = it->get<std::string>();
      }
      checkLesson(l, [&](const std::string& field, const std::string& what) {
        r.fail(name + "." + field, what);
      });
      if (c.find(l.name)) r.fail(name + ".name", "names \"" + l.name + "\", as an earlier lesson does");
      c.lessons.push_back(std::move(l));
    }
  }
  if (view) {
    FieldReader r(*view, "view", where, {"lesson", "presenter", "highContrast", "guessFirst"});
    c.lesson = r.text("lesson", "");
    c.presenter = r.boolean("presenter", false);
    c.highContrast = r.boolean("highContrast", false);
    c.guessFirst = r.boolean("guessFirst", false);
    if (!c.lesson.empty() && !c.find(c.lesson))
      r.fail("view.lesson", "names \"" + c.lesson + "\", which is not one of the project's lessons");
  }
  return c;
}

void classroomToJson(const Classroom& c, json& root) {
  if (!c.lessons.empty()) {
    json list = json::array();
    for (const Lesson& l : c.lessons) {
      json one = {{"name", l.name}, {"steps", l.steps}};
      if (!l.hidden.empty()) one["hidden"] = l.hidden;
      if (!l.locked.empty()) one["locked"] = l.locked;
      if (!l.text.empty()) one["text"] = l.text;
      list.push_back(one);
    }
    root["lessons"] = list;
  }
  if (c.lesson.empty() && !c.presenter && !c.highContrast && !c.guessFirst) return;
  json view = json::object();
  if (!c.lesson.empty()) view["lesson"] = c.lesson;
  if (c.presenter) view["presenter"] = true;
  if (c.highContrast) view["highContrast"] = true;
  if (c.guessFirst) view["guessFirst"] = true;
  root["view"] = view;
}

}  // namespace lb
