# The engine's folders depend one way (engine/README.md): a folder may include only itself and
# the folders before it in this order. Run as a test:
#   cmake -DENGINE_DIR=<source>/engine -P tests/check_layering.cmake
# Prints every offending include as file:line and fails; prints the counts and passes otherwise.
# Quoted includes inside engine/ must name a header by its full path from the source root
# ("engine/data/data_block.h"): a relative path or a header of widgets/ or app/ fails too.
cmake_minimum_required(VERSION 3.20)

set(order util core data models train interpret project experiment)

if(NOT ENGINE_DIR)
  get_filename_component(ENGINE_DIR "${CMAKE_CURRENT_LIST_DIR}/../engine" ABSOLUTE)
endif()
get_filename_component(root "${ENGINE_DIR}/.." ABSOLUTE)

file(GLOB_RECURSE sources RELATIVE "${root}" "${ENGINE_DIR}/*.h" "${ENGINE_DIR}/*.hpp"
     "${ENGINE_DIR}/*.cpp" "${ENGINE_DIR}/*.cc")
list(SORT sources)

set(offences 0)
set(checked 0)
foreach(source IN LISTS sources)
  # engine/<folder>/...; files directly in engine/ (the precompiled header) sit outside the order.
  if(NOT source MATCHES "^engine/([^/]+)/")
    continue()
  endif()
  set(folder "${CMAKE_MATCH_1}")
  list(FIND order "${folder}" rank)
  if(rank EQUAL -1)
    message("${source}: engine/${folder}/ is not in the layer order; add it to engine/README.md "
            "and tests/check_layering.cmake")
    math(EXPR offences "${offences} + 1")
    continue()
  endif()
  math(EXPR checked "${checked} + 1")
  file(STRINGS "${root}/${source}" includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  foreach(line IN LISTS includes)
    string(REGEX MATCH "\"([^\"]*)\"" _ "${line}")
    set(header "${CMAKE_MATCH_1}")
    set(problem "")
    if(header MATCHES "^engine/([^/]+)/")
      set(target "${CMAKE_MATCH_1}")
      list(FIND order "${target}" targetRank)
      if(targetRank EQUAL -1)
        set(problem "includes ${header}: engine/${target}/ is not in the layer order")
      elseif(targetRank GREATER rank)
        list(SUBLIST order 0 ${rank} allowed)
        list(APPEND allowed "${folder}")
        list(JOIN allowed ", " allowed)
        set(problem "${folder}/ includes ${header}, a later layer; it may include only ${allowed}")
      endif()
    elseif(NOT header MATCHES "^engine/[^/]+$")
      string(CONCAT problem "includes \"${header}\": name engine headers by their path from "
                            "the source root (\"engine/<folder>/<file>\"); the engine includes "
                            "nothing of widgets/ or app/")
    endif()
    if(problem)
      # The line number: count the newlines before the include's first occurrence.
      file(READ "${root}/${source}" text)
      string(FIND "${text}" "${line}" at)
      string(SUBSTRING "${text}" 0 ${at} before)
      string(REGEX MATCHALL "\n" newlines "${before}")
      list(LENGTH newlines lineNumber)
      math(EXPR lineNumber "${lineNumber} + 1")
      message("${source}:${lineNumber}: ${problem}")
      math(EXPR offences "${offences} + 1")
    endif()
  endforeach()
endforeach()

list(JOIN order " -> " chain)
if(offences GREATER 0)
  message(FATAL_ERROR "${offences} problem(s) with the engine's layer order (${chain}); "
                      "see engine/README.md.")
endif()
message("Engine layering: ${checked} files, every include points down (${chain}).")
