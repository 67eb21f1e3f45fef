#!/usr/bin/env bash
# Installs the Debian packages Learnbench builds, tests and runs with. Idempotent: quiet when
# everything is present, apt-get (with sudo when not root) otherwise.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config zlib1g-dev
  libtorch-dev libopencv-dev nlohmann-json3-dev
  qt6-base-dev qt6-base-dev-tools libgl-dev
  libqcustomplot-dev libqcustomplot2.1-qt6
  dataset-fashion-mnist
  python3-torch
  libgloo-dev
)
# Screenshots and GUI runs without a display need these too.
if [ "${LB_WITH_XVFB:-0}" = 1 ]; then packages+=(xvfb x11-apps); fi
# The fuzz targets (scripts/fuzz.sh) need clang and its libFuzzer runtime (-fsanitize=fuzzer).
if [ "${LB_WITH_FUZZ:-0}" = 1 ]; then packages+=(clang libclang-rt-14-dev); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
