#!/usr/bin/env bash
# Builds Learnbench and opens it on the built-in Fashion-MNIST example.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh" --target learnbench
exec "${LB_BUILD_DIR:-$root/build}/app/learnbench" "$root/resources/examples/fashion-mnist.lbproj" "$@"
