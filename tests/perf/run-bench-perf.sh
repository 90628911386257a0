#!/usr/bin/env bash
# run-bench-perf.sh: `photon-dct bench` with 8 emulated units attached at once against one unit.
#
# Usage:
#   tests/perf/run-bench-perf.sh BUILD_DIR [RUNS]
#   POLL_MS=1 tests/perf/run-bench-perf.sh BUILD_DIR [RUNS]   # write busy time 1 ms: USB round trips only
#
#   BUILD_DIR  a CMake build tree of this repo with photon-dct and photon-dct-emu built
#   RUNS       timed runs per case (default 5); the median is printed
#
# Every unit holds the field-failure image (tests/data/field-failure-photon-0.6.3.dct) with its own
# device ID, so each one needs one write of its server block; the emulator keeps its default
# bwPollTimeout of 500 ms after a data write (the real bootloader's busy time). Each run is
#   photon-dct-emu --devices N --dct u0 ... -- photon-dct bench --profile P --count N
# "bench s" is the bench's own elapsed time from its summary (first listing to last unit done),
# "total s" the wall time with the emulator's set-up and tear-down, "units/min" from the bench s;
# then the ratio of the medians (the issue's goal: 8 units at once <= 1.3x one unit) and the load
# average before and after (the machine may be shared: say so next to the figures). Last, the same N
# units provisioned by N separate `photon-dct provision --path 1-I` processes started at once under
# one emulator ("processes s", wall time inside the emulator session): what the bench's one process
# and shared libusb context cost against separate processes.
set -euo pipefail
BUILD=${1:?usage: run-bench-perf.sh BUILD_DIR [RUNS]}
RUNS=${2:-5}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
P=$(cd "$BUILD" && pwd)/src/cli/photon-dct
E=$(cd "$BUILD" && pwd)/tests/emu/photon-dct-emu
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Unit i: the field-failure image with device ID = the serial the emulator gives unit i.
python3 - "$ROOT/tests/data/field-failure-photon-0.6.3.dct" "$WORK" <<'PY'
import sys
src, work = sys.argv[1], sys.argv[2]
base = "3a0036000247363333343435"
image = bytearray(open(src, "rb").read())
for i in range(8):
    serial = base[:-4] + "%04x" % ((int(base[-4:], 16) + i) & 0xFFFF)
    image[3618:3630] = bytes.fromhex(serial)  # device_id (docs/dct-format.md 2)
    open(f"{work}/u{i}.dct", "wb").write(image)
PY

EMU_ARGS=()
[[ -n ${POLL_MS:-} ]] && EMU_ARGS=(--poll-ms "$POLL_MS")

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

run_case() { # N
    local n=$1 dcts=() i
    for ((i = 0; i < n; i++)); do dcts+=(--dct "$WORK/u$i.dct"); done
    : >"$WORK/bench.$n" && : >"$WORK/total.$n"
    for ((r = 0; r < RUNS; r++)); do
        local run=$WORK/run.$n.$r
        mkdir -p "$run/backups" "$run/keys"
        cp "$ROOT/tests/data/private-cloud-server.pub.pem" "$run/server.pub.pem"
        printf 'name = "perf"\n[server]\nkey = "server.pub.pem"\nhost = "cloud.example.com"\nport = 5683\n[device_key]\npublic_keys = "keys"\n[files]\nbackups = "backups"\naudit = "audit.jsonl"\n' >"$run/p.toml"
        local t0 t1
        t0=$(date +%s.%N)
        "$E" "${EMU_ARGS[@]}" --devices "$n" "${dcts[@]}" -- "$P" --json bench --profile "$run/p.toml" --count "$n" >"$run/out.jsonl" 2>/dev/null || true
        t1=$(date +%s.%N)
        python3 -c 'import json,sys; d=[json.loads(l) for l in open(sys.argv[1])]; s=d[-1]["result"]; assert s["passed"]==int(sys.argv[2]), s; print(s["seconds"])' "$run/out.jsonl" "$n" >>"$WORK/bench.$n"
        echo "$t1 - $t0" | bc -l >>"$WORK/total.$n"
    done
    local b t
    b=$(median <"$WORK/bench.$n")
    t=$(median <"$WORK/total.$n")
    printf '%-6s %8.2f %8.2f %10.1f\n' "$n" "$b" "$t" "$(echo "$n * 60 / $b" | bc -l)"
    echo "$b" >"$WORK/median.$n"
}

run_processes() { # N
    local n=$1 dcts=() i
    for ((i = 0; i < n; i++)); do dcts+=(--dct "$WORK/u$i.dct"); done
    : >"$WORK/processes.$n"
    for ((r = 0; r < RUNS; r++)); do
        local run=$WORK/proc.$n.$r
        mkdir -p "$run"
        cp -r "$WORK/run.$n.0/p.toml" "$WORK/run.$n.0/server.pub.pem" "$run/"
        mkdir -p "$run/backups" "$run/keys"
        "$E" "${EMU_ARGS[@]}" --devices "$n" "${dcts[@]}" -- bash -c '
            s=$(date +%s.%N)
            for ((i = 1; i <= $1; i++)); do "$2" -q provision --profile "$3" --path "1-$i" >/dev/null 2>&1 & done
            wait
            echo "$(date +%s.%N) - $s" | bc -l' _ "$n" "$P" "$run/p.toml" >>"$WORK/processes.$n"
        [[ $(grep -c '"written"' "$run/audit.jsonl") == "$n" ]] ||
            echo "warning: processes run $r: $(grep -c '"written"' "$run/audit.jsonl") of $n units written: $(grep -v '"written"' "$run/audit.jsonl" | cut -c1-300)" >&2
    done
    printf '%-6s %12.2f\n' "$n" "$(median <"$WORK/processes.$n")"
}

echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); nproc: $(nproc); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "units  bench s  total s  units/min   (median of $RUNS runs; emulator write busy time ${POLL_MS:-500} ms)"
run_case 1
run_case 8
echo "ratio 8 units / 1 unit (bench s): $(echo "$(cat "$WORK/median.8") / $(cat "$WORK/median.1")" | bc -l | cut -c1-4)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "units  processes s   (N separate provision processes at once, median of $RUNS runs)"
run_processes 1
run_processes 8
