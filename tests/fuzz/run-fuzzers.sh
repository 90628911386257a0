#!/bin/sh
# Configure a separate clang + ASan/UBSan/libFuzzer build in BUILD_DIR, build the fuzz targets,
# generate the seed corpora and run each fuzzer for SECONDS seconds. Exit status 0 only if no
# fuzzer found a crash, leak, sanitizer error or timeout. Called from CI.
#
#   tests/fuzz/run-fuzzers.sh BUILD_DIR SECONDS
#
# Needs clang/clang++ (Debian clang 14) and libclang-rt-14-dev. JOBS (default 2) sets build parallelism.
# FUZZ_SEED (default 1) fixes libFuzzer's seed so that a CI run can be replayed; set it to 0 for a
# random seed. Inputs that once crashed a target live in tests/fuzz/regressions/<target>/ and are run
# first, every time.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR SECONDS" >&2
    exit 2
fi
build_dir=$1
fuzz_seconds=$2
case $fuzz_seconds in
    ''|*[!0-9]*) echo "$0: SECONDS must be a positive integer" >&2; exit 2 ;;
esac
src_dir=$(cd "$(dirname "$0")/../.." && pwd)
sanitize="-fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer"

CC=clang CXX=clang++ cmake -S "$src_dir" -B "$build_dir" \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPHOTON_DCT_FUZZ=ON -DPHOTON_DCT_BUILD_TESTS=ON \
    -DCMAKE_C_FLAGS="$sanitize" -DCMAKE_CXX_FLAGS="$sanitize"
cmake --build "$build_dir" -j "${JOBS:-2}" --target fuzz_make_seeds fuzz_decode_dct fuzz_host_port fuzz_keys

fuzz_dir=$build_dir/tests/fuzz
"$fuzz_dir/fuzz_make_seeds" "$fuzz_dir/seeds"
mkdir -p "$fuzz_dir/artifacts"

export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1
status=0
for name in decode_dct host_port keys; do
    mkdir -p "$fuzz_dir/corpus/$name"
    regressions=
    [ -d "$src_dir/tests/fuzz/regressions/$name" ] && regressions=$src_dir/tests/fuzz/regressions/$name
    echo "=== fuzz_$name: $fuzz_seconds s"
    if "$fuzz_dir/fuzz_$name" -max_total_time="$fuzz_seconds" -error_exitcode=1 -timeout=30 -seed="${FUZZ_SEED:-1}" \
        -print_final_stats=1 -artifact_prefix="$fuzz_dir/artifacts/$name-" \
        "$fuzz_dir/corpus/$name" "$fuzz_dir/seeds/$name" $regressions; then
        echo "=== fuzz_$name: no crash"
    else
        echo "=== fuzz_$name: FAILED (artifacts in $fuzz_dir/artifacts)" >&2
        status=1
    fi
done
exit $status
