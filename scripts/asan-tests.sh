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
# Two frames of each allocation's stack instead of 30: LibTorch allocates for every tensor, and
# unwinding 30 frames each time made them 1.7 times slower; a fault's own stack stays whole.
export ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=2}
# Instrumented, one test function (tst_export's comparison with Python) takes minutes: Qt Test's
# limit per function goes from 5 to 15 minutes; ctest's per-test TIMEOUT still holds.
export QTEST_FUNCTION_TIMEOUT=${QTEST_FUNCTION_TIMEOUT:-900000}
nice cmake --preset asan >/dev/null
nice cmake --build --preset asan --target "${targets[@]}"
# Two tests at a time, one per core; OpenMP's idle threads sleep rather than spin, so the two
# tests' thread teams do not slow each other down. Each test also has its own TIMEOUT
# (tests/CMakeLists.txt); this bounds the whole run.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
timeout 2400 ctest --preset asan -L "$labels" -j2 "$@"
