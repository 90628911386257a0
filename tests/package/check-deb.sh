#!/usr/bin/env bash
# Builds the Debian package from an already configured build directory, unpacks it into a scratch
# root (dpkg-deb -x, no root needed), checks its layout, runs the installed photon-dct on a shipped
# DCT image, and runs lintian on it: any lintian error or warning fails.
# Usage: tests/package/check-deb.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=$(realpath "${1:-build}")
fail() { echo "check-deb: $*" >&2; exit 1; }

rm -f "$BUILD"/photon-dct_*.deb
cmake --build "$BUILD" --target package -j "$(nproc)" >"$BUILD/check-deb-package.log" 2>&1 ||
    { tail -n 30 "$BUILD/check-deb-package.log" >&2; fail "building the package failed"; }
debs=("$BUILD"/photon-dct_*_*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || fail "expected one photon-dct_<version>_<arch>.deb in $BUILD"
deb=${debs[0]}
echo "package: $(basename "$deb"), $(stat -c %s "$deb") bytes"

root=$(mktemp -d "${TMPDIR:-/tmp}/photon-dct-deb.XXXXXX")
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"

for f in usr/bin/photon-dct usr/share/man/man1/photon-dct.1.gz usr/lib/udev/rules.d/60-photon-dct.rules \
    usr/share/photon-dct/particle-tcp-server-key.pub.pem usr/share/photon-dct/particle-udp-server-key.pub.pem \
    usr/share/doc/photon-dct/copyright usr/share/doc/photon-dct/changelog.gz \
    usr/share/bash-completion/completions/photon-dct usr/share/zsh/vendor-completions/_photon-dct \
    usr/share/fish/vendor_completions.d/photon-dct.fish; do
    [ -f "$root/$f" ] || fail "/$f is missing from the package"
done
# Only the tool: neither the emulator nor any test program.
extra=$(dpkg-deb -c "$deb" | awk '{print $6}' | grep -E 'emu|test|fuzz' || true)
[ -z "$extra" ] || fail "test files in the package: $extra"
readelf -S "$root/usr/bin/photon-dct" | grep -q '\.debug_info' && fail "/usr/bin/photon-dct is not stripped"
gzip -t "$root/usr/share/man/man1/photon-dct.1.gz" || fail "the man page is not a valid gzip file"
dpkg-deb -f "$deb" Depends | grep -q 'libusb-1.0-0' || fail "Depends lacks libusb-1.0-0 (dpkg-shlibdeps?)"
# The binary loads no shared C++ library (docs/architecture.md, "What the binary loads").
cxx=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | grep -E 'libstdc\+\+|libgcc-s|libfmt|libtomlplusplus' || true)
[ -z "$cxx" ] || fail "Depends names a shared C++ library: $cxx"

bin="$root/usr/bin/photon-dct"
"$bin" --version
"$bin" --version | grep -q '^photon-dct ' || fail "--version does not name photon-dct"
set +e
out=$("$bin" inspect --file tests/data/field-failure-photon-0.6.3.dct --device-os 0.6.3)
status=$?
set -e
[ "$status" -eq 11 ] || fail "inspect of the field-failure image exited $status, expected 11 (findings)"
grep -q 'server-address-blank' <<<"$out" || fail "inspect did not report server-address-blank"
echo "installed photon-dct: --version and inspect --file work (exit 11, server-address-blank)"

# lintian warns on stderr when run as root; that line is not a finding.
lintian_out=$(lintian --fail-on error,warning "$deb" 2>&1) || { echo "$lintian_out" >&2; fail "lintian reports errors or warnings"; }
echo "lintian: $(grep -v 'running with root privileges' <<<"$lintian_out" | grep -c . || true) findings (info level at most)"
grep -v 'running with root privileges' <<<"$lintian_out" || true
echo "check-deb: ok"
