#!/usr/bin/env python3
"""Property test: whatever the RTP headers say, an archive that replay writes
passes `rtparchive verify` (segments of a stream never overlap, each file's
Duration ends within one frame after its last frame, the manifest's offsets
span exactly its frames), and replay never crashes.

Each case damages third-party captures (GStreamer's corpus captures and a
Chromium simulcast call) deterministically from a seed: CSRC counts, SSRCs,
sequence numbers, timestamps, markers, padding bits and extension flags of
random packets, duplicated and dropped packets. A bounded number of seeds.
Usage: hostile_verify_test.py RTPARCHIVE_BINARY TESTDATA_DIR [SEEDS]
"""
import json
import os
import random
import struct
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402
from pcap_tools import read_pcap, write_pcap  # noqa: E402

BINARY, TESTDATA = sys.argv[1], sys.argv[2]
SEEDS = int(sys.argv[3]) if len(sys.argv) > 3 else 24
WORK = tempfile.mkdtemp(prefix="rtparchive-hostile-verify-")
CAPTURES = [os.path.join(TESTDATA, "captures", name) for name in
            ("vp8-clean.pcap", "reconnect.pcap", "two-streams.pcap", "h264-gst.pcap")]
CAPTURES.append(os.path.join(TESTDATA, "browser", "chromium-simulcast-lowbw-vp8.pcap"))


def damage(payload, rng):
    """One header field of an RTP packet changed (RTCP is left alone)."""
    if len(payload) < 12 or payload[0] >> 6 != 2 or 64 <= (payload[1] & 0x7f) < 96:
        return payload
    what = rng.randrange(8)
    if what == 0:  # the CSRC count
        payload[0] = (payload[0] & 0xf0) | rng.randrange(16)
    elif what == 1:  # the SSRC: a packet of another source
        payload[8:12] = rng.randbytes(4)
    elif what == 2:
        payload[2:4] = rng.randbytes(2)
    elif what == 3:  # the timestamp, hours away or a little
        payload[4:8] = rng.randbytes(4) if rng.random() < 0.5 else \
            ((int.from_bytes(payload[4:8], "big") + rng.randrange(-90000, 90000)) & 0xffffffff).to_bytes(4, "big")
    elif what == 4:
        payload[1] ^= 0x80
    elif what == 5:
        payload[0] ^= 0x20  # padding
    elif what == 6:
        payload[0] ^= 0x10  # extension
    else:
        payload[12 + rng.randrange(max(1, len(payload) - 12)) if len(payload) > 12 else 0] ^= 0xff
    return payload


def mutate(source, target, seed):
    rng = random.Random(seed)
    header, records = read_pcap(source)
    rate = rng.choice([0.002, 0.01, 0.05])
    out = []
    for sec, usec, frame in records:
        if rng.random() < rate / 4:
            continue  # dropped
        if len(frame) > 42 and rng.random() < rate:
            frame = frame[:42] + bytes(damage(bytearray(frame[42:]), rng))
        out.append((sec, usec, frame))
        if rng.random() < rate / 4:
            out.append((sec, usec, frame))  # duplicated
    write_pcap(target, header, out)


def rezip(source, target, change):
    """A copy of the archive `source` with change(name, bytes) -> bytes applied to each entry."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as new:
        for info in old.infolist():
            new.writestr(info.filename, change(info.filename, old.read(info.filename)))


def check_verify_catches_what_replay_must_not_write():
    """verify itself: overlapping segments and a Duration past the last frame are reported."""
    good = os.path.join(WORK, "reconnect.zip")
    proc = subprocess.run([BINARY, "replay", os.path.join(TESTDATA, "captures", "reconnect.pcap"), "-o", good,
                           "--progress=false", "--quiet"], capture_output=True, text=True)
    check(proc.returncode == 0, f"reconnect: replayed ({proc.stderr[-300:]})")
    with zipfile.ZipFile(good) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".json"))
        manifest = json.loads(archive.read(name))
    files = sorted(manifest["files"], key=lambda f: f["startTimeOffset"])
    first = next(f for f in files if f["filename"].endswith("-1.webm"))
    base = next(f for f in files if f["filename"] == first["filename"].replace("-1.webm", ".webm"))

    def overlap(entry, data):
        if not entry.endswith(".json"):
            return data
        changed = json.loads(data)
        for f in changed["files"]:  # the first segment said to stop 500 ms into the second
            if f["filename"] == base["filename"]:
                f["stopTimeOffset"] = first["startTimeOffset"] + 500
                f["startTimeOffset"] = f["stopTimeOffset"] - (base["stopTimeOffset"] - base["startTimeOffset"])
        return json.dumps(changed).encode()
    bad = os.path.join(WORK, "overlap.zip")
    rezip(good, bad, overlap)
    verdict = subprocess.run([BINARY, "verify", bad], capture_output=True, text=True)
    check(verdict.returncode != 0 and "must not overlap" in verdict.stdout,
          f"verify reports overlapping segments ({verdict.stdout.strip()[-300:]})")

    def longer(entry, data):
        # Duration (EBML ID 0x4489, an 8-byte float) made 5 s longer, as in the report.
        at = data.find(b"\x44\x89\x88")
        if entry != base["filename"] or at < 0:
            return data
        value = struct.unpack_from(">d", data, at + 3)[0] + 5000.0
        return data[:at + 3] + struct.pack(">d", value) + data[at + 11:]
    bad = os.path.join(WORK, "duration.zip")
    rezip(good, bad, longer)
    verdict = subprocess.run([BINARY, "verify", bad], capture_output=True, text=True)
    check(verdict.returncode != 0 and "Duration" in verdict.stdout,
          f"verify reports a Duration past the last frame ({verdict.stdout.strip()[-300:]})")


check_verify_catches_what_replay_must_not_write()
for seed in range(SEEDS):
    source = CAPTURES[seed % len(CAPTURES)]
    label = f"seed {seed} ({os.path.basename(source)})"
    damaged = os.path.join(WORK, f"{seed}.pcap")
    mutate(source, damaged, seed)
    out = os.path.join(WORK, f"{seed}.zip")
    proc = subprocess.run([BINARY, "replay", damaged, "-o", out, "--progress=false", "--quiet"],
                          capture_output=True, text=True, timeout=120)
    check(proc.returncode in (0, 1), f"{label}: replay exits 0 or 1, not {proc.returncode} ({proc.stderr[-300:]})")
    if proc.returncode == 0:
        verdict = subprocess.run([BINARY, "verify", out], capture_output=True, text=True, timeout=120)
        check(verdict.returncode == 0, f"{label}: verify passes: {verdict.stdout.strip()[-600:]}")
        os.remove(out)
    os.remove(damaged)
finish(WORK)
