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
import os
import random
import subprocess
import sys
import tempfile

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
