#!/usr/bin/env bash
# run-perf.sh: USB cost of photon-dct beside dfu-util 0.11, against the emulated Photon bootloader.
#
# Usage:
#   tests/perf/run-perf.sh BUILD_DIR [RUNS]
#
#   BUILD_DIR  a CMake build tree of this repo with photon-dct and photon-dct-emu built, e.g.
#                cmake -S . -B build && make -C build -j2 photon-dct photon-dct-emu
#   RUNS       timed runs per operation (default 5), taken round robin; the median is printed
#
#   Environment:
#     DFU_UTIL       dfu-util to compare with (default: dfu-util from PATH)
#     POLL_SETTINGS  default "default 0": one table with the emulator's default bwPollTimeout of
#                    500 ms after a data write (like the real bootloader), one with --poll-ms 0
#                    (only the host's own time counts)
#     ENTER_VERSIONS Device OS versions of the normal-mode table (default "0.5.3 0.6.0 0.6.3 0.7.0 1.0.0 1.5.2")
#     KEEP_WORK=1    keep the work dir (transcripts LABEL.N.jsonl, dumps, backups) and print its path
#
# What it measures, per operation, on the field-failure image (tests/data/field-failure-photon-0.6.3.dct):
#   photon-dct inspect                      read and diagnose
#   photon-dct restore-server               read, backup, one write of the 512-byte TCP server block, verify
#   photon-dct backup                       read the 16 KiB window to a file
#   dfu-util -a 1 -s 0:16384 -U f           the same read
#   dfu-util -a 1 -s 2082 -D block512.bin   the same write (block cut from a photon-dct --file repair)
# Columns (from the emulator's transcript, one JSON line per control transfer, taken from the
# first run; every run of an operation makes the same requests):
#   ctrl     USB control transfers (transcript lines)
#   dnload   data downloads: DNLOAD with wValue >= 2 and wLength > 0 (DCT writes)
#   erase    DfuSe erase commands: DNLOAD wValue 0 whose payload starts with 0x41
#   upload   UPLOAD requests (all, including DfuSe block-0/1 commands)
#   getstat  GETSTATUS requests
#   cmd ms   median wall time of the command alone (timed inside the emulator runner)
#   total ms median wall time including the emulator's setup and teardown
# Under each table, the host-time ratios of issue 9 (total ms, emulator start included on both
# sides): restore-server / dfu-util's 512-byte write, inspect / dfu-util's 16 KiB read.
# Then, per Device OS, "normal mode" to "DFU mode ready": photon-dct --json dfu on a unit running its
# firmware (photon-dct-emu --normal-mode --device-os V, the emulator's default --reenumerate-ms 700,
# i.e. the time the unit stays off the bus is the emulator's, not measured hardware). Columns:
#   request   the entry request that worked (from --json mode_changes)
#   ctrl      control transfers of the whole command (enumeration, entry request, enumeration again)
#   ready s   median of mode_changes[].seconds: first entry request until the unit was found again
#             in DFU mode (it includes the emulator's re-enumeration time and the firmware delay)
#   cmd ms    median wall time of the command
# It then checks (exit 1 if not) that restore-server made exactly one data download and no erase,
# that the repaired DCT differs from the original only in 2082..2593, and that dfu-util's write
# leaves the same DCT as photon-dct's.
#
# This is a benchmark, not a test: it is not part of ctest and asserts nothing about times.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 || "$1" == "-h" || "$1" == "--help" ]]; then
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
    exit 2
fi

BUILD_DIR=$(cd "$1" && pwd)
RUNS=${2:-5}
SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PHOTON_DCT="$BUILD_DIR/src/cli/photon-dct"
EMU="$BUILD_DIR/tests/emu/photon-dct-emu"
DFU_UTIL=${DFU_UTIL:-$(command -v dfu-util || true)}
IMAGE="$SRC_DIR/tests/data/field-failure-photon-0.6.3.dct"
KEY="$SRC_DIR/tests/data/private-cloud-server.pub.pem"
HOST=cloud.example.com
POLL_SETTINGS=${POLL_SETTINGS:-"default 0"}

for f in "$PHOTON_DCT" "$EMU"; do
    [[ -x "$f" ]] || { echo "run-perf.sh: $f not built (make -C $BUILD_DIR photon-dct photon-dct-emu)" >&2; exit 2; }
done
[[ -n "$DFU_UTIL" && -x "$DFU_UTIL" ]] || { echo "run-perf.sh: dfu-util not found (apt-get install dfu-util)" >&2; exit 2; }
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "run-perf.sh: RUNS must be a positive number" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/photon-dct-bench.XXXXXX")
if [[ -n "${KEEP_WORK:-}" ]]; then
    echo "run-perf.sh: keeping transcripts and dumps in $WORK" >&2
else
    trap 'rm -rf "$WORK"' EXIT
fi
export TMPDIR="$WORK"   # umockdev testbeds go here and vanish with it

# The 512-byte block dfu-util writes: photon-dct's repair of a file copy, cut at 2082..2593.
cp "$IMAGE" "$WORK/repaired.dct"
"$PHOTON_DCT" -q restore-server --file "$WORK/repaired.dct" --pem "$KEY" --host "$HOST" >/dev/null
dd if="$WORK/repaired.dct" of="$WORK/block512.bin" bs=1 skip=2082 count=512 status=none
rm -f "$WORK"/repaired.dct.backup-*

now_ns() { date +%s%N; }

median() { sort -n | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print int((v[NR/2]+v[NR/2+1])/2)}'; }

# count_transcript FILE -> "ctrl dnload erase upload getstat"
count_transcript() {
    awk '
        { ctrl++ }
        /"name":"DNLOAD"/ {
            match($0, /"value":[0-9]+/); value = substr($0, RSTART + 8, RLENGTH - 8) + 0
            match($0, /"length":[0-9]+/); len = substr($0, RSTART + 9, RLENGTH - 9) + 0
            if (value >= 2 && len > 0) dnload++
            if (value == 0 && $0 ~ /"data":"41/) erase++
        }
        /"name":"UPLOAD"/ { upload++ }
        /"name":"GETSTATUS"/ { getstat++ }
        END { printf "%d %d %d %d %d\n", ctrl, dnload + 0, erase + 0, upload + 0, getstat + 0 }
    ' "$1"
}

declare -A TOTAL_MS  # median total ms per label, for the ratios
declare -A CMD_NS    # per label: the command's wall time of every run so far (ns, space-separated)
declare -A TOTAL_NS  # per label: the same including the emulator's start and teardown

# run_once LABEL POLL_ARGS RUN -- COMMAND...   (COMMAND may use @N@, replaced by RUN)
# One timed run under a fresh emulator; keeps run 1's transcript and dump as $WORK/LABEL.{jsonl,dump}.
run_once() {
    local label=$1 poll_args=$2 i=$3
    shift 4
    local args=() a
    for a in "$@"; do args+=("${a//@N@/$i}"); done
    local t0 t1 rc=0
    t0=$(now_ns)
    # shellcheck disable=SC2086 # poll_args is empty or "--poll-ms N"
    "$EMU" $poll_args --dct "$IMAGE" --dump "$WORK/$label.$i.dump" --transcript "$WORK/$label.$i.jsonl" -- \
        bash -c 's=$(date +%s%N); "$@" >/dev/null 2>"'"$WORK/$label.$i.err"'"; rc=$?; e=$(date +%s%N);
                echo $((e - s)) >"'"$WORK/$label.$i.ns"'"; exit $rc' _ "${args[@]}" || rc=$?
    t1=$(now_ns)
    # inspect exits 11 on the field-failure image (error findings): that is its normal result.
    if [[ $rc -ne 0 && ! ( $label == pd-inspect* && $rc -eq 11 ) ]]; then
        echo "run-perf.sh: $label run $i exited $rc:" >&2
        cat "$WORK/$label.$i.err" >&2
        exit 1
    fi
    CMD_NS[$label]+="$(cat "$WORK/$label.$i.ns") "
    TOTAL_NS[$label]+="$((t1 - t0)) "
    if [[ $i -eq 1 ]]; then
        cp "$WORK/$label.1.jsonl" "$WORK/$label.jsonl"
        cp "$WORK/$label.1.dump" "$WORK/$label.dump"
    fi
}

# report LABEL ROW_NAME: one table row from the runs of LABEL.
report() {
    local label=$1 row_name=$2 counts cmd_ms total_ms
    counts=$(count_transcript "$WORK/$label.jsonl")
    cmd_ms=$(tr ' ' '\n' <<<"${CMD_NS[$label]}" | sed '/^$/d' | median | awk '{printf "%.1f", $1 / 1e6}')
    total_ms=$(tr ' ' '\n' <<<"${TOTAL_NS[$label]}" | sed '/^$/d' | median | awk '{printf "%.1f", $1 / 1e6}')
    TOTAL_MS[$label]=$total_ms
    read -r ctrl dnload erase upload getstat <<<"$counts"
    printf '| %-38s | %5s | %6s | %5s | %6s | %7s | %8s | %8s |\n' \
        "$row_name" "$ctrl" "$dnload" "$erase" "$upload" "$getstat" "$cmd_ms" "$total_ms"
}

# bench_enter OS: one table row for "normal mode -> DFU mode ready" on Device OS OS.
bench_enter() {
    local os=$1 ready=() cmd=() i
    for ((i = 1; i <= RUNS; i++)); do
        local rc=0
        "$EMU" --normal-mode --device-os "$os" --transcript "$WORK/enter-$os.$i.jsonl" -- \
            bash -c 's=$(date +%s%N); "$@" >"'"$WORK/enter-$os.$i.json"'" 2>/dev/null; rc=$?; e=$(date +%s%N);
                    echo $((e - s)) >"'"$WORK/enter-$os.$i.ns"'"; exit $rc' _ "$PHOTON_DCT" --json dfu || rc=$?
        if [[ $rc -ne 0 ]]; then
            echo "run-perf.sh: dfu on Device OS $os run $i exited $rc:" >&2
            cat "$WORK/enter-$os.$i.json" >&2
            exit 1
        fi
        ready+=("$(grep -m1 '"seconds"' "$WORK/enter-$os.$i.json" | sed 's/[^0-9.]//g')")
        cmd+=("$(cat "$WORK/enter-$os.$i.ns")")
    done
    local request ctrl
    request=$(grep -A2 '"entered": true' "$WORK/enter-$os.1.json" | grep -m1 '"request"' | sed 's/.*"request": "\(.*\)".*/\1/')
    ctrl=$(wc -l <"$WORK/enter-$os.1.jsonl")
    printf '| %-11s | %-38s | %5s | %7s | %8s |\n' "$os" "$request" "$ctrl" \
        "$(printf '%s\n' "${ready[@]}" | sort -n | awk '{v[NR]=$1} END {printf "%.2f", (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}')" \
        "$(printf '%s\n' "${cmd[@]}" | median | awk '{printf "%.1f", $1 / 1e6}')"
}

echo "photon-dct benchmark against the emulated Photon (photon-dct-emu)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); load average: $(cut -d' ' -f1-3 /proc/loadavg); nproc: $(nproc); CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "photon-dct $("$PHOTON_DCT" --version | head -1 | awk '{print $2}'), $("$DFU_UTIL" --version 2>/dev/null | head -1), runs per operation: $RUNS (median)"
echo

status=0
for poll in $POLL_SETTINGS; do
    if [[ $poll == default ]]; then
        poll_args=""
        echo "### Emulator poll time: default (bwPollTimeout 500 ms after a data write, as the real bootloader)"
    else
        poll_args="--poll-ms $poll"
        echo "### Emulator poll time: --poll-ms $poll (protocol overhead only)"
    fi
    tag=${poll}
    echo
    printf '| %-38s | %5s | %6s | %5s | %6s | %7s | %8s | %8s |\n' operation ctrl dnload erase upload getstat "cmd ms" "total ms"
    printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..40})" "-------" "--------" "-------" "--------" \
        "---------" "----------" "----------"
    # Round robin: run i of every operation before run i+1 of any, so that a change in the machine's
    # load during the benchmark shifts all rows alike instead of one.
    for ((i = 1; i <= RUNS; i++)); do
        run_once "pd-inspect-$tag" "$poll_args" "$i" -- "$PHOTON_DCT" inspect
        run_once "pd-restore-$tag" "$poll_args" "$i" -- \
            "$PHOTON_DCT" restore-server --pem "$KEY" --host "$HOST" --backup-dir "$WORK"
        run_once "pd-backup-$tag" "$poll_args" "$i" -- "$PHOTON_DCT" backup -o "$WORK/backup-$tag-@N@.dct"
        run_once "du-read-$tag" "$poll_args" "$i" -- \
            "$DFU_UTIL" -d 2b04:d006 -a 1 -s 0:16384 -U "$WORK/dfu-read-$tag-@N@.dct"
        run_once "du-write-$tag" "$poll_args" "$i" -- "$DFU_UTIL" -d 2b04:d006 -a 1 -s 2082 -D "$WORK/block512.bin"
    done
    report "pd-inspect-$tag" "photon-dct inspect"
    report "pd-restore-$tag" "photon-dct restore-server (repair)"
    report "pd-backup-$tag" "photon-dct backup"
    report "du-read-$tag" "dfu-util read (-U, 16384 bytes)"
    report "du-write-$tag" "dfu-util write (-D, 512 bytes at 2082)"
    echo
    awk -v a="${TOTAL_MS[pd-restore-$tag]}" -v b="${TOTAL_MS[du-write-$tag]}" \
        'BEGIN {printf "ratio: photon-dct restore-server / dfu-util write (total ms): %.2fx\n", a / b}'
    awk -v a="${TOTAL_MS[pd-inspect-$tag]}" -v b="${TOTAL_MS[du-read-$tag]}" \
        'BEGIN {printf "ratio: photon-dct inspect / dfu-util read (total ms): %.2fx\n", a / b}'
    echo

    # Checks: one data download and no erase for a repair; same result as dfu-util's write.
    read -r _ dnload erase _ _ <<<"$(count_transcript "$WORK/pd-restore-$tag.jsonl")"
    if [[ $dnload -eq 1 && $erase -eq 0 ]]; then
        echo "check: photon-dct restore-server made exactly 1 data download and 0 erase commands: OK"
    else
        echo "check: photon-dct restore-server made $dnload data downloads and $erase erase commands: FAILED"
        status=1
    fi
    changed=$(cmp -l "$IMAGE" "$WORK/pd-restore-$tag.dump" | awk '{print $1 - 1}' || true)
    outside=$(awk '$1 < 2082 || $1 > 2593' <<<"$changed" | wc -l)
    if [[ -n "$changed" && $outside -eq 0 ]]; then
        echo "check: the repaired DCT differs from the original only inside 2082..2593 ($(wc -l <<<"$changed") bytes): OK"
    else
        echo "check: $outside changed bytes outside 2082..2593 (or nothing changed): FAILED"
        status=1
    fi
    if cmp -s "$WORK/pd-restore-$tag.dump" "$WORK/du-write-$tag.dump"; then
        echo "check: dfu-util's write leaves the same 16 KiB DCT as photon-dct's repair: OK"
    else
        echo "check: dfu-util's write and photon-dct's repair leave different DCTs: FAILED"
        status=1
    fi
    if cmp -s "$WORK/backup-$tag-1.dct" "$WORK/dfu-read-$tag-1.dct"; then
        echo "check: photon-dct backup equals dfu-util's read byte for byte: OK"
    else
        echo "check: photon-dct backup and dfu-util's read differ: FAILED"
        status=1
    fi
    echo
done

echo "### Normal mode to DFU mode ready (photon-dct dfu, emulator --reenumerate-ms 700)"
echo
printf '| %-11s | %-38s | %5s | %7s | %8s |\n' "Device OS" request ctrl "ready s" "cmd ms"
printf '|%s|%s|%s|%s|%s|\n' "-------------" "$(printf -- '-%.0s' {1..40})" "-------" "---------" "----------"
for os in ${ENTER_VERSIONS:-0.5.3 0.6.0 0.6.3 0.7.0 1.0.0 1.5.2}; do bench_enter "$os"; done
echo
exit $status
