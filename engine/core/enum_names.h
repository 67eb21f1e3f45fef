#pragma once
// One table per enum of the names it has in a file ({TargetKind::Regression, "regression"}, ...),
// and the two ways through it: nameOf (enum -> name) and fromName (name -> enum). fromName
// throws lb::Error naming the allowed values; findName answers std::nullopt instead, for callers
// that word their own sentence. allowedNames lists them as the errors do:
// "category", "multi-category" or "regression".
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "engine/util/error.h"

namespace lb {

template <typename E>
struct EnumName {
  E value;
  const char* name;
};

// A table lists every enumerator once, in the order a picker shows them.
template <typename E, std::size_t N>
using EnumNames = std::array<EnumName<E>, N>;

// The name of `value`; "" for a value the table does not list (a bug: tables list them all).
template <typename E, std::size_t N>
constexpr const char* nameOf(const EnumNames<E, N>& table, E value) {
  for (const auto& entry : table)
    if (entry.value == value) return entry.name;
  return "";
}

template <typename E, std::size_t N>
std::optional<E> findName(const EnumNames<E, N>& table, std::string_view name) {
  for (const auto& entry : table)
    if (name == entry.name) return entry.value;
  return std::nullopt;
}

// The names, quoted, joined by commas and a final "or": "a", "b" or "c".
template <typename E, std::size_t N>
std::string allowedNames(const EnumNames<E, N>& table) {
  std::string list;
  for (std::size_t i = 0; i < N; ++i)
    list += (i ? (i + 1 == N ? " or \"" : ", \"") : "\"") + std::string(table[i].name) + "\"";
  return list;
}

// The enumerator named `name`. Throws lb::Error when there is none:
// "<what> must be "a", "b" or "c", not "x"." (`what` says whose value it is, e.g. "--target").
template <typename E, std::size_t N>
E fromName(const EnumNames<E, N>& table, std::string_view name, const std::string& what) {
  if (auto value = findName(table, name)) return *value;
  throw Error(what + " must be " + allowedNames(table) + ", not \"" + std::string(name) + "\".");
}

}  // namespace lb
