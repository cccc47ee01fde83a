#!/usr/bin/env bash
# package_test.sh BUILD_DIR: installs rtparchive from BUILD_DIR into a
# temporary prefix as a user of the library would, builds
# examples/minimal_recorder against the installed package (CMake, shared and
# static, then pkg-config), runs it on a capture and checks its archive with
# `rtparchive verify` and ffprobe; then makes the Debian package with CPack,
# checks its control data, unpacks it into a temporary root, verifies its
# systemd unit and starts the unpacked binary (--version, --help, and the node
# answering on loopback).
set -euo pipefail
build=$(cd "$1" && pwd)
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
capture=$source_dir/testdata/captures/av-sync.pcap
work=$(mktemp -d /tmp/rtparchive-package.XXXXXX)
node_pid=""
cleanup() {
  [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# A command that fails shows its output (kept in $work/step.log) and line.
trap 'status=$?; echo "FAIL: line $LINENO exited $status" >&2; cat "$work/step.log" >&2 2>/dev/null' ERR
step() { echo "== $*"; }

step "cmake --install into a temporary prefix"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/step.log" 2>&1
for file in bin/rtparchive lib/librtparchive.so lib/librtparchive.a include/rtparchive/archive.h \
            lib/cmake/rtparchive/rtparchiveConfig.cmake lib/cmake/rtparchive/rtparchiveTargets.cmake \
            lib/pkgconfig/rtparchive.pc share/rtparchive/manifest.schema.json \
            share/rtparchive/node.json.example lib/systemd/system/rtparchive.service; do
  [ -e "$prefix/$file" ] || fail "the install has no $file"
done
grep -q "^ExecStart=$prefix/bin/rtparchive serve" "$prefix/lib/systemd/system/rtparchive.service" \
  || fail "the unit does not start the installed binary"
# The installed headers must not need anything from the source tree.
for header in "$prefix"/include/rtparchive/*.h; do
  grep -h '#include "' "$header" | grep -v '"absl/\|"rtparchive/' && fail "$header includes a private header"
done

check_archive() {  # check_archive ZIP MANIFEST_OUTPUT
  "$build/rtparchive" verify "$1" >/dev/null || fail "$1 does not verify"
  python3 - "$1" "$2" <<'PY' || exit 1
import json, subprocess, sys, tempfile, zipfile
zip_path, printed = sys.argv[1], open(sys.argv[2]).read()
manifest = json.loads(printed)
assert len(manifest["files"]) == 1, manifest
with zipfile.ZipFile(zip_path) as z, tempfile.TemporaryDirectory() as d:
    name = manifest["files"][0]["filename"]
    z.extract(name, d)
    probe = json.loads(subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-show_streams", "-of", "json",
                                       f"{d}/{name}"], check=True, capture_output=True, text=True).stdout)
    kinds = {s["codec_name"]: int(s["nb_read_frames"]) for s in probe["streams"]}
    assert kinds.get("vp8", 0) == 150 and kinds.get("opus", 0) == 251, kinds
print("   ", manifest["files"][0]["filename"], "150 VP8 + 251 Opus frames")
PY
}

step "examples/ against the installed CMake package"
cmake -S "$source_dir/examples" -B "$work/examples" -DCMAKE_PREFIX_PATH="$prefix" >"$work/step.log" 2>&1
cmake --build "$work/examples" -j "$(nproc)" >"$work/step.log" 2>&1
for program in minimal_recorder minimal_recorder_static; do
  "$work/examples/$program" "$capture" "$work/$program.zip" >"$work/$program.json" || fail "$program failed"
  check_archive "$work/$program.zip" "$work/$program.json"
done
grep -q "$prefix/lib/librtparchive.so" <<<"$(ldd "$work/examples/minimal_recorder")" \
  || fail "minimal_recorder does not load the installed librtparchive.so"
grep -q librtparchive <<<"$(ldd "$work/examples/minimal_recorder_static")" \
  && fail "minimal_recorder_static loads librtparchive.so"

step "examples/ with pkg-config"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
# shellcheck disable=SC2046  # pkg-config prints words
g++ -std=c++17 -o "$work/pc_recorder" "$source_dir/examples/minimal_recorder.cc" \
  $(pkg-config --cflags --libs rtparchive libpcap) -Wl,-rpath,"$prefix/lib"
"$work/pc_recorder" "$capture" "$work/pc.zip" >"$work/pc.json" || fail "the pkg-config build failed"
check_archive "$work/pc.zip" "$work/pc.json"
unset PKG_CONFIG_PATH

step "Debian package with CPack"
(cd "$build" && cpack -G DEB -B "$work/deb" >"$work/step.log" 2>&1)
deb=$(ls "$work"/deb/rtparchive_*_amd64.deb)
version=$(sed -n 's/^project(rtparchive VERSION \([0-9.]*\).*/\1/p' "$source_dir/CMakeLists.txt")
[ "$(basename "$deb")" = "rtparchive_${version}_amd64.deb" ] || fail "unexpected package name $(basename "$deb")"
control=$(dpkg-deb --field "$deb")
for want in "Package: rtparchive" "Version: $version" "Architecture: amd64"; do
  grep -qx "$want" <<<"$control" || fail "control has no '$want'"
done
depends=$(dpkg-deb --field "$deb" Depends)
for library in libmatroska libebml libwebm libzip libpcap libssl adduser; do
  grep -q "$library" <<<"$depends" || fail "Depends lacks $library: $depends"
done
for script in postinst prerm postrm; do
  dpkg-deb --ctrl-tarfile "$deb" | tar -xO "./$script" >"$work/$script" || fail "no $script"
  sh -n "$work/$script" || fail "$script is not valid sh"
done

step "unpacked into a temporary root"
root=$work/root
dpkg-deb -x "$deb" "$root"
for file in usr/bin/rtparchive usr/lib/systemd/system/rtparchive.service usr/include/rtparchive/archive.h \
            usr/share/rtparchive/manifest.schema.json; do
  [ -e "$root/$file" ] || fail "the package has no /$file"
done
ls "$root"/usr/lib/*/librtparchive.so.0 >/dev/null 2>&1 || ls "$root"/usr/lib/librtparchive.so.0 >/dev/null \
  || fail "the package has no librtparchive.so.0"
unit=$root/usr/lib/systemd/system/rtparchive.service
grep -q '^ExecStart=/usr/bin/rtparchive serve --config /etc/rtparchive/node.json$' "$unit" || fail "ExecStart"
grep -q '^User=rtparchive$' "$unit" && grep -q '^StateDirectory=rtparchive$' "$unit" || fail "user or state dir"
if command -v systemd-analyze >/dev/null; then
  # The unit as it would run from this root.
  sed "s#/usr/bin/rtparchive#$root/usr/bin/rtparchive#" "$unit" >"$work/rtparchive.service"
  verify=$(systemd-analyze verify "$work/rtparchive.service" 2>&1 | grep rtparchive.service || true)
  [ -z "$verify" ] || fail "systemd-analyze verify: $verify"
fi
# Read whole first: grep -q stops reading at its match, and with pipefail the
# writer's SIGPIPE would fail the check.
version_text=$("$root/usr/bin/rtparchive" --version)
help_text=$("$root/usr/bin/rtparchive" --help 2>&1)
grep -q "^rtparchive $version" <<<"$version_text" || fail "--version"
grep -q "rtparchive serve --config" <<<"$help_text" || fail "--help"

step "the packaged node starts and answers"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/state"
python3 - "$root/usr/share/rtparchive/node.json.example" "$work/node.json" "$port" "$work/state" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config.update(listen=f"127.0.0.1:{sys.argv[3]}", mediaAddress="127.0.0.1", storage=sys.argv[4])
json.dump(config, open(sys.argv[2], "w"))
PY
"$root/usr/bin/rtparchive" serve --config "$work/node.json" >"$work/node.log" 2>&1 &
node_pid=$!
code=000
for _ in $(seq 50); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/project/100001/archive" || true)
  [ "$code" != 000 ] && break
  sleep 0.1
done
[ "$code" = 401 ] || [ "$code" = 403 ] || { cat "$work/node.log" >&2; fail "the node answered $code, not 401/403"; }
kill -TERM "$node_pid"
wait "$node_pid" || fail "the node exited with $? on SIGTERM"
node_pid=""
echo "package test passed"
