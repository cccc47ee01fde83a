#!/usr/bin/env bash
# bench.sh — how fast rtparchive replays, next to the tools a user would pick
# instead, measured side by side in one run on the same captures.
#
#   scripts/bench.sh [SECONDS]     (capture length, default 600 s)
#
# 1. Microbenchmarks (Google Benchmark): RTP parsing, the per-packet path
#    (parse, reorder, depacketize, assemble; no disk), the WebM writer, the
#    finaliser's ZIP; the node's source gate (a publisher's packets, floods).
# 2. Captures from ../shared/corpus/make-corpus.sh (no audio, no RTCP: plain
#    RTP video every anchor can read), cached in
#    ${XDG_CACHE_HOME:-~/.cache}/rtparchive-bench: one VP8 stream of SECONDS
#    (640x480, 1500 kbps), one H.264 stream of SECONDS/2 (1280x720,
#    2500 kbps), eight VP8 streams of SECONDS/5, and one VP8 stream of
#    SECONDS/5 for the memory check.
# 3. ../shared/bench/anchors.sh on the VP8 capture: hyperfine, each tool's
#    runs in a row: GStreamer (pcapparse ! rtpjitterbuffer ! rtpvp8depay !
#    webmmux), Janus's pcap2mjr and janus-pp-rec, cat and cp, and `rtparchive
#    replay`.
# 4. scripts/bench_rounds.py on each capture: the same tools in alternating
#    rounds (ROUNDS, default 9; the order rotates each round; `sync` before
#    each run, untimed), one GStreamer pipeline and one Janus conversion per
#    stream; every tool's frames checked against the ground truth (H.264: its
#    slices). The medians and ratios to report come from these.
# 5. rtparchive's peak RSS on the VP8 capture and on one a fifth as long.
# 6. scripts/bench_upload.py: a 1 GiB archive uploaded by `rtparchive upload`
#    and by `curl -T` to the same loopback store (Ceph's RADOS Gateway),
#    rounds alternating; and by `rtparchive upload` to Azurite.
# 7. scripts/bench_node.py: the recording node under N = 100, 300, 500, 1000
#    live publishers of a 20-s VP8 640x480 1.5 Mbit/s + Opus + RTCP capture
#    (bench/node_load.cc sends them from CPU 1, the node runs on CPU 0), plain
#    RTP and SRTP (SDES, AEAD_AES_128_GCM and AES_CM_128_HMAC_SHA1_80).
# 8. bench/finalise_benchmark.cc: stop -> available of 50 streams x 6 and x 60
#    minutes (8 GB under $TMPDIR, default /var/tmp), made through the library
#    on a simulated clock; the ZIP written (replay) and given as pieces (the
#    node).
# 9. bench/port_layout_benchmark.cc: one media port per publisher against one
#    shared port (receive CPU per datagram, losses quiet and under a flood).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
bash scripts/setup.sh
for p in hyperfine janus-tools time; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null; }
done
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target rtparchive_cli packet_path_benchmark media_gate_benchmark node_load \
  finalise_benchmark port_layout_benchmark >/dev/null

echo "== microbenchmarks"
./build/packet_path_benchmark --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
# A media port's source gate per packet (a publisher's, and refused floods),
# next to BM_RtpParse above.
./build/media_gate_benchmark --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

cache=${XDG_CACHE_HOME:-$HOME/.cache}/rtparchive-bench
mkdir -p "$cache"
capture() {  # capture NAME make-corpus.sh-options...
  local name=$1; shift
  [ -f "$cache/$name.pcap" ] || ../shared/corpus/make-corpus.sh -o "$cache/$name" --no-audio --no-rtcp "$@" >/dev/null
}
capture "vp8-$seconds" --duration "$seconds" --bitrate 1500
capture "vp8-$((seconds / 5))" --duration "$((seconds / 5))" --bitrate 1500
capture "h264-720p-$((seconds / 2))" --codec h264 --duration "$((seconds / 2))" --size 1280x720 --bitrate 2500
capture "vp8-8x$((seconds / 5))" --streams 8 --duration "$((seconds / 5))" --bitrate 1500
prefix=$cache/vp8-$seconds

echo "== side by side on $prefix.pcap (../shared/bench/anchors.sh: each tool's runs in a row)"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT  # every tool's outputs: gigabytes a run
EXTRA_CMD="$PWD/build/rtparchive replay {in} -o {out}/rtparchive.zip --quiet --noprogress" \
  ../shared/bench/anchors.sh "$prefix" "$out"

# The runs above come in blocks of one tool; on this shared machine a block
# can meet a slow spell the others miss. The ratios are taken from rounds in
# which every tool runs once, in an order that rotates each round.
rounds=${ROUNDS:-9}
for name in "vp8-$seconds" "h264-720p-$((seconds / 2))" "vp8-8x$((seconds / 5))"; do
  echo "== alternating: $rounds rounds of every tool on $name"
  mkdir -p "$out/$name"
  python3 scripts/bench_rounds.py "$PWD/build/rtparchive" "$cache/$name" "$out/$name" "$rounds"
done

peak_rss_mb() {  # peak_rss_mb CAPTURE: the peak RSS of one replay (GNU time's %M, in KB)
  /usr/bin/time -f %M -o "$out/rss.txt" "$PWD/build/rtparchive" replay "$1" -o "$out/rss.zip" --quiet --noprogress
  awk '{printf "%.1f", $1 / 1024}' "$out/rss.txt"
}
echo "peak RSS: $(peak_rss_mb "$prefix.pcap") MB on the $seconds-second capture," \
  "$(peak_rss_mb "$cache/vp8-$((seconds / 5)).pcap") MB on one a fifth as long"

echo "== upload throughput, 1 GiB (scripts/bench_upload.py)"
python3 scripts/bench_upload.py build/rtparchive 3 1024

echo "== the node under N live publishers (scripts/bench_node.py)"
[ -f "$cache/node-vp8-av-20.pcap" ] ||  # with its Opus and RTCP, as a publisher sends
  ../shared/corpus/make-corpus.sh -o "$cache/node-vp8-av-20" --duration 20 --bitrate 1500 >/dev/null
python3 scripts/bench_node.py build/rtparchive build/node_load "$cache/node-vp8-av-20" 100,300,500,1000 \
  plain,srtp-gcm,srtp-cm

echo "== stop -> available of a long archive (bench/finalise_benchmark.cc)"
./build/finalise_benchmark

echo "== one media port per publisher or one shared port (bench/port_layout_benchmark.cc)"
./build/port_layout_benchmark
