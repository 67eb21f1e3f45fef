#!/usr/bin/env bash
# Builds Learnbench and opens it on the built-in Fashion-MNIST example.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh" --target learnbench
# The built-in example (the same file, compiled in): its runs and checkpoints go to the user's
# data folder, so the tracked resources/examples/fashion-mnist.lbproj is never written to.
exec "${LB_BUILD_DIR:-$root/build}/app/learnbench" "$@"
