#!/usr/bin/env bash
# Debian 12 packages photon-dct needs to build, test and run its emulated Photon, and to build and
# check its .deb (dpkg-dev for dpkg-shlibdeps, lintian); zsh and fish check the generated completions.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake pkg-config \
  libusb-1.0-0-dev libssl-dev libcli11-dev libfmt-dev nlohmann-json3-dev \
  libgtest-dev umockdev libumockdev-dev dfu-util libtomlplusplus-dev \
  clang libclang-rt-14-dev \
  dpkg-dev lintian zsh fish bsdutils >/dev/null
