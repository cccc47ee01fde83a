#!/usr/bin/env bash
# make-testdata.sh — regenerate the bundled test captures in testdata/captures/
# with ../shared/corpus/make-corpus.sh (GStreamer's encoders and payloaders,
# no code of ours), and write each capture's ground truth.
#
# For every capture NAME it keeps NAME.pcap, NAME.json (the corpus sidecar)
# and NAME.truth.json: per stream segment, the MD5 of every encoded frame as
# ffmpeg reads it from the encoder's own output (the .ref files, which are
# not kept), independently of the sidecar's own list.
#
# Usage: scripts/make-testdata.sh [NAME...]   (default: every capture)
# CORPUS=path/to/make-corpus.sh overrides the corpus script.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
corpus=${CORPUS:-$here/../shared/corpus/make-corpus.sh}
out=$here/testdata/captures
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# write_truth PREFIX TARGET: the ground truth of a corpus capture (see above).
write_truth() {
  TOOLS="$here/tests/e2e" python3 - "$@" <<'PY'
import hashlib, json, os, re, subprocess, sys
sys.path.insert(0, os.environ["TOOLS"])
import ffprobe_tools
prefix, target = sys.argv[1], sys.argv[2]
def md5s(path, fmt=None):
    args = ["ffmpeg", "-v", "error"] + (["-f", fmt] if fmt else []) + ["-i", path, "-map", "0:0", "-c", "copy", "-f", "framemd5", "-"]
    rows = subprocess.run(args, check=True, capture_output=True, text=True).stdout.splitlines()
    # columns: stream, dts, pts, duration, size, hash[, side data...]
    return [r.split(",")[5].strip() for r in rows if r and not r.startswith("#")]
def access_units(path):
    """Each access unit's bytes, as ffprobe splits the encoder's Annex B stream."""
    return [data for _, data in ffprobe_tools.packets(path, fmt="h264")]
def nal_md5s(unit):
    """MD5 of each NAL unit of an Annex B access unit (start codes and trailing zeros dropped)."""
    nals = [n.rstrip(b"\0") for n in re.split(b"\x00\x00\x01", unit)]
    return [hashlib.md5(n).hexdigest() for n in nals if n]
if prefix.endswith(".h264"):  # a bare encoder stream, packetized by FFmpeg
    video = {"frame_nal_md5": [nal_md5s(u) for u in access_units(prefix)]}
    json.dump({"streams": [{"segments": [{"name": "ffmpeg", "video": video}]}]}, open(target, "w"), indent=1)
    sys.exit(0)
side = json.load(open(prefix + ".json"))
truth = {"streams": []}
for stream in side["streams"]:
    segments = []
    for seg in stream["segments"]:
        entry = {"name": seg["name"]}
        for kind in ("video", "audio"):
            if kind in seg:
                ref = os.path.join(prefix + ".ref", seg[kind]["reference"])
                if ref.endswith(".h264"):
                    entry[kind] = {"ssrc": seg[kind]["ssrc"], "frame_nal_md5": [nal_md5s(u) for u in access_units(ref)]}
                else:
                    entry[kind] = {"ssrc": seg[kind]["ssrc"], "frame_md5": md5s(ref)}
        segments.append(entry)
    truth["streams"].append({"cname": stream["cname"], "segments": segments})
json.dump(truth, open(target, "w"), indent=1)
PY
}

make_capture() {
  local name=$1; shift
  "$corpus" -o "$work/$name" "$@"
  cp "$work/$name.pcap" "$work/$name.json" "$out/"
  write_truth "$work/$name" "$out/$name.truth.json"
}

# make_ffmpeg_resize_capture NAME: x264 at 320x240 then 640x360 in one H.264
# stream, packetized by FFmpeg's RTP muxer and captured on loopback (root).
make_ffmpeg_resize_capture() {
  local name=$1
  for tool in tcpdump ffmpeg; do command -v $tool >/dev/null || { echo "needs $tool" >&2; exit 2; }; done
  ffmpeg -v error -y -f lavfi -i testsrc=size=320x240:rate=30 -frames:v 45 -c:v libx264 -preset veryfast \
    -g 30 -bf 0 -pix_fmt yuv420p -f h264 "$work/a.h264"
  ffmpeg -v error -y -f lavfi -i testsrc2=size=640x360:rate=30 -frames:v 45 -c:v libx264 -preset veryfast \
    -g 30 -bf 0 -pix_fmt yuv420p -f h264 "$work/b.h264"
  cat "$work/a.h264" "$work/b.h264" >"$work/$name.h264"
  tcpdump -i lo -U -w "$work/$name.pcap" udp port 5004 or udp port 5005 2>/dev/null & local capture=$!
  sleep 1
  ffmpeg -v error -re -framerate 30 -f h264 -i "$work/$name.h264" -c copy -f rtp rtp://127.0.0.1:5004 >/dev/null
  sleep 1
  kill "$capture"; wait "$capture" 2>/dev/null || true
  cp "$work/$name.pcap" "$out/"
  write_truth "$work/$name.h264" "$out/$name.truth.json"
}

# make_gst_h264_variant NAME PAYLOADER_OPTIONS: openh264enc at 320x240, sent
# by rtph264pay with other options than the corpus uses, video only.
make_gst_h264_variant() {
  local name=$1 payloader=$2
  gst-launch-1.0 -q videotestsrc num-buffers=90 pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 \
    ! timeoverlay ! openh264enc bitrate=300000 gop-size=45 ! h264parse \
    ! video/x-h264,stream-format=byte-stream,alignment=au ! tee name=t \
    t. ! queue ! rtph264pay pt=102 mtu=1200 $payloader ! rtpstreampay ! filesink location="$work/$name.rtp" \
    t. ! queue ! filesink location="$work/$name.h264"
  python3 "$here/tests/e2e/pcap_tools.py" rtp-to-pcap "$work/$name.rtp" "$out/$name.pcap"
  write_truth "$work/$name.h264" "$out/$name.truth.json"
}

declare -A options=(
  [vp8-clean]="--duration 3 --bitrate 500"
  [vp8-lossy]="--duration 4 --bitrate 400 --loss 2 --reorder 2 --dup 1 --seed 7"
  [two-streams]="--streams 2 --duration 2 --size 320x240 --bitrate 200 --seed 3"
  [vp8-nortcp]="--duration 2 --bitrate 300 --no-rtcp --seed 5"
  [av-sync]="--duration 5 --size 320x240 --bitrate 250 --seed 13"
  [h264-gst]="--codec h264 --duration 3 --size 320x240 --bitrate 300 --seed 21"
  [h264-lossy]="--codec h264 --duration 4 --size 320x240 --bitrate 300 --loss 2 --reorder 2 --dup 1 --seed 23"
  [h264-ffmpeg-resize]=ffmpeg
  [h264-gst-single-nal]="gst:aggregate-mode=none config-interval=0"
  [h264-gst-stap-max]="gst:aggregate-mode=max-stap config-interval=1"
  [reconnect]="--duration 4 --reconnect-at 2 --size 320x240 --bitrate 300 --seed 11"
)
names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${!options[@]}")
for name in "${names[@]}"; do
  [ -n "${options[$name]:-}" ] || { echo "unknown capture '$name'; known: ${!options[*]}" >&2; exit 2; }
  if [ "${options[$name]}" = ffmpeg ]; then
    make_ffmpeg_resize_capture "$name"
  elif [[ "${options[$name]}" == gst:* ]]; then
    make_gst_h264_variant "$name" "${options[$name]#gst:}"
  else
    # shellcheck disable=SC2086  # options are words
    make_capture "$name" ${options[$name]}
  fi
done
# Captures derived from av-sync by a transformation (tests/e2e/pcap_tools.py).
python3 "$here/tests/e2e/pcap_tools.py" derive "$out"
echo "regenerated in testdata/captures: ${names[*]}"
