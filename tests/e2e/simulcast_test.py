#!/usr/bin/env python3
"""End-to-end test of `rtparchive replay` on real Chromium simulcast publishers.

The captures (testdata/browser/chromium-simulcast-*) were made by
scripts/browser-capture (Chromium 156 sending three VP8 layers, rids q/h/f at
scale 4/2/1, or three SSRCs in an a=ssrc-group:SIM). The truth is the wire
itself, read here with a VP8 depacketizer of this file's own (RFC 7741), and
the sending browser's getStats per layer: every audio packet sent must be in
the archive; every video frame written must be, byte for byte, a frame of one
layer on the wire; the layer changes only at keyframes; while a layer is
written, all its frames are; and by default the largest layer being sent is
the one written. Usage: simulcast_test.py RTPARCHIVE_BINARY TESTDATA_DIR
"""
import hashlib
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
from pcap_tools import read_pcap  # noqa: E402

BINARY, TESTDATA = sys.argv[1], sys.argv[2]
BROWSER = os.path.join(TESTDATA, "browser")
WORK = tempfile.mkdtemp(prefix="rtparchive-simulcast-")


def payload_types(sdp, codec):
    return {int(line.split(":")[1].split()[0]) for line in sdp.splitlines()
            if line.startswith("a=rtpmap:") and line.split()[1].lower().startswith(codec)}


def rtp_packets(pcap):
    """(arrival s, ssrc, pt, seq, ts, marker, payload) of every RTP packet (not RTCP)."""
    _, records = read_pcap(pcap)
    result = []
    for sec, usec, frame in records:
        if len(frame) < 42 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
            continue
        udp = frame[14 + (frame[14] & 0x0f) * 4 + 8:]
        if len(udp) < 12 or udp[0] >> 6 != 2 or 64 <= (udp[1] & 0x7f) < 96:
            continue
        pt, seq, ts, ssrc = udp[1] & 0x7f, *struct.unpack_from("!HII", udp, 2)
        start = 12 + (udp[0] & 0x0f) * 4
        if udp[0] & 0x10:
            start += 4 + struct.unpack_from("!H", udp, start + 2)[0] * 4
        end = len(udp) - (udp[-1] if udp[0] & 0x20 else 0)
        result.append((sec + usec / 1e6, ssrc, pt, seq, ts, bool(udp[1] & 0x80), udp[start:end]))
    return result


def unwrap_red(packets, red_types):
    """RED (RFC 2198) packets as their primary block: its payload type and data."""
    result = []
    for at, ssrc, pt, seq, ts, marker, payload in packets:
        if pt in red_types and payload:
            pos, lengths = 0, 0
            while pos < len(payload) and payload[pos] & 0x80:
                lengths += struct.unpack_from("!I", payload, pos)[0] & 0x3ff if pos + 4 <= len(payload) else 0
                pos += 4
            if pos >= len(payload):
                continue
            pt, payload = payload[pos] & 0x7f, payload[pos + 1 + lengths:]
        result.append((at, ssrc, pt, seq, ts, marker, payload))
    return result


def vp8_frames(packets):
    """{ssrc: [(rtp ts, md5, keyframe, arrival)]} in RTP order: RFC 7741 §4.2 descriptors
    stripped, payloads of one timestamp joined in sequence order, starting at S=1 PID=0."""
    by_frame = {}
    for at, ssrc, _, seq, ts, _, payload in packets:
        if not payload:
            continue
        x, pos = payload[0] & 0x80, 1
        if x:
            i, l, tk = payload[1] & 0x80, payload[1] & 0x40, payload[1] & 0x30
            pos = 2
            if i:
                pos += 2 if payload[pos] & 0x80 else 1
            pos += (1 if l else 0) + (1 if tk else 0)
        start = bool(payload[0] & 0x10) and (payload[0] & 0x07) == 0
        entry = by_frame.setdefault((ssrc, ts), {"at": at, "parts": {}, "start": None})
        entry["parts"][seq] = payload[pos:]
        if start:
            entry["start"] = seq
    frames = {}
    for (ssrc, ts), entry in by_frame.items():
        if entry["start"] is None:
            continue
        order = sorted(entry["parts"], key=lambda s: (s - entry["start"]) & 0xffff)
        data = b"".join(entry["parts"][s] for s in order)
        frames.setdefault(ssrc, []).append((ts, hashlib.md5(data).hexdigest(), data[0] & 1 == 0, entry["at"]))
    for ssrc in frames:
        frames[ssrc].sort(key=lambda f: f[3])
    return frames


def replay(name, label, *extra):
    out = os.path.join(WORK, label + ".zip")
    proc = subprocess.run([BINARY, "replay", os.path.join(BROWSER, name + ".pcap"), "-o", out,
                           "--progress=false", *extra], capture_output=True, text=True)
    check(proc.returncode == 0, f"{label}: exit 0 ({proc.stderr.strip()[:300]})")
    verdict = subprocess.run([BINARY, "verify", out], capture_output=True, text=True)
    check(verdict.returncode == 0, f"{label}: rtparchive verify passes: {verdict.stdout.strip()[:300]}")
    folder = os.path.join(WORK, label)
    with zipfile.ZipFile(out) as archive:
        archive.extractall(folder)
        manifest = json.load(open(os.path.join(folder, [n for n in archive.namelist() if n.endswith(".json")][0])))
    return proc, folder, manifest


def check_archive(name, label, *extra):
    """Checks one replay of `name`; returns the layer (SSRC) of each written frame."""
    sdp = open(os.path.join(BROWSER, name + ".sdp")).read()
    result = json.load(open(os.path.join(BROWSER, name + ".result.json")))
    packets = rtp_packets(os.path.join(BROWSER, name + ".pcap"))
    vp8 = payload_types(sdp, "vp8")
    opus = payload_types(sdp, "opus")
    wire = vp8_frames([p for p in unwrap_red(packets, payload_types(sdp, "red")) if p[2] in vp8])
    audio_sent = {(p[1], p[3]) for p in packets if p[2] in opus}
    proc, folder, manifest = replay(name, label, *extra)
    check(len(manifest["files"]) == 1, f"{label}: one file for the one publisher ({len(manifest['files'])})")
    if not manifest["files"]:
        return []
    path = os.path.join(folder, manifest["files"][0]["filename"])
    errors = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "null", "-"],
                            capture_output=True, text=True).stderr
    check(errors.strip() == "", f"{label}: decodes with no message from ffmpeg ({errors[:300]})")
    audio = ffprobe_tools.packets(path, "a:0")
    check(len(audio) == len(audio_sent),
          f"{label}: every audio packet on the wire is in the file ({len(audio)} of {len(audio_sent)})")
    # Per-layer truth from the sender: frames on the wire at least those it had sent.
    sent = {s["ssrc"]: s.get("framesSent", 0) for s in result["stats"]
            if s.get("type") == "outbound-rtp" and s.get("kind") == "video"}
    for ssrc, count in sent.items():
        check(len(wire.get(ssrc, [])) >= count,
              f"{label}: layer {ssrc}: {len(wire.get(ssrc, []))} frames on the wire, the browser sent {count} by its stats")

    written = ffprobe_tools.packets(path, "v:0")
    where = {}  # md5 -> [(ssrc, index)]: a tiny frame can be the same on two layers
    for ssrc, frames in wire.items():
        for index, (_, md5, _, _) in enumerate(frames):
            where.setdefault(md5, []).append((ssrc, index))
    origin = []
    for _, data in written:
        candidates = where.get(hashlib.md5(data).hexdigest(), [None])
        same = [c for c in candidates if origin and origin[-1] and c and c[0] == origin[-1][0]]
        origin.append((same or candidates)[0])
    check(all(origin), f"{label}: every video frame written is a frame on the wire "
                       f"({sum(1 for o in origin if not o)} of {len(origin)} are not)")
    origin = [o for o in origin if o]
    times = [float(fields["pts_time"]) for fields, _ in written]
    check(all(b > a for a, b in zip(times, times[1:])), f"{label}: video times rise strictly")
    runs = []  # [ssrc, first index, last index]
    for ssrc, index in origin:
        if runs and runs[-1][0] == ssrc and index > runs[-1][2]:
            runs[-1][2] = index
        else:
            runs.append([ssrc, index, index])
    for ssrc, first, last in runs:
        check(wire[ssrc][first][2], f"{label}: writing moves to layer {ssrc} at a keyframe")
        missing = (last - first + 1) - sum(1 for s, i in origin if s == ssrc and first <= i <= last)
        # Frames the summary counts as dropped (incomplete on the wire) are the only ones allowed missing.
        check(missing <= 3, f"{label}: layer {ssrc}: {missing} of its frames missing while it was written")
    switches = [(r[0], wire[r[0]][r[1]][3]) for r in runs]
    print(f"{label}: {len(origin)} video frames written; layers on the wire: "
          + ", ".join(f"{s}: {len(f)}" for s, f in wire.items())
          + f"; audio {len(audio)}/{len(audio_sent)}; runs: "
          + ", ".join(f"{s}@{at - switches[0][1]:.3f}s x{sum(1 for o in origin if o[0] == s)}" for s, at in switches))
    return origin, wire, proc


def layer_of(result, rid):
    return next(s["ssrc"] for s in result["stats"] if s.get("type") == "outbound-rtp" and s.get("rid") == rid)


def check_highest(label, origin, wire, top):
    """While the top layer is on the wire, it is what is written (but for the
    frames before its keyframe)."""
    top_frames = wire[top]
    written_top = sum(1 for s, _ in origin if s == top)
    check(written_top >= len(top_frames) - 15,
          f"{label}: the top layer is written while it is sent ({written_top} of its {len(top_frames)} frames)")


def check_full():
    name = "chromium-simulcast-full-vp8"
    result = json.load(open(os.path.join(BROWSER, name + ".result.json")))
    sdp = ["--sdp", os.path.join(BROWSER, name + ".sdp")]
    origin, wire, proc = check_archive(name, "full", *sdp)
    check("simulcast layer rid f" in proc.stdout, "full: the summary names the layers by rid")
    check_highest("full", origin, wire, layer_of(result, "f"))
    # The choice of layer: the lowest, or one by its RID.
    origin, wire, _ = check_archive(name, "full-low", *sdp, "--layer", "low")
    low = layer_of(result, "q")
    check(sum(1 for s, _ in origin if s == low) >= len(wire[low]) - 3,
          f"full --layer low: the q layer is written ({sum(1 for s, _ in origin if s == low)} of {len(wire[low])})")
    origin, wire, _ = check_archive(name, "full-h", *sdp, "--layer", "h")
    half = layer_of(result, "h")
    check(sum(1 for s, _ in origin if s == half) >= len(wire[half]) - 15,
          f"full --layer h: the h layer is written ({sum(1 for s, _ in origin if s == half)} of {len(wire[half])})")
    # No SDP: the layers are found because they run at the same time.
    origin, wire, proc = check_archive(name, "full-no-sdp")
    check("simulcast layer" in proc.stdout, "full without SDP: the layers are found as layers")
    check_highest("full-no-sdp", origin, wire, layer_of(result, "f"))


def check_low_bandwidth():
    """The bandwidth cap keeps the top layer off but for the middle third: writing
    goes up to it when it starts and back down when it stops."""
    name = "chromium-simulcast-lowbw-vp8"
    result = json.load(open(os.path.join(BROWSER, name + ".result.json")))
    origin, wire, proc = check_archive(name, "lowbw", "--sdp", os.path.join(BROWSER, name + ".sdp"))
    top, half = layer_of(result, "f"), layer_of(result, "h")
    check_highest("lowbw", origin, wire, top)
    sequence = [s for i, (s, _) in enumerate(origin) if i == 0 or origin[i - 1][0] != s]
    check(sequence[-3:] == [half, top, half], f"lowbw: h, then f while it is sent, then h again ({sequence})")
    check("layer_stopped" in proc.stdout and "preferred_layer" in proc.stdout,
          "lowbw: the summary lists the switches with their reasons")


def check_sim_group():
    name = "chromium-simulcast-simgroup-vp8"
    origin, _, proc = check_archive(name, "simgroup", "--sdp", os.path.join(BROWSER, name + ".sdp"))
    check("simulcast layer" in proc.stdout, "simgroup: the SIM group's SSRCs are layers")
    check(len({s for s, _ in origin}) == 1, "simgroup: its layers have the same size: one is written throughout")


check_full()
check_low_bandwidth()
check_sim_group()
finish(WORK)
