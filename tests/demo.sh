#!/usr/bin/env bash
# The newcomer's demo: installs what is needed, builds photon-dct and the emulated Photon
# bootloader, then diagnoses and repairs the field failure on an emulated Photon over (emulated) USB.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD_DIR:-build}

tests/install-deps.sh
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target photon-dct photon-dct-emu

export PATH="$PWD/$BUILD/src/cli:$PATH"
DEMO_DIR=$(mktemp -d /tmp/photon-dct-demo.XXXXXX)
export DEMO_DIR DATA="$PWD/tests/data"
echo
echo "== An emulated Photon (Device OS 0.6.3) whose TCP server address was erased by a power cut"
echo "== Backups and the final DCT go to $DEMO_DIR"
"$BUILD/tests/emu/photon-dct-emu" --platform photon --dct tests/data/field-failure-photon-0.6.3.dct \
  --dump "$DEMO_DIR/final.dct" --transcript "$DEMO_DIR/usb-transcript.jsonl" -- bash -c '
step() { printf "\n\033[1m\$ %s\033[0m\n" "$*"; "$@"; echo "(exit status $?)"; }
set +e
step photon-dct list
step photon-dct inspect --device-os 0.6.3
step photon-dct restore-server --pem "$DATA/private-cloud-server.pub.pem" --host cloud.example.com --port 5683 --backup-dir "$DEMO_DIR"
step photon-dct inspect --device-os 0.6.3
step photon-dct restore-server --pem "$DATA/private-cloud-server.pub.pem" --host cloud.example.com --port 5683 --backup-dir "$DEMO_DIR" --leave
'
echo
echo "== The unit reset into its firmware. Bytes that differ from the original DCT (offset: old new):"
cmp -l tests/data/field-failure-photon-0.6.3.dct "$DEMO_DIR/final.dct" | awk '{printf "%d:%s->%s ", $1-1, $2, $3} END {print ""}'
