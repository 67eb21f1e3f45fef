#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, the `fuzz` preset: clang, build-fuzz/) and runs each
# for SECONDS (default 60) from its seed corpus in tests/fuzz/corpus/<target>/. New inputs go to
# build-fuzz/corpus/, never into tests/; a crashing input is kept in build-fuzz/findings/ and the
# exit status is non-zero.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${1:-60}
LB_WITH_FUZZ=1 ./scripts/install-deps.sh
nice cmake --preset fuzz >/dev/null
nice cmake --build --preset fuzz --target fuzz_project fuzz_csv
mkdir -p build-fuzz/findings
for target in project csv; do
  mkdir -p "build-fuzz/corpus/$target"
  echo "fuzz_$target: ${seconds} s"
  # -timeout: an input that takes 10 s is a hang; progress lines (#N) are left out of the log.
  nice "build-fuzz/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=build-fuzz/findings/ \
    "build-fuzz/corpus/$target" "tests/fuzz/corpus/$target" 2>&1 | grep -vE '^(#|")|NEW_FUNC'
done
