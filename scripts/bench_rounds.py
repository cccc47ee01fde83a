#!/usr/bin/env python3
"""bench_rounds.py — rtparchive and the tools a user would run instead, timed
in rounds on one capture made by ../shared/corpus/make-corpus.sh (no audio,
no RTCP: plain RTP video flows every tool reads). Every tool runs once a
round, in an order that rotates each round, after an untimed `sync`, so no
tool pays for the writeback of the one before and none meets a slow spell
of the machine alone. Prints medians of wall and CPU time, MB/s, each
tool's peak RSS (of its largest process), ratios, and each tool's frames
against the capture's ground truth: a tool that drops frames does not count.

A capture of several streams gets one GStreamer pipeline, and one pcap2mjr
and janus-pp-rec, per stream (each tool's time is the sum); rtparchive
replays it once.

  bench_rounds.py RTPARCHIVE_BINARY CAPTURE_PREFIX OUT_DIR ROUNDS
"""
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
import zipfile

binary, prefix, out, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
capture = prefix + ".pcap"
megabytes = os.path.getsize(capture) / 1e6
sidecar = json.load(open(prefix + ".json"))
codec = sidecar["codec"]
if codec == "vp8":
    caps, depay, mux, ext = "encoding-name=VP8", ["rtpvp8depay"], "webmmux", "webm"
else:
    caps, depay, mux, ext = "encoding-name=H264", ["rtph264depay", "!", "h264parse"], "matroskamux", "mkv"

streams = []
for index, stream in enumerate(sidecar["streams"]):
    video = stream["segments"][0]["video"]
    streams.append({"port": stream["dport"], "ssrc": video["ssrc"], "truth": video["frame_md5"],
                    "gst": os.path.join(out, f"gst-{index}.{ext}"), "mjr": os.path.join(out, f"{index}.mjr"),
                    "janus": os.path.join(out, f"janus-{index}.{ext}")})

commands = {
    "gstreamer": [["gst-launch-1.0", "-q", "filesrc", f"location={capture}", "!", "pcapparse",
                   f"dst-port={s['port']}", "!", f"application/x-rtp,media=video,clock-rate=90000,{caps}",
                   "!", "rtpjitterbuffer", "!", *depay, "!", mux, "!", "filesink", f"location={s['gst']}"]
                  for s in streams],
    "pcap2mjr": [["pcap2mjr", "-c", codec, "-s", str(s["ssrc"]), capture, s["mjr"]] for s in streams],
    "janus": [["janus-pp-rec", s["mjr"], s["janus"]] for s in streams],
    "cat": [["cat", capture]],
    "cp": [["cp", capture, os.path.join(out, "copy.pcap")]],
    "rtparchive": [[binary, "replay", capture, "-o", os.path.join(out, "rtparchive.zip"), "--quiet",
                    "--noprogress"]],
}
def run(command):
    """Runs one command; its CPU seconds (user + system) and peak RSS in MB.
    Through GNU time: a process forked from this Python would count
    Python's own memory as its peak."""
    report = os.path.join(out, "time.txt")
    done = subprocess.run(["/usr/bin/time", "-o", report, "-f", "%U %S %M", *command],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if done.returncode != 0:
        sys.exit(f"{command[0]} failed ({done.returncode}): {' '.join(command)}")
    user, system, peak_kb = open(report).read().split()[-3:]
    return float(user) + float(system), int(peak_kb) / 1024


names = list(commands)
walls, cpus, peaks = ({name: [] for name in names} for _ in range(3))
for round_index in range(rounds):
    order = names[round_index % len(names):] + names[:round_index % len(names)]
    order.remove("janus")  # janus-pp-rec reads what pcap2mjr wrote
    order.insert(order.index("pcap2mjr") + 1, "janus")
    for name in order:
        subprocess.run(["sync"], check=True)
        start = time.perf_counter()
        used = [run(command) for command in commands[name]]
        walls[name].append(time.perf_counter() - start)
        cpus[name].append(sum(cpu for cpu, _ in used))
        peaks[name].append(max(peak for _, peak in used))


def frame_md5s(path):
    rows = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-map", "0:v:0", "-c", "copy", "-f", "framemd5",
                           "-"], capture_output=True, text=True).stdout.splitlines()
    return [row.split(",")[5].strip() for row in rows if row and not row.startswith("#")]


def slice_md5s(annex_b):
    """MD5s of the coded slices (NAL types 1 and 5) of an H.264 byte stream,
    and how many pictures they make: what every tool must carry over
    unchanged, whatever it does with parameter sets and start codes."""
    md5s, pictures = [], 0
    for nal in annex_b.split(b"\x00\x00\x01"):
        nal = nal.rstrip(b"\x00")
        if len(nal) < 2 or nal[0] & 0x1f not in (1, 5):
            continue
        md5s.append(hashlib.md5(nal).hexdigest())
        pictures += (nal[1] & 0x80) != 0  # first_mb_in_slice == 0
    return md5s, pictures


def written(path):
    """What a tool wrote, as (frames, the list compared with the truth)."""
    if codec == "vp8":
        md5s = frame_md5s(path)
        return len(md5s), md5s
    annex_b = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-map", "0:v:0", "-c", "copy", "-bsf:v",
                              "h264_mp4toannexb", "-f", "h264", "-"], capture_output=True).stdout
    md5s, pictures = slice_md5s(annex_b)
    return pictures, md5s


if codec == "vp8":
    truths = [s["truth"] for s in streams]
    frames_total = sum(len(t) for t in truths)
else:
    # The sidecar's MD5s are of Annex B access units as the encoder wrote
    # them; muxers store length-prefixed NAL units, so slices are compared.
    truths, frames_total = [], 0
    for stream in sidecar["streams"]:
        reference = os.path.join(prefix + ".ref", stream["segments"][0]["video"]["reference"])
        md5s, pictures = slice_md5s(open(reference, "rb").read())
        truths.append(md5s)
        frames_total += pictures
frames = {}
for tool in ("gstreamer", "janus"):
    results = [written(s["gst" if tool == "gstreamer" else "janus"]) for s in streams]
    frames[tool] = (sum(r[0] for r in results), [r[1] for r in results] == truths)
extracted = os.path.join(out, "rtparchive")
with zipfile.ZipFile(os.path.join(out, "rtparchive.zip")) as archive:
    media = [n for n in archive.namelist() if n.endswith("." + ext)]
    archive.extractall(extracted, media)
results = [written(os.path.join(extracted, name)) for name in media]
frames["rtparchive"] = (sum(r[0] for r in results), sorted(r[1] for r in results) == sorted(truths))

print(f"capture: {capture}, {megabytes:.1f} MB, {codec}, {len(streams)} stream(s), "
      f"{frames_total} frames")
print(f"{'tool':<11} {'median s':>9} {'min s':>7} {'max s':>7} {'CPU s':>7} {'MB/s':>7} {'peak MB':>8}  frames")
median = {name: statistics.median(times) for name, times in walls.items()}
for name in names:
    note = ""
    if name in frames:
        count, exact = frames[name]
        note = f"{count}/{frames_total} {'bit-exact' if exact else 'DIFFERENT'}"
    print(f"{name:<11} {median[name]:9.4f} {min(walls[name]):7.4f} {max(walls[name]):7.4f} "
          f"{statistics.median(cpus[name]):7.3f} {megabytes / median[name]:7.0f} {max(peaks[name]):8.1f}  {note}")
mine = median["rtparchive"]
for name in ("gstreamer", "janus", "cp"):
    print(f"rtparchive / {name}: {mine / median[name]:.2f}x wall time")
print(f"rtparchive / (pcap2mjr + janus-pp-rec): {mine / (median['pcap2mjr'] + median['janus']):.2f}x")
packets = sum(s["segments"][0]["video"]["packets"] for s in sidecar["streams"])
print(f"rtparchive: {mine:.3f} s median, {megabytes / mine:.0f} MB/s, "
      f"{packets / mine / 1e6:.2f} M packets/s")
