#!/usr/bin/env bash
# bench.sh — how fast rtparchive replays, next to the tools a user would pick
# instead, measured side by side in one run on the same capture.
#
#   scripts/bench.sh [SECONDS]     (capture length, default 600 s)
#
# 1. Microbenchmarks (Google Benchmark): RTP parsing, the per-packet path
#    (copy, parse, reorder, depacketize, assemble; no disk), the WebM writer.
# 2. A single-stream VP8 capture from ../shared/corpus/make-corpus.sh
#    (640x480, 1500 kbps, no audio, no RTCP: every anchor can read it), cached
#    in ${XDG_CACHE_HOME:-~/.cache}/rtparchive-bench, then
#    ../shared/bench/anchors.sh times, with hyperfine (each tool's runs in a row):
#    GStreamer (pcapparse ! rtpjitterbuffer ! rtpvp8depay ! webmmux), Janus's
#    pcap2mjr and janus-pp-rec, cat and cp, and `rtparchive replay`; it checks
#    that GStreamer's and Janus's outputs hold every ground-truth frame.
# 3. The same tools again in alternating rounds (ROUNDS, default 9; the order
#    rotates each round; `sync` before each run, untimed): the medians and
#    ratios to report come from these.
# 4. rtparchive's archive checked against the ground truth, and its peak RSS
#    on this capture and on one a fifth as long.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
bash scripts/setup.sh
for p in hyperfine janus-tools; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null; }
done
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target rtparchive_cli packet_path_benchmark >/dev/null

echo "== microbenchmarks"
./build/packet_path_benchmark --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

cache=${XDG_CACHE_HOME:-$HOME/.cache}/rtparchive-bench
mkdir -p "$cache"
capture() {  # capture NAME SECONDS
  [ -f "$cache/$1.pcap" ] || ../shared/corpus/make-corpus.sh -o "$cache/$1" --duration "$2" \
    --bitrate 1500 --no-audio --no-rtcp >/dev/null
}
capture "vp8-$seconds" "$seconds"
capture "vp8-$((seconds / 5))" "$((seconds / 5))"
prefix=$cache/vp8-$seconds

echo "== side by side on $prefix.pcap (../shared/bench/anchors.sh: each tool's runs in a row)"
out=$(mktemp -d)
EXTRA_CMD="$PWD/build/rtparchive replay {in} -o {out}/rtparchive.zip --quiet --noprogress" \
  ../shared/bench/anchors.sh "$prefix" "$out"

# The runs above come in blocks of one tool; on this shared machine a block
# can meet a slow spell the others miss. The ratios are taken from rounds in
# which every tool runs once, in an order that rotates each round.
rounds=${ROUNDS:-9}
echo "== alternating: $rounds rounds of every tool on the same capture"
python3 - "$PWD/build/rtparchive" "$prefix" "$cache/vp8-$((seconds / 5))" "$out" "$rounds" <<'PY'
import json, os, resource, statistics, subprocess, sys, time, zipfile
binary, prefix, short_prefix, out, rounds = sys.argv[1:]
capture = prefix + ".pcap"
port = json.load(open(prefix + ".json"))["streams"][0]["dport"]
commands = {
    "gstreamer": ["gst-launch-1.0", "-q", "filesrc", f"location={capture}", "!", "pcapparse", f"dst-port={port}",
                  "!", "application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8", "!", "rtpjitterbuffer",
                  "!", "rtpvp8depay", "!", "webmmux", "!", "filesink", f"location={out}/alternating-gst.webm"],
    "pcap2mjr": ["pcap2mjr", "-c", "vp8", "-s", "0", capture, f"{out}/alternating.mjr"],
    "janus": ["janus-pp-rec", f"{out}/alternating.mjr", f"{out}/alternating-janus.webm"],
    "cat": ["cat", capture],
    "cp": ["cp", capture, f"{out}/alternating-copy.pcap"],
    "rtparchive": [binary, "replay", capture, "-o", f"{out}/rtparchive.zip", "--quiet", "--noprogress"],
}
names = list(commands)
walls = {name: [] for name in names}
for round_index in range(int(rounds)):
    # pcap2mjr before janus-pp-rec, which reads its output; the rest rotate.
    order = names[round_index % len(names):] + names[:round_index % len(names)]
    order.remove("janus")
    order.insert(order.index("pcap2mjr") + 1, "janus")
    for name in order:
        # What the tool before wrote is on disk first, so its writeback does
        # not land on the next tool's time.
        subprocess.run(["sync"], check=True)
        start = time.perf_counter()
        subprocess.run(commands[name], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls[name].append(time.perf_counter() - start)
median = {name: statistics.median(times) for name, times in walls.items()}
print(f"{'tool':<11} {'median s':>9} {'min s':>7} {'max s':>7}")
for name in names:
    print(f"{name:<11} {median[name]:9.4f} {min(walls[name]):7.4f} {max(walls[name]):7.4f}")
mine = median["rtparchive"]
for name in ("gstreamer", "pcap2mjr", "janus", "cp", "cat"):
    print(f"rtparchive / {name}: {mine / median[name]:.2f}x wall time")
print(f"rtparchive / (pcap2mjr + janus-pp-rec): {mine / (median['pcap2mjr'] + median['janus']):.2f}x")
truth = json.load(open(prefix + ".json"))["streams"][0]["segments"][0]["video"]["frame_md5"]
with zipfile.ZipFile(os.path.join(out, "rtparchive.zip")) as archive:
    name = [n for n in archive.namelist() if n.endswith(".webm")][0]
    archive.extract(name, out)
rows = subprocess.run(["ffmpeg", "-v", "error", "-i", os.path.join(out, name), "-map", "0:v:0", "-c", "copy",
                       "-f", "framemd5", "-"], capture_output=True, text=True).stdout.splitlines()
got = [r.split(",")[5].strip() for r in rows if r and not r.startswith("#")]
print(f"rtparchive frames: {len(got)}/{len(truth)} {'bit-exact' if got == truth else 'DIFFERENT'}")
packets = json.load(open(prefix + ".json"))["streams"][0]["segments"][0]["video"]["packets"]
mb = os.path.getsize(prefix + ".pcap") / 1e6
print(f"rtparchive: {mine:.3f} s median, {mb / mine:.0f} MB/s, {packets / mine / 1e6:.2f} M packets/s")
def peak_rss_mb(capture, target):
    """Peak RSS of one replay, measured in a fresh process of its own."""
    probe = ("import resource, subprocess, sys\n"
             "subprocess.run(sys.argv[1:], check=True)\n"
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n")
    return float(subprocess.run([sys.executable, "-c", probe, binary, "replay", capture, "-o", target,
                                 "--quiet", "--noprogress"], capture_output=True, text=True, check=True).stdout)
long_rss = peak_rss_mb(prefix + ".pcap", os.path.join(out, "rss-long.zip"))
short_rss = peak_rss_mb(short_prefix + ".pcap", os.path.join(out, "rss-short.zip"))
print(f"peak RSS: {long_rss:.1f} MB on the full capture, {short_rss:.1f} MB on one a fifth as long")
PY
