#pragma once
// FieldReader: reads one JSON object of a project file, checking field names and types, so that
// every mistake is an lb::Error naming the dotted field ("model.layers[3].out") and the file.
// Unknown fields are refused ("remove it or check its spelling"); absent ones keep the caller's
// default. The project, data-block and model-spec readers share it.
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/enum_names.h"
#include "engine/util/error.h"

namespace lb {

class FieldReader {
  using json = nlohmann::json;

 public:
  // `prefix` is the object's dotted name ("" for the file's top level); `where` names the file
  // in messages ("" leaves it out); `known` lists the fields the object may have.
  FieldReader(const json& object, std::string prefix, std::string where,
              const std::set<std::string>& known)
      : m_object(object), m_prefix(std::move(prefix)), m_where(std::move(where)) {
    if (!object.is_object()) {
      if (m_prefix.empty()) throw Error("The project" + in() + " must be an object.");
      fail(m_prefix, "must be an object");
    }
    for (const auto& item : object.items())
      if (!known.count(item.key()))
        throw Error("Unknown field \"" + name(item.key()) + "\"" + in() +
                    ": remove it or check its spelling.");
  }

  const json* find(const std::string& key) const {
    auto it = m_object.find(key);
    return it == m_object.end() ? nullptr : &*it;
  }

  int integer(const std::string& key, int fallback, int min, int max) const {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_number_integer()) fail(name(key), "must be a whole number");
    const auto value = v->get<long long>();
    if (value < min || value > max)
      fail(name(key), "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return static_cast<int>(value);
  }

  double number(const std::string& key, double fallback, double min, double maxExclusive) const {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_number()) fail(name(key), "must be a number");
    const double value = v->get<double>();
    if (!(value >= min && value < maxExclusive)) {
      std::string range = "must be at least " + json(min).dump();
      if (maxExclusive < 1e300) range += " and below " + json(maxExclusive).dump();
      fail(name(key), range);
    }
    return value;
  }

  double positive(const std::string& key, double fallback) const {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_number() || !(v->get<double>() > 0)) fail(name(key), "must be a positive number");
    return v->get<double>();
  }

  bool boolean(const std::string& key, bool fallback) const {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_boolean()) fail(name(key), "must be true or false");
    return v->get<bool>();
  }

  std::string text(const std::string& key, const std::string& fallback) const {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_string()) fail(name(key), "must be a string");
    return v->get<std::string>();
  }

  // A string naming one of the enum's `names` (core/enum_names.h); returns its value.
  template <typename E, std::size_t N>
  E choice(const std::string& key, E fallback, const EnumNames<E, N>& names) const {
    const json* v = find(key);
    if (!v) return fallback;
    if (v->is_string())
      if (auto value = findName(names, v->get<std::string>())) return *value;
    fail(name(key), "must be " + allowedNames(names));
  }

  std::vector<std::string> texts(const std::string& key,
                                 const std::vector<std::string>& fallback) const {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_array()) fail(name(key), "must be a list of strings");
    std::vector<std::string> values;
    for (const auto& t : *v) {
      if (!t.is_string()) fail(name(key), "must be a list of strings");
      values.push_back(t.get<std::string>());
    }
    return values;
  }

  std::vector<int> integers(const std::string& key, const std::vector<int>& fallback,
                            int max, bool allowEmpty) const {
    const json* v = find(key);
    if (!v) return fallback;
    const std::string what = std::string("must be a ") + (allowEmpty ? "" : "non-empty ") +
                             "list of whole numbers between 1 and " + std::to_string(max);
    if (!v->is_array() || (!allowEmpty && v->empty())) fail(name(key), what);
    std::vector<int> values;
    for (const auto& c : *v) {
      if (!c.is_number_integer() || c.get<long long>() < 1 || c.get<long long>() > max)
        fail(name(key), what);
      values.push_back(c.get<int>());
    }
    return values;
  }

  std::string name(const std::string& key) const {
    if (m_prefix.empty()) return key;
    return key.empty() ? m_prefix : m_prefix + "." + key;
  }

  // The sub-object `key`, or an empty object when it is absent (so its defaults apply).
  const json& object(const std::string& key) const {
    static const json empty = json::object();
    const json* v = find(key);
    return v ? *v : empty;
  }

  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw Error("The field \"" + field + "\"" + in() + " " + what + ".");
  }

 private:
  std::string in() const { return m_where.empty() ? "" : " in " + m_where; }

  const json& m_object;
  std::string m_prefix;
  std::string m_where;
};

}  // namespace lb
