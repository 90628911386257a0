#!/usr/bin/env bash
# The newcomer's demo: installs what is needed, builds photon-dct and the emulated Photon
# bootloader, then diagnoses and repairs the field failure on an emulated Photon over (emulated) USB.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=$(realpath -m "${BUILD_DIR:-build}")

tests/install-deps.sh
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target photon-dct photon-dct-emu

export PATH="$BUILD/src/cli:$PATH"
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
echo "== The unit reset into its firmware. Its final DCT against the original:"
{ cmp -l tests/data/field-failure-photon-0.6.3.dct "$DEMO_DIR/final.dct" || true; } |
  awk 'NR == 1 {lo = $1 - 1} {hi = $1 - 1; n++} END {printf "   %d bytes differ, all within DCT offsets %d..%d (the server block is 2082..2593)\n", n, lo, hi}'

echo
echo "== A second emulated Photon whose device private key was erased; its DCT was backed up at provisioning"
"$BUILD/tests/emu/photon-dct-emu" --platform photon --dct tests/data/erased-device-key-photon.dct \
  --dump "$DEMO_DIR/final-key.dct" -- bash -c '
step() { printf "\n\033[1m\$ %s\033[0m\n" "$*"; "$@"; echo "(exit status $?)"; }
set +e
step photon-dct inspect
step photon-dct restore --from "$DATA/photon-provisioned-backup.dct" --only device-key --backup-dir "$DEMO_DIR"
step photon-dct inspect
step photon-dct export-public-key
'
echo
if cmp -s tests/data/photon-provisioned-backup.dct "$DEMO_DIR/final-key.dct"; then
  echo "== The unit's DCT is byte-for-byte the provisioning backup again."
else
  echo "== The unit's DCT differs from the provisioning backup:"; cmp -l tests/data/photon-provisioned-backup.dct "$DEMO_DIR/final-key.dct" | head
fi
