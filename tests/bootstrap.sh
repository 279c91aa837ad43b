#!/usr/bin/env bash
# Sets a machine up for gst-plugins-onair and builds it: installs the missing
# Debian packages (sudo when not root), configures with meson, builds with
# ninja.  Sourced by tests/run.sh, examples/demo.sh and
# tests/benchmarks/run.sh; safe to run again at any time.
#
#   tests/bootstrap.sh [BUILD_DIR [MESON_OPTION...]]
set -euo pipefail

ONAIR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Everything the build, the tests, the demo and the benchmarks use, by Debian
# 12 package name.  Each element adds what its tests need.
ONAIR_PACKAGES=(
  # build
  meson ninja-build pkg-config gcc gettext
  libglib2.0-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  libsoup-3.0-dev
  # the tests' support library reads JSON with json-glib
  libjson-glib-dev
  # runtime and tests
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-pulseaudio gstreamer1.0-libav glib-networking
  icecast2 pulseaudio pulseaudio-utils curl clang-format ffmpeg openssl
  # asciivideoenc: the terminal and browser players, the numpy/OpenCV anchor
  tmux chromium python3-numpy python3-opencv
  # ttsplaysink: real speech for its tests, examples and demo
  espeak-ng
  # fuzzing
  clang libclang-rt-14-dev
  # tests/stress-run.sh keeps every core busy with it
  stress-ng
)

onair_missing_packages() {
  local pkg missing=()
  for pkg in "${ONAIR_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  echo "${missing[@]:-}"
}

onair_install_packages() {
  if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
    echo "gst-plugins-onair: this machine has no apt-get." >&2
    echo "Install these packages (Debian 12 names; GStreamer >= 1.22, libsoup >= 3.2) and run again:" >&2
    echo "  ${ONAIR_PACKAGES[*]}" >&2
    exit 1
  fi
  local missing
  missing=$(onair_missing_packages)
  [ -z "$missing" ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || {
      echo "gst-plugins-onair: need root or sudo to install: $missing" >&2
      exit 1
    }
    sudo=(sudo)
  fi
  echo "gst-plugins-onair: installing $missing"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q
  # shellcheck disable=SC2086
  "${sudo[@]}" apt-get install -y -q --no-install-recommends $missing
}

# onair_build BUILD_DIR [MESON_OPTION...]: configures once, then builds.
onair_build() {
  local dir=$1
  shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$ONAIR_ROOT" "$@"
  elif [ $# -gt 0 ]; then
    meson configure "$dir" "$@"
  fi
  ninja -C "$dir" -j "$(nproc)"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  onair_install_packages
  onair_build "${1:-$ONAIR_ROOT/build}" "${@:2}"
fi
