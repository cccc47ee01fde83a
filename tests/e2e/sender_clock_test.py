#!/usr/bin/env python3
"""Publishers' wall clocks are not the archive's clock.

Corpus captures (GStreamer's payloaders; sender reports every second) are
replayed once as made and once with one publisher's RTCP sender reports
rewritten: its NTP clock 30 s fast, ten minutes slow, three years behind
(2023), or drifting 100 ppm. The archive's clock is the capture's (packet
arrival), so every offset, createdAt and frame time must stay within one
frame interval of the unchanged replay, and audio and video of a publisher
within 20 ms of where they were to each other.
Usage: sender_clock_test.py RTPARCHIVE_BINARY TESTDATA_DIR
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402
import ffprobe_tools  # noqa: E402
from pcap_tools import read_pcap, write_pcap  # noqa: E402

BINARY, TESTDATA = sys.argv[1], sys.argv[2]
WORK = tempfile.mkdtemp(prefix="rtparchive-sender-clock-")
FRAME_MS = 34  # one video frame at 30 fps, rounded up
YEARS_3 = 3 * 365 * 86400


def skew_reports(source, target, sport, skew, ssrcs=None):
    """Rewrites the NTP time of every sender report sent from UDP port `sport`
    (of `ssrcs` only, when given) with skew(ntp seconds, seconds since the
    first record)."""
    header, records = read_pcap(source)
    first = records[0][0] + records[0][1] / 1e6
    out = []
    for sec, usec, frame in records:
        udp = frame[34:]
        payload = bytearray(frame[42:])
        if struct.unpack_from("!H", udp, 0)[0] == sport and len(payload) >= 8 and payload[0] >> 6 == 2:
            pos = 0
            while pos + 4 <= len(payload):
                length = (struct.unpack_from("!H", payload, pos + 2)[0] + 1) * 4
                reporter = struct.unpack_from("!I", payload, pos + 4)[0] if pos + 8 <= len(payload) else None
                if payload[pos + 1] == 200 and pos + 16 <= len(payload) and (ssrcs is None or reporter in ssrcs):
                    seconds, fraction = struct.unpack_from("!II", payload, pos + 8)
                    ntp = skew(seconds + fraction / 2**32, sec + usec / 1e6 - first)
                    struct.pack_into("!II", payload, pos + 8, int(ntp) & 0xffffffff, int((ntp % 1) * 2**32))
                pos += length
            frame = frame[:42] + bytes(payload)
        out.append((sec, usec, frame))
    write_pcap(target, header, out)


def replay(capture, label):
    out = os.path.join(WORK, label + ".zip")
    proc = subprocess.run([BINARY, "replay", capture, "-o", out, "--progress=false", "--quiet"],
                          capture_output=True, text=True)
    check(proc.returncode == 0, f"{label}: replayed ({proc.stderr[-300:]})")
    folder = os.path.join(WORK, label)
    with zipfile.ZipFile(out) as archive:
        archive.extractall(folder)
        manifest = json.load(open(os.path.join(folder, [n for n in archive.namelist() if n.endswith(".json")][0])))
    return manifest, folder


def first_times(folder, filename):
    """Times (ms) of the first video and the first audio frame of a file."""
    path = os.path.join(folder, filename)
    result = {}
    for kind in ("v", "a"):
        packets = ffprobe_tools.packets(path, kind + ":0")
        if packets:
            result[kind] = float(packets[0][0]["pts_time"]) * 1000
    return result


SKEWS = {
    "30 s fast": lambda ntp, t: ntp + 30,
    "10 min slow": lambda ntp, t: ntp - 600,
    "from 2023": lambda ntp, t: ntp - YEARS_3,
    "drifting 100 ppm": lambda ntp, t: ntp + t * 100e-6,
}

def compare(plain, skewed, plain_folder, skewed_folder, what):
    check(abs(skewed["createdAt"] - plain["createdAt"]) <= FRAME_MS,
          f"{what}: createdAt {skewed['createdAt'] - plain['createdAt']:+d} ms")
    files = {f["filename"]: f for f in plain["files"]}
    for entry in skewed["files"]:
        before = files.get(entry["filename"])
        check(before is not None, f"{what}: {entry['filename']} as before")
        if before is None:
            continue
        moved = [entry[k] + skewed["createdAt"] - before[k] - plain["createdAt"]
                 for k in ("startTimeOffset", "stopTimeOffset")]
        print(f"{what}: {entry['filename'][:10]} moved {moved} ms")
        check(all(abs(m) <= FRAME_MS for m in moved),
              f"{what}: {entry['filename']} start and stop moved {moved} ms (at most one frame)")
        a, b = first_times(plain_folder, entry["filename"]), first_times(skewed_folder, entry["filename"])
        if "v" in a and "a" in a:
            shift = (b["v"] - b["a"]) - (a["v"] - a["a"])
            print(f"{what}: {entry['filename'][:10]} audio/video moved {shift:+.1f} ms against each other")
            check(abs(shift) <= 20, f"{what}: audio and video stay together ({shift:+.0f} ms)")


# A publisher that reconnects from a machine whose clock is ten minutes
# behind the first one's: its new segment is placed by arrival too.
capture = os.path.join(TESTDATA, "captures", "reconnect.pcap")
sidecar = json.load(open(os.path.join(TESTDATA, "captures", "reconnect.json")))
second = sidecar["streams"][0]["segments"][1]
plain, plain_folder = replay(capture, "reconnect")
for label, skew in (("slow", lambda ntp, t: ntp - 600), ("fast", lambda ntp, t: ntp + 600)):
    skewed_capture = os.path.join(WORK, f"reconnect-{label}.pcap")
    skew_reports(capture, skewed_capture, sidecar["streams"][0]["sport"], skew,
                 {second["video"]["ssrc"], second["audio"]["ssrc"]})
    skewed, skewed_folder = replay(skewed_capture, f"reconnect-{label}")
    compare(plain, skewed, plain_folder, skewed_folder, f"reconnect, second connection's clock 10 min {label}")

for name in ("two-streams", "av-sync"):
    capture = os.path.join(TESTDATA, "captures", name + ".pcap")
    sidecar = json.load(open(os.path.join(TESTDATA, "captures", name + ".json")))
    sport = sidecar["streams"][0]["sport"]
    plain, plain_folder = replay(capture, name)
    for label, skew in SKEWS.items():
        skewed_capture = os.path.join(WORK, f"{name}-{label.replace(' ', '-')}.pcap")
        skew_reports(capture, skewed_capture, sport, skew)
        skewed, skewed_folder = replay(skewed_capture, f"{name}-{label.replace(' ', '-')}")
        compare(plain, skewed, plain_folder, skewed_folder, f"{name}, publisher 0's clock {label}")
finish(WORK)
