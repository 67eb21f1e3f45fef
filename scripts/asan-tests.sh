#!/usr/bin/env bash
# The engine and CLI tests under AddressSanitizer and UndefinedBehaviorSanitizer (the `asan`
# preset, build-asan/): builds lb_engine, learnbench-cli and those tests only, and runs them.
# The window's tests are left out: instrumenting the Qt pages and widgets doubles the build for
# code that only calls the engine paths these tests cover. LB_ASAN_SUITES picks the test folders
# (default "engine cli"; CI runs "engine" to stay well under an hour). Extra arguments go to ctest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
read -r -a suites <<< "${LB_ASAN_SUITES:-engine cli}"
targets=()
for s in "${suites[@]}"; do targets+=("${s}_tests"); done
labels="^($(IFS='|'; echo "${suites[*]}"))\$"
nice cmake --preset asan >/dev/null
nice cmake --build --preset asan --target "${targets[@]}"
# Each test also has its own TIMEOUT (tests/CMakeLists.txt); this bounds the whole run.
timeout 2400 ctest --preset asan -L "$labels" "$@"
