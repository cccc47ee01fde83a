#!/usr/bin/env python3
"""End-to-end test of `rtparchive replay`, judged by tools we did not write.

Over 400 lines: one check per bundled capture family, all judged by the same
truth and ffprobe readers defined here; they run as one ctest entry.

Captures come from GStreamer's payloaders (testdata/captures, made by
../shared/corpus/make-corpus.sh); ground truth is the MD5 of every frame the
encoders produced (NAME.truth.json). Archives are checked with unzip and
ffmpeg/ffprobe. Usage: replay_test.py RTPARCHIVE_BINARY TESTDATA_DIR
"""
import hashlib
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
import ffprobe_tools  # noqa: E402
from pcap_tools import read_pcap, rtp_rewrite, udp_frame_like, write_pcap  # noqa: E402

BINARY, TESTDATA = sys.argv[1], sys.argv[2]
CAPTURES = os.path.join(TESTDATA, "captures")
WORK = tempfile.mkdtemp(prefix="rtparchive-e2e-")


def replay(capture, name, *extra):
    out = os.path.join(WORK, name + ".zip")
    proc = subprocess.run([BINARY, "replay", capture, "-o", out, *extra], capture_output=True, text=True)
    return proc, out


def unpack(zip_path, name):
    verdict = subprocess.run([BINARY, "verify", zip_path], capture_output=True, text=True)
    check(verdict.returncode == 0, f"{name}: rtparchive verify passes: {verdict.stdout.strip()[:500]}")
    folder = os.path.join(WORK, name)
    os.makedirs(folder, exist_ok=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(folder)
        infos = {info.filename: info for info in archive.infolist()}
    manifests = [n for n in infos if n.endswith(".json")]
    check(len(manifests) == 1, f"{name}: exactly one .json entry, got {manifests}")
    manifest = json.load(open(os.path.join(folder, manifests[0])))
    return folder, manifest, infos


def frame_md5s(path, stream):
    rows = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-map", stream, "-c", "copy",
                           "-f", "framemd5", "-"], capture_output=True, text=True).stdout.splitlines()
    # columns: stream, dts, pts, duration, size, hash[, side data]
    return [r.split(",")[5].strip() for r in rows if r and not r.startswith("#")]


def packet_bytes(path, stream="v:0"):
    """Each packet's bytes, as ffprobe reads them."""
    return [data for _, data in ffprobe_tools.packets(path, stream)]


def avcc_nal_md5s(frame):
    """MD5 of each NAL unit of a frame stored with 4-byte lengths (Matroska's H.264)."""
    nals, offset = [], 0
    while offset + 4 <= len(frame):
        size = struct.unpack_from("!I", frame, offset)[0]
        nals.append(hashlib.md5(frame[offset + 4:offset + 4 + size]).hexdigest())
        offset += 4 + size
    return nals if offset == len(frame) else nals + ["<trailing bytes>"]


def is_subsequence(items, sequence):
    it = iter(sequence)
    return all(any(x == y for y in it) for x in items)


def check_manifest_shape(name, manifest, infos):
    check(set(manifest) == {"id", "name", "sessionId", "partnerId", "createdAt", "files"},
          f"{name}: manifest top-level fields {sorted(manifest)}")
    for entry in manifest["files"]:
        check(set(entry) == {"streamId", "filename", "size", "startTimeOffset", "stopTimeOffset",
                             "connectionData", "videoType"}, f"{name}: file fields {sorted(entry)}")
        check(entry["filename"] in infos, f"{name}: {entry['filename']} is in the ZIP")
        check(entry["filename"] == entry["streamId"] + ".webm", f"{name}: first segment named <streamId>.webm")
        check(infos[entry["filename"]].file_size == entry["size"], f"{name}: size of {entry['filename']} is exact")
        check(infos[entry["filename"]].compress_type == zipfile.ZIP_STORED, f"{name}: media stored, not deflated")
        check(0 <= entry["startTimeOffset"] <= entry["stopTimeOffset"], f"{name}: offsets ordered")


def check_clean_capture(capture_name):
    """Every frame bit-exact, in order, none missing; files decode; sizes right."""
    proc, out = replay(os.path.join(CAPTURES, capture_name + ".pcap"), capture_name)
    check(proc.returncode == 0, f"{capture_name}: exit 0 (got {proc.returncode}: {proc.stderr})")
    if proc.returncode != 0:
        return
    check(subprocess.run(["unzip", "-tq", out], capture_output=True).returncode == 0, f"{capture_name}: unzip -t")
    folder, manifest, infos = unpack(out, capture_name)
    check_manifest_shape(capture_name, manifest, infos)
    truth = json.load(open(os.path.join(CAPTURES, capture_name + ".truth.json")))
    sidecar = json.load(open(os.path.join(CAPTURES, capture_name + ".json")))
    files = sorted(manifest["files"], key=lambda f: f["startTimeOffset"])
    check(len(files) == len(truth["streams"]), f"{capture_name}: one file per stream")
    for index, (entry, stream) in enumerate(zip(files, truth["streams"])):
        path = os.path.join(folder, entry["filename"])
        errors = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "null", "-"],
                                capture_output=True, text=True).stderr
        check(errors.strip() == "", f"{capture_name}: {entry['filename']} decodes without errors: {errors[:300]}")
        segment = stream["segments"][0]
        check(frame_md5s(path, "0:v:0") == segment["video"]["frame_md5"],
              f"{capture_name}: stream {index} video frames bit-exact, in order, none missing")
        check(frame_md5s(path, "0:a:0") == segment["audio"]["frame_md5"],
              f"{capture_name}: stream {index} Opus packets bit-exact, in order, none missing")
        probe = json.loads(subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", path],
                                          capture_output=True, text=True).stdout)
        video = [s for s in probe["streams"] if s["codec_type"] == "video"][0]
        width, height = {"vp8-clean": (640, 480), "vp8-nortcp": (640, 480), "two-streams": (320, 240)}[capture_name]
        check((video["width"], video["height"]) == (width, height), f"{capture_name}: real dimensions in the header")
        expected_start = sidecar["streams"][index]["segments"][0]["start_offset_s"] * 1000
        check(abs(entry["startTimeOffset"] - expected_start) <= 5,
              f"{capture_name}: stream {index} starts at {entry['startTimeOffset']} ms, expected ~{expected_start:.0f}")
        duration_ms = float(probe["format"]["duration"]) * 1000
        span = entry["stopTimeOffset"] - entry["startTimeOffset"]
        check(span <= duration_ms <= span + 100, f"{capture_name}: duration {duration_ms} ms matches offsets span {span} ms")


def check_lossy_capture():
    """No damaged frame is written, and the summary's counts are right."""
    name = "vp8-lossy"
    proc, out = replay(os.path.join(CAPTURES, name + ".pcap"), name)
    check(proc.returncode == 0, f"{name}: exit 0 ({proc.stderr})")
    if proc.returncode != 0:
        return
    folder, manifest, infos = unpack(out, name)
    truth = json.load(open(os.path.join(CAPTURES, name + ".truth.json")))["streams"][0]["segments"][0]
    sidecar = json.load(open(os.path.join(CAPTURES, name + ".json")))
    path = os.path.join(folder, manifest["files"][0]["filename"])
    video, audio = frame_md5s(path, "0:v:0"), frame_md5s(path, "0:a:0")
    check(len(video) > 0 and is_subsequence(video, truth["video"]["frame_md5"]),
          f"{name}: every written video frame equals a ground-truth frame, in order ({len(video)} written)")
    check(is_subsequence(audio, truth["audio"]["frame_md5"]), f"{name}: every written Opus packet is a ground-truth one")
    errors = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "null", "-"], capture_output=True, text=True).stderr
    check(errors.strip() == "", f"{name}: decodes without errors: {errors[:300]}")
    # The summary: "N packets, N lost, N duplicate" and "N frames written, N dropped".
    lost = dup = 0
    written_dropped = []
    for line in proc.stdout.splitlines():
        words = line.replace(",", "").split()
        if "lost" in words and "packets" in words:
            lost += int(words[words.index("lost") - 1])
            dup += int(words[words.index("duplicate") - 1])
        if "written" in words:
            written = int(words[0])
            dropped = int(words[words.index("dropped") - 1]) if "dropped" in words else 0
            written_dropped.append((written, dropped))
    impairments = sidecar["impairments"]
    check(lost == impairments["dropped"], f"{name}: summary counts {lost} lost packets, capture dropped {impairments['dropped']}")
    check(dup == impairments["duplicated"], f"{name}: summary counts {dup} duplicates, capture has {impairments['duplicated']}")
    totals = sorted(w + d for w, d in written_dropped)
    expected = sorted([len(truth["video"]["frame_md5"]), len(truth["audio"]["frame_md5"])])
    check(totals == expected, f"{name}: frames written + dropped per track {totals} == encoded {expected}")
    check(sorted(w for w, _ in written_dropped) == sorted([len(video), len(audio)]),
          f"{name}: summary's written counts match the file")


def check_bad_input():
    clean = os.path.join(CAPTURES, "vp8-clean.pcap")
    proc, out = replay(os.path.join(WORK, "missing.pcap"), "missing")
    check(proc.returncode == 1 and "does not exist" in proc.stderr, f"missing file: exit 1 and a clear message ({proc.stderr})")
    check(not os.path.exists(out), "missing file: no archive")

    text = os.path.join(WORK, "notes.txt")
    open(text, "w").write("not a capture\n" * 10)
    proc, _ = replay(text, "text")
    check(proc.returncode == 1 and "not a readable packet capture" in proc.stderr, f"text file: clear message ({proc.stderr})")

    data = open(clean, "rb").read()
    truncated = os.path.join(WORK, "truncated.pcap")
    open(truncated, "wb").write(data[:len(data) * 6 // 10])
    proc, out = replay(truncated, "truncated")
    check(proc.returncode == 3 and "ends inside a record" in proc.stderr,
          f"truncated capture: exit 3 with a warning ({proc.returncode}, {proc.stderr})")
    check(os.path.exists(out) and zipfile.ZipFile(out).testzip() is None, "truncated capture: archive of what was read")

    header, records = read_pcap(clean)
    no_rtp = os.path.join(WORK, "no-rtp.pcap")
    write_pcap(no_rtp, header, [(s, u, udp_frame_like(f, b"\x12\x34\x01\x00" + bytes(20))) for s, u, f in records[:50]])
    proc, out = replay(no_rtp, "no-rtp")
    check(proc.returncode == 1 and "no VP8, H.264 or Opus RTP stream" in proc.stderr, f"capture without RTP: clear message ({proc.stderr})")
    check(not os.path.exists(out), "capture without RTP: no archive")

    rng = random.Random(5)
    mixed = []
    for sec, usec, frame in records:
        mixed.append((sec, usec, frame))
        if rng.random() < 0.1:
            junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 60)))
            if rng.random() < 0.5:
                junk = bytes([0x80 | (junk[0] & 0x3f)]) + junk[1:]  # looks like RTP version 2
            mixed.append((sec, usec, udp_frame_like(frame, junk)))
    garbage = os.path.join(WORK, "garbage.pcap")
    write_pcap(garbage, header, mixed)
    proc, out = replay(garbage, "garbage")
    check(proc.returncode == 0, f"garbage among good packets: archive written ({proc.stderr})")
    if proc.returncode == 0:
        folder, manifest, _ = unpack(out, "garbage")
        truth = json.load(open(os.path.join(CAPTURES, "vp8-clean.truth.json")))["streams"][0]["segments"][0]
        path = os.path.join(folder, manifest["files"][0]["filename"])
        check(frame_md5s(path, "0:v:0") == truth["video"]["frame_md5"], "garbage among good packets: video still bit-exact")
        check("not RTP/RTCP" in proc.stdout and " 0 not RTP/RTCP" not in proc.stdout,
              "garbage among good packets: the summary counts the garbage")


def check_determinism_and_session():
    capture = os.path.join(CAPTURES, "two-streams.pcap")
    first, a = replay(capture, "det-a")
    second, b = replay(capture, "det-b")
    check(first.returncode == 0 and second.returncode == 0 and open(a, "rb").read() == open(b, "rb").read(),
          "the same capture gives a byte-identical ZIP")
    session = os.path.join(WORK, "session.json")
    json.dump({"archive": {"id": "5f2b1c9e-1111-4222-8333-444455556666", "name": "e2e", "sessionId": "s-1", "partnerId": 99},
               "payloadTypes": {"96": "VP8/90000", "111": "opus/48000/2"},
               "streams": [{"streamId": "alice", "connectionData": "name=alice", "videoType": "screen", "cname": "publisher-1"}]},
              open(session, "w"))
    proc, out = replay(capture, "session", "--session", session)
    check(proc.returncode == 0, f"session file replay: exit 0 ({proc.stderr})")
    if proc.returncode == 0:
        _, manifest, infos = unpack(out, "session")
        check("5f2b1c9e-1111-4222-8333-444455556666.json" in infos, "session: manifest named after the archive ID")
        check([f["streamId"] for f in manifest["files"]] == ["alice"], "session: only the named stream is recorded")
        check(manifest["files"][0]["connectionData"] == "name=alice" and manifest["files"][0]["videoType"] == "screen",
              "session: connection data and video type carried over")
        check(manifest["partnerId"] == 99 and manifest["name"] == "e2e", "session: archive fields carried over")
        check("not named in the session file" in proc.stdout, "session: the summary says what was left out")


def check_usage():
    help_text = subprocess.run([BINARY, "--help"], capture_output=True, text=True)
    check(help_text.returncode == 0, "--help exits 0")
    check("replay CAPTURE -o ARCHIVE.zip" in help_text.stdout, "--help shows the replay usage")
    check("--session" in help_text.stdout + help_text.stderr or "-session" in help_text.stdout + help_text.stderr,
          "--help lists the flags")
    check(subprocess.run([BINARY], capture_output=True).returncode == 2, "no command: exit 2")
    check(subprocess.run([BINARY, "replay", "x.pcap"], capture_output=True).returncode == 2, "replay without -o: exit 2")


def check_reconnect():
    """A publisher reconnecting on new SSRCs gives a second, indexed file."""
    name = "reconnect"
    proc, out = replay(os.path.join(CAPTURES, name + ".pcap"), name)
    check(proc.returncode == 0, f"{name}: exit 0 ({proc.stderr})")
    if proc.returncode != 0:
        return
    folder, manifest, infos = unpack(out, name)
    files = manifest["files"]
    check(len(files) == 2, f"{name}: two files, got {len(files)}")
    if len(files) != 2:
        return
    stream_id = files[0]["streamId"]
    check(files[1]["streamId"] == stream_id, f"{name}: both segments carry the stream ID")
    check([f["filename"] for f in files] == [stream_id + ".webm", stream_id + "-1.webm"],
          f"{name}: segment files named <streamId>.webm and <streamId>-1.webm: {[f['filename'] for f in files]}")
    sidecar = json.load(open(os.path.join(CAPTURES, name + ".json")))["streams"][0]["segments"]
    truth = json.load(open(os.path.join(CAPTURES, name + ".truth.json")))["streams"][0]["segments"]
    for index, (entry, segment, expected) in enumerate(zip(files, truth, sidecar)):
        path = os.path.join(folder, entry["filename"])
        check(abs(entry["startTimeOffset"] - expected["start_offset_s"] * 1000) <= 33,
              f"{name}: segment {index} starts at {entry['startTimeOffset']} ms, capture says {expected['start_offset_s'] * 1000:.0f}")
        check(frame_md5s(path, "0:v:0") == segment["video"]["frame_md5"], f"{name}: segment {index} video bit-exact")
        check(frame_md5s(path, "0:a:0") == segment["audio"]["frame_md5"], f"{name}: segment {index} audio bit-exact")


def check_wraps_change_nothing():
    """Sequence numbers and RTP timestamps that wrap mid-capture give the same
    archive (av-sync-wrapped is av-sync shifted so both wrap, see pcap_tools)."""
    plain_proc, plain = replay(os.path.join(CAPTURES, "av-sync.pcap"), "unwrapped")
    wrapped_proc, wrapped = replay(os.path.join(CAPTURES, "av-sync-wrapped.pcap"), "wrapped")
    check(plain_proc.returncode == 0 and wrapped_proc.returncode == 0, "wrap: both replays succeed")
    check(open(plain, "rb").read() == open(wrapped, "rb").read(),
          "wrap: sequence and timestamp wrap mid-capture give a byte-identical archive")


def check_mute_gap():
    """A track that falls silent (its sender stops sending, sequence numbers
    carry on) leaves a gap of that length in its timestamps; nothing is lost.
    av-sync-muted is av-sync with audio silent from 1.5 s to 2.5 s."""
    proc, out = replay(os.path.join(CAPTURES, "av-sync-muted.pcap"), "muted")
    check(proc.returncode == 0, f"mute: exit 0 ({proc.stderr})")
    if proc.returncode != 0:
        return
    check(" 0 lost" in proc.stdout and "lost_entirely" not in proc.stdout, "mute: a silence is not counted as loss")
    folder, manifest, _ = unpack(out, "muted")
    media = os.path.join(folder, manifest["files"][0]["filename"])
    rows = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries", "packet=pts_time",
                           "-of", "csv=p=0", media], capture_output=True, text=True).stdout.split()
    times = [float(t) * 1000 for t in rows]
    gaps = [b - a for a, b in zip(times, times[1:])]
    largest = max(gaps) if gaps else 0
    check(abs(largest - (1000 + 20)) <= 2, f"mute: the audio gap is {largest:.0f} ms, muted 1000 ms (+ one 20 ms frame)")
    check(sum(1 for g in gaps if g > 25) == 1, "mute: only the one gap")


def first_pts_ms(path, kind):
    rows = subprocess.run(["ffprobe", "-v", "error", "-select_streams", kind, "-show_entries", "packet=pts_time",
                           "-of", "csv=p=0", path], capture_output=True, text=True).stdout.split()
    return float(rows[0]) * 1000 if rows else None


def check_av_sync():
    """Audio and video keep the sender's timing when one starts before the other."""
    capture = os.path.join(CAPTURES, "av-sync.pcap")
    header, records = read_pcap(capture)
    side = json.load(open(capture.replace(".pcap", ".json")))
    segment = side["streams"][0]["segments"][0]
    start_us = side["capture_start_ms"] * 1000
    for late_kind, late_by_s, expected_gap_ms in (("video", 2.5, 3000), ("audio", 1.0, 1000)):
        # Drop the late track's packets before late_by_s: it starts at its next
        # frame (video: the keyframe at 3 s; audio: the packet at 1 s).
        late_ssrc = segment[late_kind]["ssrc"]

        kept = []
        for sec, usec, frame in records:
            payload = frame[42:]
            is_rtp = not (192 <= payload[1] <= 223)
            if is_rtp and struct.unpack_from("!I", payload, 8)[0] == late_ssrc and \
                    sec * 1_000_000 + usec - start_us < late_by_s * 1e6:
                continue
            kept.append((sec, usec, frame))
        name = f"late-{late_kind}"
        path = os.path.join(WORK, name + ".pcap")
        write_pcap(path, header, kept)
        proc, out = replay(path, name)
        check(proc.returncode == 0, f"{name}: exit 0 ({proc.stderr})")
        if proc.returncode != 0:
            continue
        folder, manifest, _ = unpack(out, name)
        media = os.path.join(folder, manifest["files"][0]["filename"])
        early = first_pts_ms(media, "a:0" if late_kind == "video" else "v:0")
        late = first_pts_ms(media, "v:0" if late_kind == "video" else "a:0")
        check(early is not None and late is not None and abs((late - early) - expected_gap_ms) <= 20,
              f"{name}: {late_kind} starts {late - early if early is not None and late is not None else '?'} ms "
              f"after the other track, sender timing says {expected_gap_ms} ms (20 ms allowed)")
        check(manifest["files"][0]["startTimeOffset"] == 0, f"{name}: the file starts with the first media")


def check_manual_events():
    """--events: a stream removed and added again gets an indexed second file."""
    capture = os.path.join(CAPTURES, "av-sync.pcap")
    proc, out = replay(capture, "events-probe")
    stream_id = json.load(zipfile.ZipFile(out).open([n for n in zipfile.ZipFile(out).namelist() if n.endswith(".json")][0]))["files"][0]["streamId"]
    events = os.path.join(WORK, "events.json")
    json.dump({"events": [{"action": "add", "streamId": stream_id, "offsetMs": 0},
                          {"action": "remove", "streamId": stream_id, "offsetMs": 1500},
                          {"action": "add", "streamId": stream_id, "offsetMs": 2500, "hasVideo": True}]},
              open(events, "w"))
    proc, out = replay(capture, "events", "--events", events)
    check(proc.returncode == 0, f"events: exit 0 ({proc.stderr})")
    if proc.returncode != 0:
        return
    folder, manifest, _ = unpack(out, "events")
    files = manifest["files"]
    check([f["filename"] for f in files] == [stream_id + ".webm", stream_id + "-1.webm"],
          f"events: files {[f['filename'] for f in files]}")
    if len(files) != 2:
        return
    check(files[0]["startTimeOffset"] == 0 and files[0]["stopTimeOffset"] <= 1500,
          f"events: first segment 0-{files[0]['stopTimeOffset']} ms ends by the remove at 1500")
    check(abs(files[1]["startTimeOffset"] - 2500) <= 25, f"events: second segment starts at {files[1]['startTimeOffset']} ms, added at 2500")
    truth = json.load(open(os.path.join(CAPTURES, "av-sync.truth.json")))["streams"][0]["segments"][0]
    audio = [m for f in files for m in frame_md5s(os.path.join(folder, f["filename"]), "0:a:0")]
    check(is_subsequence(audio, truth["audio"]["frame_md5"]) and len(audio) >= len(truth["audio"]["frame_md5"]) - 55,
          f"events: audio of both segments is ground truth, only the removed second missing ({len(audio)} frames)")
    second_video = frame_md5s(os.path.join(folder, files[1]["filename"]), "0:v:0")
    check(len(second_video) > 0 and is_subsequence(second_video, truth["video"]["frame_md5"]),
          "events: video resumes at a keyframe in the second segment")
    bad = os.path.join(WORK, "bad-events.json")
    json.dump({"events": [{"action": "add", "streamId": "nobody", "offsetMs": 0}]}, open(bad, "w"))
    proc, out = replay(capture, "bad-events", "--events", bad)
    check(proc.returncode == 1 and "has no packets in the capture" in proc.stderr, f"events naming an unknown stream: clear message ({proc.stderr})")
    check(not os.path.exists(out) and not os.path.exists(out + ".parts"), "events naming an unknown stream: nothing left behind")


def check_h264(name, lossy=False, sizes=((320, 240),)):
    """H.264 into Matroska: every frame the encoder's access unit NAL for NAL."""
    proc, out = replay(os.path.join(CAPTURES, name + ".pcap"), name)
    check(proc.returncode == 0, f"{name}: exit 0 ({proc.stderr})")
    if proc.returncode != 0:
        return
    folder, manifest, infos = unpack(out, name)
    entry = manifest["files"][0]
    check(entry["filename"] == entry["streamId"] + ".mkv", f"{name}: H.264 gives <streamId>.mkv")
    path = os.path.join(folder, entry["filename"])
    errors = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "null", "-"], capture_output=True, text=True).stderr
    check(errors.strip() == "", f"{name}: decodes without errors: {errors[:300]}")
    truth = json.load(open(os.path.join(CAPTURES, name + ".truth.json")))["streams"][0]["segments"][0]
    written = [avcc_nal_md5s(frame) for frame in packet_bytes(path)]
    expected = truth["video"]["frame_nal_md5"]
    if lossy:
        check(len(written) > 0 and is_subsequence(written, expected),
              f"{name}: every written frame is an encoder access unit, NAL for NAL, in order ({len(written)} of {len(expected)})")
    else:
        check(written == expected, f"{name}: every frame equals the encoder's access unit NAL for NAL "
                                   f"({len(written)} written, {len(expected)} encoded)")
    info = subprocess.run(["mkvinfo", path], capture_output=True, text=True).stdout
    width, height = sizes[0]
    check("V_MPEG4/ISO/AVC" in info and f"Pixel width: {width}\n" in info and f"Pixel height: {height}\n" in info
          and "Codec's private data" in info, f"{name}: mkvinfo shows the codec, real dimensions and the avcC")
    decoded = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=width,height",
                              "-of", "csv=p=0", path], capture_output=True, text=True).stdout.split()
    seen = []
    for row in decoded:
        size = tuple(int(x) for x in row.strip(",").split(",")[:2])
        if not seen or seen[-1] != size:
            seen.append(size)
    check(seen == list(sizes), f"{name}: decoded picture sizes {seen}, expected {list(sizes)}")
    if len(sizes) > 1:
        check(f"resolution changed {len(sizes) - 1} times" in proc.stdout, f"{name}: the summary reports the change")
    if "audio" in truth:
        audio = frame_md5s(path, "0:a:0")
        check(is_subsequence(audio, truth["audio"]["frame_md5"]) and (lossy or audio == truth["audio"]["frame_md5"]),
              f"{name}: Opus packets are the encoder's")


def check_h264_parameter_sets_from_sdp():
    """An H.264 stream whose SPS/PPS come only in the SDP (sprop-parameter-sets)."""
    import base64
    name = "h264-ffmpeg-resize"
    header, records = read_pcap(os.path.join(CAPTURES, name + ".pcap"))
    removed = []

    def strip_first_parameter_sets(payload):
        """Takes SPS and PPS out of the first STAP-A, keeping its other NAL units."""
        if removed or 192 <= payload[1] <= 223 or payload[12] & 0x1f != 24:
            return payload
        kept, offset = bytearray([payload[12]]), 13
        while offset + 2 <= len(payload):
            size = struct.unpack_from("!H", payload, offset)[0]
            nal = bytes(payload[offset + 2:offset + 2 + size])
            if nal[0] & 0x1f in (7, 8):
                removed.append(nal)
            else:
                kept += struct.pack("!H", size) + nal
            offset += 2 + size
        return payload[:12] + kept

    stripped = os.path.join(WORK, "no-inband-sps.pcap")
    write_pcap(stripped, header, rtp_rewrite(records, strip_first_parameter_sets))
    check(len(removed) == 2, f"sdp: the capture's first SPS and PPS were taken out ({len(removed)})")
    without_sdp, out = replay(stripped, "no-sdp")
    check(without_sdp.returncode == 0 and "no_parameter_sets" in without_sdp.stdout,
          "sdp: without parameter sets the first keyframe is dropped and counted")
    sdp = os.path.join(WORK, "stream.sdp")
    sprop = ",".join(base64.b64encode(nal).decode() for nal in removed)
    open(sdp, "w").write("v=0\no=- 0 0 IN IP4 127.0.0.1\ns=-\nt=0 0\nm=video 5004 RTP/AVP 96\n"
                         f"a=rtpmap:96 H264/90000\na=fmtp:96 packetization-mode=1; sprop-parameter-sets={sprop}\n")
    proc, out = replay(stripped, "with-sdp", "--sdp", sdp)
    check(proc.returncode == 0, f"sdp: exit 0 ({proc.stderr})")
    if proc.returncode != 0:
        return
    folder, manifest, _ = unpack(out, "with-sdp")
    path = os.path.join(folder, manifest["files"][0]["filename"])
    truth = json.load(open(os.path.join(CAPTURES, name + ".truth.json")))["streams"][0]["segments"][0]["video"]
    removed_md5 = {hashlib.md5(nal).hexdigest() for nal in removed}
    expected = [[m for m in unit if not (index == 0 and m in removed_md5)] for index, unit in enumerate(truth["frame_nal_md5"])]
    check([avcc_nal_md5s(frame) for frame in packet_bytes(path)] == expected,
          "sdp: with sprop-parameter-sets every frame is written, as sent")
    errors = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "null", "-"], capture_output=True, text=True).stderr
    check(errors.strip() == "", f"sdp: decodes with the avcC from the SDP: {errors[:300]}")


def check_h264_project_audio_only():
    """An H.264 project writes .mkv files, also for a stream recorded without video."""
    session = os.path.join(WORK, "h264-audio.json")
    json.dump({"archive": {"videoCodec": "h264"},
               "streams": [{"streamId": "voice", "cname": "publisher-0", "hasVideo": False}]}, open(session, "w"))
    proc, out = replay(os.path.join(CAPTURES, "vp8-clean.pcap"), "h264-audio", "--session", session)
    check(proc.returncode == 0, f"h264 audio-only: exit 0 ({proc.stderr})")
    if proc.returncode != 0:
        return
    folder, manifest, _ = unpack(out, "h264-audio")
    check([f["filename"] for f in manifest["files"]] == ["voice.mkv"], f"h264 audio-only: voice.mkv ({manifest['files']})")
    probe = json.loads(subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json",
                                       os.path.join(folder, "voice.mkv")], capture_output=True, text=True).stdout)
    check([s["codec_name"] for s in probe["streams"]] == ["opus"] and "matroska" in probe["format"]["format_name"],
          "h264 audio-only: a Matroska file with only the Opus track")


def rezip(source_zip, target_zip, change):
    """Copies an archive, letting change(entries) edit {name: bytes} on the way."""
    with zipfile.ZipFile(source_zip) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    change(entries)
    with zipfile.ZipFile(target_zip, "w", zipfile.ZIP_STORED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)


def ebml_element(data, pos):
    """(id, data start, data size) of the EBML element at pos."""
    def vint(at, keep_marker):
        first = data[at]
        length = 1
        while length <= 8 and not first & (0x80 >> (length - 1)):
            length += 1
        value = first if keep_marker else first & (0xff >> length)
        for byte in data[at + 1:at + length]:
            value = value << 8 | byte
        return value, length
    element_id, id_length = vint(pos, True)
    size, size_length = vint(pos + id_length, False)
    return element_id, pos + id_length + size_length, size


def simple_block_offsets(data):
    """Offsets of every SimpleBlock's 16-bit timecode in a WebM file."""
    offsets = []
    def walk(start, end):
        pos = start
        while pos < end:
            element_id, body, size = ebml_element(data, pos)
            if size >= 1 << 56:  # unknown size: to the end of the parent
                size = end - body
            if element_id in (0x18538067, 0x1F43B675):  # Segment, Cluster
                walk(body, body + size)
            elif element_id == 0xA3:  # SimpleBlock: track vint, timecode, flags
                offsets.append(body + 1)
            pos = body + size
    walk(0, len(data))
    return offsets


def check_verify():
    """verify accepts our archives and names each kind of damage."""
    good = os.path.join(WORK, "vp8-clean.zip")
    if not os.path.exists(good):
        return
    proc = subprocess.run([BINARY, "verify", good], capture_output=True, text=True)
    check(proc.returncode == 0 and "OK" in proc.stdout, f"verify: a replayed archive passes ({proc.stdout}{proc.stderr})")
    with zipfile.ZipFile(good) as archive:
        manifest_name = [n for n in archive.namelist() if n.endswith(".json")][0]
        manifest = json.loads(archive.read(manifest_name))
    media = manifest["files"][0]["filename"]

    def truncate(entries):
        entries[media] = entries[media][:len(entries[media]) // 2]
        manifest["files"][0]["size"] = len(entries[media])
        entries[manifest_name] = json.dumps(manifest).encode()

    def wrong_size(entries):
        changed = dict(manifest, files=[dict(manifest["files"][0], size=manifest["files"][0]["size"] + 1)])
        entries[manifest_name] = json.dumps(changed).encode()

    def missing(entries):
        del entries[media]

    def backwards(entries):
        data = bytearray(entries[media])
        offsets = simple_block_offsets(bytes(data))
        struct.pack_into("!h", data, offsets[10], 0)  # the 11th block back to its cluster's start
        entries[media] = bytes(data)

    for name, change, expected in (("truncated", truncate, "does not parse"),
                                   ("wrong-size", wrong_size, "the manifest says"),
                                   ("missing", missing, "missing from the ZIP"),
                                   ("backwards", backwards, "timestamps do not rise")):
        broken = os.path.join(WORK, f"verify-{name}.zip")
        rezip(good, broken, change)
        proc = subprocess.run([BINARY, "verify", broken], capture_output=True, text=True)
        check(proc.returncode == 1 and expected in proc.stdout,
              f"verify: a {name} archive fails with '{expected}' ({proc.returncode}: {proc.stdout.strip()[:300]})")
    inspect = subprocess.run([BINARY, "inspect", good, "--json", "--timeline", os.path.join(WORK, "t.svg")],
                             capture_output=True, text=True)
    report = json.loads(inspect.stdout) if inspect.returncode == 0 else {}
    check(report.get("files") and report["files"][0]["tracks"][0]["frames"] > 0,
          "inspect --json reports frames per track")
    svg = open(os.path.join(WORK, "t.svg")).read() if os.path.exists(os.path.join(WORK, "t.svg")) else ""
    check("<svg" in svg and manifest["files"][0]["streamId"] in svg, "inspect --timeline draws the streams")


for capture_name in ("vp8-clean", "two-streams", "vp8-nortcp"):
    check_clean_capture(capture_name)
check_lossy_capture()
check_h264("h264-gst")
check_h264("h264-lossy", lossy=True)
check_h264("h264-ffmpeg-resize", sizes=((320, 240), (640, 360)))
check_h264("h264-gst-single-nal")  # rtph264pay aggregate-mode=none config-interval=0
check_h264("h264-gst-stap-max")    # rtph264pay aggregate-mode=max-stap config-interval=1
check_h264_parameter_sets_from_sdp()
check_h264_project_audio_only()
check_reconnect()
check_wraps_change_nothing()
check_av_sync()
check_manual_events()
check_mute_gap()
check_bad_input()
check_determinism_and_session()
check_usage()
check_verify()
finish(WORK)
