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

echo
echo "== A bench: three Photons with erased server addresses plugged in 0.5 s apart, one profile, one"
echo "== verified write each, an audit line each (the device IDs differ per unit, as on a real bench)"
python3 - tests/data/field-failure-photon-0.6.3.dct "$DEMO_DIR" <<'PY'
import sys
src, out = sys.argv[1], sys.argv[2]
image = bytearray(open(src, "rb").read())
base = "3a0036000247363333343435"  # the emulator's serial for unit 0; unit i gets base + i
for i in range(3):
    image[3618:3630] = bytes.fromhex(base[:-4] + "%04x" % (int(base[-4:], 16) + i))  # device ID (docs/dct-format.md 2)
    open(f"{out}/bench-u{i}.dct", "wb").write(image)
PY
cp tests/data/private-cloud-server.pub.pem "$DEMO_DIR/server.pub.pem"
mkdir -p "$DEMO_DIR/device-keys" "$DEMO_DIR/backups"
printf 'name = "demo"\n[server]\nkey = "server.pub.pem"\nhost = "cloud.example.com"\nport = 5683\n[device_key]\nmissing = "fail"\npublic_keys = "device-keys"\n[files]\nbackups = "backups"\naudit = "audit.jsonl"\n' >"$DEMO_DIR/bench.toml"
"$BUILD/tests/emu/photon-dct-emu" --devices 3 --dct "$DEMO_DIR/bench-u0.dct" --dct "$DEMO_DIR/bench-u1.dct" \
  --dct "$DEMO_DIR/bench-u2.dct" --arrive-every 500 --unplug-after-leave 300 -- bash -c '
printf "\n\033[1m\$ photon-dct bench --profile bench.toml --count 3\033[0m\n"
photon-dct bench --profile "$DEMO_DIR/bench.toml" --count 3 --operator demo; echo "(exit status $?)"'
echo
echo "== $(wc -l <"$DEMO_DIR/audit.jsonl") lines in the audit log $DEMO_DIR/audit.jsonl"
