#!/usr/bin/env bash
# demo.sh — install what is needed, build, and replay the bundled capture
# (testdata/captures/vp8-clean.pcap: 3 s of VP8 + Opus from GStreamer's
# payloaders) into out/demo.zip, then show what the archive holds.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target rtparchive_cli
mkdir -p out
rm -rf out/demo.zip out/demo.zip.parts
./build/rtparchive replay testdata/captures/vp8-clean.pcap -o out/demo.zip
echo
unzip -l out/demo.zip
unzip -p out/demo.zip '*.json'
