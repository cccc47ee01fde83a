#!/usr/bin/env python3
"""End-to-end test of `rtparchive replay` on real Chromium calls.

The captures in testdata/browser were made by ../shared/browser-capture
(Chromium's own WebRTC stack: VP8 inside RED, RTX with padding probes and
retransmissions, one- and two-byte header extensions). Truth is what the
receiving browser said in getStats (NAME.result.json): every frame it decoded
and every audio packet it received before the statistics were taken must be
in the archive. Usage: browser_rtp_test.py RTPARCHIVE_BINARY TESTDATA_DIR
"""
import json
import os
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402
import ffprobe_tools  # noqa: E402
from pcap_tools import read_pcap, write_pcap  # noqa: E402

BINARY, TESTDATA = sys.argv[1], sys.argv[2]
BROWSER = os.path.join(TESTDATA, "browser")
WORK = tempfile.mkdtemp(prefix="rtparchive-browser-rtp-")


def replay(name, label, *extra):
    out = os.path.join(WORK, label + ".zip")
    proc = subprocess.run([BINARY, "replay", os.path.join(BROWSER, name + ".pcap"), "-o", out,
                           "--progress=false", *extra], capture_output=True, text=True)
    check(proc.returncode == 0, f"{label}: exit 0 ({proc.stderr.strip()[:300]})")
    return proc, out


def sdp_flags(name, count=1):
    flags = ["--sdp", os.path.join(BROWSER, name + ".sdp")]
    for index in range(2, count + 1):
        flags += ["--sdp", os.path.join(BROWSER, f"{name}.{index}.sdp")]
    return flags


def unpack(zip_path, label):
    """Manifest and extracted folder, after `verify` and a clean decode of every file."""
    verdict = subprocess.run([BINARY, "verify", zip_path], capture_output=True, text=True)
    check(verdict.returncode == 0, f"{label}: rtparchive verify passes: {verdict.stdout.strip()[:300]}")
    folder = os.path.join(WORK, label)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(folder)
        manifest_name = [n for n in archive.namelist() if n.endswith(".json")][0]
    manifest = json.load(open(os.path.join(folder, manifest_name)))
    for entry in manifest["files"]:
        errors = subprocess.run(["ffmpeg", "-v", "error", "-i", os.path.join(folder, entry["filename"]),
                                 "-f", "null", "-"], capture_output=True, text=True).stderr
        check(errors.strip() == "", f"{label}: {entry['filename']} decodes with no message: {errors[:300]}")
    return folder, manifest


def frames(folder, manifest, kind):
    """[(wall-clock ms, size, md5-less bytes)] of every file's `kind` ('v' or 'a') packets."""
    result = []
    for entry in manifest["files"]:
        path = os.path.join(folder, entry["filename"])
        for fields, data in ffprobe_tools.packets(path, kind + ":0"):
            at = manifest["createdAt"] + entry["startTimeOffset"] + float(fields["pts_time"]) * 1000
            result.append((at, data))
    return result


def receiver_stats(name):
    result = json.load(open(os.path.join(BROWSER, name + ".result.json")))
    inbound = {s["kind"]: s for s in result["stats"] if s.get("type") == "inbound-rtp"}
    return result, inbound


def check_against_receiver(name, label, folder, manifest, since_ms=0):
    """Frames decoded and audio packets received by the browser, by the time of its stats."""
    _, inbound = receiver_stats(name)
    taken = inbound["video"]["timestamp"]
    video = [at for at, _ in frames(folder, manifest, "v") if since_ms <= at <= taken]
    audio = [at for at, _ in frames(folder, manifest, "a") if since_ms <= at <= taken]
    decoded, received = inbound["video"]["framesDecoded"], inbound["video"]["framesReceived"]
    # A frame or two may be between the network and the decoder when the
    # statistics are read.
    check(decoded <= len(video) <= received + 1,
          f"{label}: {len(video)} video frames by the stats' time; the browser decoded {decoded}, received {received}")
    packets = inbound["audio"]["packetsReceived"]
    check(packets <= len(audio) <= packets + 2,
          f"{label}: {len(audio)} audio frames by the stats' time; the browser received {packets} packets")
    return video, audio


def check_plain(name, codec_id):
    proc, out = replay(name, name, *sdp_flags(name))
    if proc.returncode != 0:
        return None
    folder, manifest = unpack(out, name)
    check(len(manifest["files"]) == 1, f"{name}: one file for the one publisher ({len(manifest['files'])})")
    check_against_receiver(name, name, folder, manifest)
    codecs = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0",
                             os.path.join(folder, manifest["files"][0]["filename"])],
                            capture_output=True, text=True).stdout.split()
    check(codecs[:1] == [codec_id] and "opus" in codecs, f"{name}: {codec_id} and Opus tracks ({codecs})")
    check("RTX padding packets (bandwidth probes) ignored" in proc.stdout,
          f"{name}: RTX padding probes are counted as ignored")
    return folder, manifest, proc


def check_plain_vp8():
    name = "chromium-plain-vp8"
    described = check_plain(name, "vp8")
    if not described:
        return
    folder, manifest, proc = described
    check("retransmitted (RTX" in proc.stdout, f"{name}: RTX packets reach the video track")
    with_ssrc = [data for _, data in frames(folder, manifest, "v")]
    # Without the SDP the VP8 inside RED is still found from its keyframe.
    proc, out = replay(name, "no-sdp")
    if proc.returncode == 0:
        bare_folder, bare_manifest = unpack(out, "no-sdp")
        check([data for _, data in frames(bare_folder, bare_manifest, "v")] == with_ssrc,
              f"{name}: without an SDP, the same video frames (VP8 found inside RED)")
    # An SDP without a=ssrc lines: tracks are found by the mid header extension.
    text = open(os.path.join(BROWSER, name + ".sdp")).read()
    stripped = os.path.join(WORK, "no-ssrc.sdp")
    open(stripped, "w").write("".join(line for line in text.splitlines(True) if not line.startswith("a=ssrc")))
    check("a=ssrc" not in open(stripped).read() and "a=ssrc" in text, "the SDP's a=ssrc lines are gone")
    proc, out = replay(name, "no-ssrc-lines", "--sdp", stripped)
    if proc.returncode == 0:
        mid_folder, mid_manifest = unpack(out, "no-ssrc-lines")
        check([f["streamId"] for f in mid_manifest["files"]] == [f["streamId"] for f in manifest["files"]],
              f"{name}: without a=ssrc lines the stream gets the same ID (from a=msid via mid)")
        check([data for _, data in frames(mid_folder, mid_manifest, "v")] == with_ssrc,
              f"{name}: without a=ssrc lines, the same video frames")
        check("RTX padding packets" in proc.stdout, f"{name}: without a=ssrc lines RTX is still recognised by mid")


def check_plain_h264():
    name = "chromium-plain-h264"
    described = check_plain(name, "h264")
    if not described:
        return
    folder, manifest, _ = described
    check(manifest["files"][0]["filename"].endswith(".mkv"), f"{name}: H.264 goes into .mkv")
    # Without the SDP, the RTX flow is found by its payloads: the resent packets
    # match packets of the video flow, so it is no stream of its own.
    proc, out = replay(name, "h264-no-sdp")
    if proc.returncode == 0:
        bare_folder, bare = unpack(out, "h264-no-sdp")
        check(len({f["streamId"] for f in bare["files"]}) == 1 and "Streams: 1" in proc.stdout,
              f"{name}: without an SDP, one stream ({proc.stdout[:300]})")
        check("retransmitted (RTX" in proc.stdout and "RTX padding packets" in proc.stdout,
              f"{name}: without an SDP, RTX packets are recognised and reach the video track")
        check([d for _, d in frames(bare_folder, bare, "v")] == [d for _, d in frames(folder, manifest, "v")],
              f"{name}: without an SDP, the same video frames")


def rtp_of(frame):
    """The UDP payload of an Ethernet/IPv4 capture record."""
    return frame[14 + (frame[14] & 0x0f) * 4 + 8:]


def rtx_original_sequence(payload, rtx_types):
    """The sequence number an RTX packet retransmits, or None (not RTX, or padding only)."""
    if len(payload) < 12 or 192 <= payload[1] <= 223 or payload[1] & 0x7f not in rtx_types:
        return None
    offset = 12 + 4 * (payload[0] & 0x0f)
    if payload[0] & 0x10:
        offset += 4 + 4 * int.from_bytes(payload[offset + 2:offset + 4], "big")
    end = len(payload) - (payload[-1] if payload[0] & 0x20 else 0)
    return int.from_bytes(payload[offset:offset + 2], "big") if end - offset > 2 else None


def check_rtx_repairs_losses():
    """The capture with the packets Chromium retransmitted taken out: RTX brings them back."""
    name = "chromium-plain-h264"
    header, records = read_pcap(os.path.join(BROWSER, name + ".pcap"))
    repaired = {rtx_original_sequence(rtp_of(r[2]), {103}) for r in records} - {None}
    media_ssrc = {bytes(rtp_of(r[2])[8:12]) for r in records if len(rtp_of(r[2])) > 12 and rtp_of(r[2])[1] & 0x7f == 102}
    check(len(repaired) >= 1 and len(media_ssrc) == 1, f"{name}: Chromium retransmitted packets {sorted(repaired)}")

    def is_original(record):
        payload = rtp_of(record[2])
        return (len(payload) > 12 and payload[1] & 0x7f == 102 and
                int.from_bytes(payload[2:4], "big") in repaired)
    lossy = os.path.join(WORK, "lost-then-retransmitted.pcap")
    write_pcap(lossy, header, [r for r in records if not is_original(r)])
    without_rtx = os.path.join(WORK, "lost.pcap")
    write_pcap(without_rtx, header, [r for r in records if not is_original(r) and
                                     rtx_original_sequence(rtp_of(r[2]), {103}) is None])
    clean_proc, clean_out = replay(name, "rtx-clean", *sdp_flags(name))
    for capture, label, flags in ((lossy, "rtx-repaired", sdp_flags(name)),
                                  (without_rtx, "rtx-missing", sdp_flags(name))):
        proc = subprocess.run([BINARY, "replay", capture, "-o", os.path.join(WORK, label + ".zip"), "--progress=false",
                               *flags], capture_output=True, text=True)
        check(proc.returncode == 0, f"{label}: exit 0 ({proc.stderr[:300]})")
    if clean_proc.returncode != 0:
        return
    clean_folder, clean = unpack(clean_out, "rtx-clean")
    folder, manifest = unpack(os.path.join(WORK, "rtx-repaired.zip"), "rtx-repaired")
    clean_video = [data for _, data in frames(clean_folder, clean, "v")]
    check([data for _, data in frames(folder, manifest, "v")] == clean_video and clean_video,
          f"{name}: with the originals lost, RTX restores every frame bit for bit ({len(clean_video)})")
    lost_folder, lost = unpack(os.path.join(WORK, "rtx-missing.zip"), "rtx-missing")
    check(len(frames(lost_folder, lost, "v")) < len(clean_video),
          f"{name}: without the retransmissions, the same losses cost frames")


def check_reconnect():
    """A new connection: new SSRCs, 5-tuple and CNAME, same a=msid track IDs -> a second segment."""
    name = "chromium-reconnect-vp8"
    proc, out = replay(name, name, *sdp_flags(name, 2))
    if proc.returncode != 0:
        return
    folder, manifest = unpack(out, name)
    names = sorted(f["filename"] for f in manifest["files"])
    stream_ids = {f["streamId"] for f in manifest["files"]}
    segments = {n.replace(next(iter(stream_ids)), "<id>") for n in names}
    check(len(stream_ids) == 1 and segments == {"<id>.webm", "<id>-1.webm"},
          f"{name}: one stream, two segments <id>.webm and <id>-1.webm ({names})")
    result, _ = receiver_stats(name)
    events = {e["name"]: e["t"] for e in result["events"]}
    second = max(manifest["files"], key=lambda f: f["startTimeOffset"])
    started = manifest["createdAt"] + second["startTimeOffset"]
    check(abs(started - events["reconnected"]) < 500,
          f"{name}: the second segment starts at the reconnect ({started - events['reconnected']:+d} ms)")
    # The receiver's statistics are of the second connection only.
    check_against_receiver(name, name, folder, manifest, since_ms=started)
    # The same two SDPs as one comma-separated flag give the same archive.
    joined = ",".join(sdp_flags(name, 2)[1::2])
    proc, out_joined = replay(name, "reconnect-joined", f"--sdp={joined}")
    if proc.returncode == 0:
        check(open(out_joined, "rb").read() == open(out, "rb").read(),
              f"{name}: --sdp A,B gives the same archive as --sdp A --sdp B")
    # One SDP only: the second connection's SSRCs are found by CNAME, a new stream.
    proc, out = replay(name, "reconnect-one-sdp", *sdp_flags(name, 1))
    if proc.returncode == 0:
        _, one = unpack(out, "reconnect-one-sdp")
        check(len({f["streamId"] for f in one["files"]}) == 2,
              f"{name}: without the second SDP the new connection is another stream")


def check_mute():
    """track.enabled=false keeps sending (black frames, silence); replaceTrack(null) sends
    nothing for 4 s: a gap in the same file, not a new segment."""
    name = "chromium-mute-vp8"
    proc, out = replay(name, name, *sdp_flags(name))
    if proc.returncode != 0:
        return
    folder, manifest = unpack(out, name)
    check(len(manifest["files"]) == 1, f"{name}: one file ({len(manifest['files'])})")
    check_against_receiver(name, name, folder, manifest)
    result, _ = receiver_stats(name)
    events = {e["name"]: e["t"] for e in result["events"]}
    for kind in ("v", "a"):
        times = sorted(at for at, _ in frames(folder, manifest, kind))
        gaps = [(b - a, a) for a, b in zip(times, times[1:])]
        gap, at = max(gaps)
        # The gap sits where replaceTrack(null) was called and lasts until the
        # track came back (4 s), on both tracks: Chromium's audio RTP clock
        # stands still meanwhile, so this also checks the sender-report clock.
        check(3500 < gap < 4600 and abs(at - events["replace-null"]) < 500,
              f"{name}: {kind} track has a {gap:.0f} ms gap at {at - events['replace-null']:+.0f} ms from replaceTrack(null)")


def check_resize():
    name = "chromium-resize-vp8"
    proc, out = replay(name, name, *sdp_flags(name))
    if proc.returncode != 0:
        return
    folder, manifest = unpack(out, name)
    check_against_receiver(name, name, folder, manifest)
    path = os.path.join(folder, manifest["files"][0]["filename"])
    sizes = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=width,height",
                            "-of", "csv=p=0", path], capture_output=True, text=True).stdout.split()
    distinct = list(dict.fromkeys(sizes))
    check(len(distinct) > 1, f"{name}: the encoder changed resolution within the file ({distinct})")
    reported = "resolution changed" in proc.stdout and " -> ".join(s.replace(",", "x") for s in distinct) in proc.stdout
    check(reported, f"{name}: the summary names each size in order ({distinct})")
    report = json.loads(subprocess.run([BINARY, "inspect", out, "--json"], capture_output=True, text=True).stdout)
    changes = [f"{c['width']},{c['height']}" for c in report["files"][0]["tracks"][0]["sizeChanges"]]
    check(changes == distinct[1:], f"{name}: inspect lists the size changes ({changes})")


def set_orientation(record, extension_id, quarter_turns):
    """The record with every one-byte video-orientation element set to `quarter_turns`."""
    frame = bytearray(record[2])
    at = 14 + (frame[14] & 0x0f) * 4 + 8
    if len(frame) < at + 12 or not frame[at] & 0x10 or 192 <= frame[at + 1] <= 223:
        return record
    offset = at + 12 + 4 * (frame[at] & 0x0f)
    if frame[offset:offset + 2] != b"\xbe\xde":
        return record
    end = offset + 4 + 4 * int.from_bytes(frame[offset + 2:offset + 4], "big")
    position = offset + 4
    while position < end:
        if frame[position] == 0:
            position += 1
            continue
        element_id, length = frame[position] >> 4, (frame[position] & 0x0f) + 1
        if element_id == extension_id:
            frame[position + 1] = quarter_turns
        position += 1 + length
    return (record[0], record[1], bytes(frame))


def check_orientation():
    """Chromium sends the orientation (0) with every keyframe; the same call with it
    rewritten to 90 degrees gives a file that players rotate."""
    name = "chromium-plain-vp8"
    sdp = open(os.path.join(BROWSER, name + ".sdp")).read()
    extension_id = int(next(line for line in sdp.splitlines() if "urn:3gpp:video-orientation" in line)
                       .split(":")[1].split()[0])
    header, records = read_pcap(os.path.join(BROWSER, name + ".pcap"))
    turned = os.path.join(WORK, "turned.pcap")
    write_pcap(turned, header, [set_orientation(r, extension_id, 1) for r in records])
    proc = subprocess.run([BINARY, "replay", turned, "-o", os.path.join(WORK, "turned.zip"), "--progress=false",
                           *sdp_flags(name)], capture_output=True, text=True)
    check(proc.returncode == 0 and "rotation 90°" in proc.stdout, f"{name}: the summary says rotation 90° ({proc.stdout[-400:]})")
    folder, manifest = unpack(os.path.join(WORK, "turned.zip"), "turned")
    path = os.path.join(folder, manifest["files"][0]["filename"])
    rotation = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                               "stream_side_data=rotation", "-of", "csv=p=0", path], capture_output=True, text=True).stdout.split()
    # FFmpeg's display matrix turns counter-clockwise: -90 is a quarter turn clockwise.
    check(rotation == ["-90"], f"{name}: ffprobe reads a -90 display matrix rotation ({rotation})")
    report = json.loads(subprocess.run([BINARY, "inspect", os.path.join(WORK, "turned.zip"), "--json"],
                                       capture_output=True, text=True).stdout)
    check(report["files"][0]["tracks"][0].get("rotationDegrees") == 90, f"{name}: inspect reads rotation 90")


check_plain_vp8()
check_plain_h264()
check_rtx_repairs_losses()
check_reconnect()
check_mute()
check_resize()
check_orientation()
finish(WORK)
