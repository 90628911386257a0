#!/usr/bin/env bash
# Installs what is needed, builds photon-dct with its tests and the emulated Photon, runs the
# libFuzzer targets briefly in a separate clang build, builds and checks the Debian package (lintian),
# then every test (ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=$(realpath -m "${BUILD_DIR:-build}")
FUZZ_SECONDS=${FUZZ_SECONDS:-10}  # per fuzz target

tests/install-deps.sh
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$BUILD" -j "$(nproc)"
tests/fuzz/run-fuzzers.sh "$BUILD-fuzz" "$FUZZ_SECONDS"
tests/package/check-deb.sh "$BUILD"
# ctest last, so that its summary closes the output.
(cd "$BUILD" && ctest --output-on-failure -j "$(nproc)")
