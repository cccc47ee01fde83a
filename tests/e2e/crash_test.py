#!/usr/bin/env python3
"""A recording that dies: killed with SIGKILL midway, or stopped by a full
disk (a file size limit). What was written must survive: `rtparchive recover`
turns the working folder into an archive that passes `verify` and holds the
recording's frames up to the last flush, exactly as a complete run writes
them. Usage: crash_test.py RTPARCHIVE_BINARY TESTDATA_DIR
"""
import glob
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402
import pcap_tools  # noqa: E402

BINARY, TESTDATA = sys.argv[1], sys.argv[2]
WORK = tempfile.mkdtemp(prefix="rtparchive-crash-")


def run(*args, **kwargs):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, **kwargs)


def frames(zip_path, label):
    """Manifest and (pts, md5) per track of the archive's only file."""
    folder = os.path.join(WORK, label)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(folder)
        manifest = json.loads(archive.read([n for n in archive.namelist() if n.endswith(".json")][0]))
    path = os.path.join(folder, manifest["files"][0]["filename"])
    tracks = {}
    for stream in ("v:0", "a:0"):
        rows = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-map", "0:" + stream, "-c", "copy",
                               "-f", "framemd5", "-"], capture_output=True, text=True).stdout.splitlines()
        tracks[stream] = [(r.split(",")[2].strip(), r.split(",")[5].strip()) for r in rows if r and not r.startswith("#")]
    return manifest, tracks


def check_recovered(label, zip_path, parts, complete):
    proc = run("recover", parts, "-o", zip_path)
    check(proc.returncode == 0, f"{label}: recover exits 0 ({proc.stderr.strip()[:300]})")
    if proc.returncode != 0:
        return
    verdict = run("verify", zip_path)
    check(verdict.returncode == 0, f"{label}: the recovered archive passes verify ({verdict.stdout.strip()[:300]})")
    manifest, tracks = frames(zip_path, label)
    full_manifest, full_tracks = complete
    check(manifest["createdAt"] == full_manifest["createdAt"] and
          manifest["files"][0]["startTimeOffset"] == full_manifest["files"][0]["startTimeOffset"] and
          manifest["files"][0]["streamId"] == full_manifest["files"][0]["streamId"],
          f"{label}: createdAt, stream and start offset as in a complete run")
    for stream, recovered in tracks.items():
        full = full_tracks[stream]
        check(0 < len(recovered) < len(full) and recovered == full[:len(recovered)],
              f"{label}: {stream}: the {len(recovered)} recovered frames are the first of the "
              f"complete run's {len(full)}, same times and bytes")
    return tracks


def main():
    long_capture = os.path.join(WORK, "long.pcap")
    # vp8-clean 600 times in a row: a 30-minute call, 250 MB, about a second to replay.
    pcap_tools.repeat(os.path.join(TESTDATA, "captures", "vp8-clean.pcap"), long_capture, 600)
    full_zip = os.path.join(WORK, "full.zip")
    proc = run("replay", long_capture, "-o", full_zip, "--quiet", "--progress=false")
    check(proc.returncode == 0, f"complete run: exit 0 ({proc.stderr[:300]})")
    complete = frames(full_zip, "full")

    # SIGKILL once the segment file holds 20 MB.
    killed_zip = os.path.join(WORK, "killed.zip")
    parts = killed_zip + ".parts"
    replay = subprocess.Popen([BINARY, "replay", long_capture, "-o", killed_zip, "--quiet", "--progress=false"])
    size_at_kill = 0
    while replay.poll() is None:
        sizes = [os.path.getsize(p) for p in glob.glob(os.path.join(parts, "*.webm"))]
        if sizes and sizes[0] > 20_000_000:
            replay.send_signal(signal.SIGKILL)
            size_at_kill = sizes[0]
            break
        time.sleep(0.002)
    replay.wait()
    check(replay.returncode == -signal.SIGKILL and size_at_kill > 0,
          f"the replay was killed midway ({replay.returncode}, {size_at_kill} bytes written)")
    check(not os.path.exists(killed_zip), "a killed replay leaves no ZIP")
    check(os.path.exists(os.path.join(parts, "journal.jsonl")), "a killed replay leaves its journal")
    tracks = check_recovered("killed", killed_zip, parts, complete)
    if tracks:
        # Everything flushed before the kill is there: at least the bytes the
        # file held when it was killed, less the one cluster being written.
        recovered_bytes = sum(int(os.path.getsize(p)) for p in glob.glob(os.path.join(WORK, "killed", "*.webm")))
        check(recovered_bytes >= size_at_kill - 1_000_000,
              f"killed: {recovered_bytes} bytes recovered of {size_at_kill} on disk at the kill")

    # A full disk: the file size limit stops the segment at 20 MB.
    full_disk_zip = os.path.join(WORK, "disk-full.zip")
    proc = subprocess.run(["bash", "-c", f'ulimit -f 20000; exec "{BINARY}" replay "{long_capture}" '
                           f'-o "{full_disk_zip}" --quiet --progress=false'], capture_output=True, text=True)
    check(proc.returncode == 1, f"disk full: exit 1 ({proc.returncode})")
    check("File too large" in proc.stderr and ".webm" in proc.stderr and "rtparchive recover" in proc.stderr,
          f"disk full: the message names the file, the cause and how to recover ({proc.stderr.strip()[:400]})")
    check(not os.path.exists(full_disk_zip), "disk full: no ZIP claims to be complete")
    check_recovered("disk-full", full_disk_zip, full_disk_zip + ".parts", complete)

    proc = run("recover", WORK, "-o", os.path.join(WORK, "nothing.zip"))
    check(proc.returncode == 1 and "journal" in proc.stderr, f"recover of a folder that is no working folder says so ({proc.stderr.strip()})")


main()
finish(WORK)
