#!/usr/bin/env bash
# Installs what is needed, builds photon-dct with its tests and the emulated Photon, runs every
# test (ctest), then runs the libFuzzer targets briefly in a separate clang build.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=$(realpath -m "${BUILD_DIR:-build}")
FUZZ_SECONDS=${FUZZ_SECONDS:-10}  # per fuzz target

tests/install-deps.sh
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$BUILD" -j "$(nproc)"
(cd "$BUILD" && ctest --output-on-failure -j "$(nproc)")
if [ -x tests/fuzz/run-fuzzers.sh ]; then
  tests/fuzz/run-fuzzers.sh "$BUILD-fuzz" "$FUZZ_SECONDS"
fi
