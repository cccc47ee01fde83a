#!/usr/bin/env python3
"""Direct playback in a real browser: every VP8 archive of the golden cases is
served on loopback (with HTTP range requests, which Chromium needs to seek)
to headless Chromium, which plays it, seeks to the middle, plays on, and
reports duration, picture size, seek position and media errors.

Skipped (exit 77) with a message when Chromium is not installed.
Usage: browser_test.py RTPARCHIVE_BINARY TESTDATA_DIR
"""
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

BINARY, TESTDATA = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if not CHROMIUM:
    print("SKIPPED: Chromium is not installed (Debian package chromium); the playback test did not run")
    sys.exit(77)

root = tempfile.mkdtemp(prefix="rtparchive-browser-")
shutil.copy(os.path.join(HERE, "playback.html"), root)
results = {}


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=root, **kwargs)

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = self.translate_path(self.path.split("?")[0])
        if not os.path.isfile(path) or "Range" not in self.headers:
            return super().do_GET()
        data = open(path, "rb").read()
        first, _, last = self.headers["Range"].split("=", 1)[1].partition("-")
        first, last = int(first), int(last) if last else len(data) - 1
        self.send_response(206)
        self.send_header("Content-Type", "video/webm")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Range", f"bytes {first}-{last}/{len(data)}")
        self.send_header("Content-Length", str(last - first + 1))
        self.end_headers()
        self.wfile.write(data[first:last + 1])

    def do_POST(self):
        results[self.path] = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(204)
        self.end_headers()


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()


def play(filename):
    key = "/result"
    results.pop(key, None)
    browser = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--user-data-dir=" + tempfile.mkdtemp(dir=root), "--autoplay-policy=no-user-gesture-required",
         f"http://127.0.0.1:{server.server_address[1]}/playback.html?f={filename}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        if key in results:
            break
        time.sleep(0.1)
    browser.kill()
    browser.wait()
    return results.get(key, {"errors": ["no result from the page within 30 s"]})


passed, failed = 0, 0
cases = os.path.join(TESTDATA, "cases")
for case in sorted(os.listdir(cases)):
    config_path = os.path.join(cases, case, "case.json")
    if not os.path.isfile(config_path):
        continue
    config = json.load(open(config_path))
    out = os.path.join(root, case + ".zip")
    args = [BINARY, "replay", os.path.join(cases, case, config["capture"]), "-o", out, "--quiet"]
    for flag in ("session", "events", "sdp"):
        if flag in config:
            args += ["--" + flag, os.path.join(cases, case, config[flag])]
    subprocess.run(args, check=True)
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read([n for n in archive.namelist() if n.endswith(".json")][0]))
        archive.extractall(root)
    report = json.loads(subprocess.run([BINARY, "inspect", out, "--json"], capture_output=True, text=True).stdout)
    for entry, file in zip(manifest["files"], report["files"]):
        if not entry["filename"].endswith(".webm"):
            continue  # Chromium plays WebM; H.264 archives are Matroska
        seen = play(entry["filename"])
        expected_s = (entry["stopTimeOffset"] - entry["startTimeOffset"]) / 1000
        video = [t for t in file["tracks"] if t["kind"] == "video"]
        problems = list(seen.get("errors", []))
        if abs(seen.get("duration", -1) - expected_s) > 0.2:
            problems.append(f"duration {seen.get('duration')} s, the offsets span {expected_s} s")
        if video and (seen.get("width"), seen.get("height")) != (video[0]["width"], video[0]["height"]):
            problems.append(f"videoWidth/Height {seen.get('width')}x{seen.get('height')}")
        target = seen.get("duration", 0) / 2
        if abs(seen.get("seekedTo", -1) - target) > 0.1:
            problems.append(f"seek to {target:.3f} s landed at {seen.get('seekedTo')}")
        if seen.get("afterSeek", 0) <= seen.get("seekedTo", 0) and seen.get("afterSeek", 0) < seen.get("duration", 0) - 0.05:
            problems.append("playback did not go on after the seek")
        if problems:
            failed += 1
            print(f"FAIL {case}/{entry['filename']}: {'; '.join(problems)} ({seen})")
        else:
            passed += 1
            print(f"ok   {case}/{entry['filename']}: {seen.get('duration')} s, "
                  f"{seen.get('width')}x{seen.get('height')}, seeked to {seen.get('seekedTo')}")
server.shutdown()
print(f"{passed} passed, {failed} failed")
if not failed:
    shutil.rmtree(root, ignore_errors=True)  # kept for a look when a file failed
sys.exit(1 if failed or passed == 0 else 0)
