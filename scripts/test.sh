#!/usr/bin/env bash
# Builds Learnbench and runs every test (GUI tests run offscreen).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
cd "${LB_BUILD_DIR:-$root/build}"
ctest --output-on-failure "$@"
