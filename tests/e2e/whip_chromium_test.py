"""Chromium publishing to the node over WHIP from the node's own /publish
page (its fake camera and microphone), in a private network namespace the
test makes itself. Truth: the page's getStats (framesEncoded, bytesSent,
nackCount) against the frames in the archive; the setup time from the
node's answer to the first media it got (its log).

- VP8 for 12 s on a clean link: every frame encoded is archived, and the
  video bitrate of its last 2 s is close to what the same browser reaches
  sending to another RTCPeerConnection (loopback_call.html): the node's
  transport-cc feedback lets its estimate climb;
- VP8 with 2% of the datagrams to the node dropped by the kernel (nftables):
  the node's NACKs bring RTX retransmissions, frames archived vs encoded;
- H.264 (when this Chromium encodes it), clean and with 2% loss;
- VP8 while garbage, STUN, DTLS and RTP-looking datagrams flood the WHIP
  ports from an address ICE never checked;
- the same stream published twice: two segments;
- a tab killed without DELETE: the stream ends by the consent timeout.
Prints a table for the notes. Usage: whip_chromium_test.py RTPARCHIVE_BINARY
"""
import http.server
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402
import ffprobe_tools  # noqa: E402
import node_client  # noqa: E402
import private_net  # noqa: E402

CHROMIUM = shutil.which("chromium")
if not CHROMIUM:
    print("SKIP: chromium is not installed")
    sys.exit(77)
MEDIA_ADDRESS = "10.99.0.1"
private_net.enter(MEDIA_ADDRESS)

BINARY = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))
WORK = tempfile.mkdtemp(prefix="rtparchive-whip-chromium-")
KEY, SECRET = 4712, "whip-chromium-s3cret"
API_PORT, FIRST_PORT, LAST_PORT = 18081, 42000, 42100
BASE = f"http://127.0.0.1:{API_PORT}/v2/project/{KEY}"
LOG = os.path.join(WORK, "node.log")
CONFIG = os.path.join(WORK, "node.json")
json.dump({"listen": f"127.0.0.1:{API_PORT}", "mediaAddress": MEDIA_ADDRESS, "mediaPorts": [FIRST_PORT, LAST_PORT],
           "storage": os.path.join(WORK, "storage"), "limits": {"sessionEndedSeconds": 300},
           "credentials": [{"apiKey": KEY, "apiSecret": SECRET}]}, open(CONFIG, "w"))
reports = {}
CASES = [("clean", 0, "vp8", 12), ("loss", 2, "vp8", 10), ("h264", 0, "h264", 6), ("h264-loss", 2, "h264", 8),
         ("flood", 0, "vp8", 6)]
if os.environ.get("WHIP_CHROMIUM_CASES") is not None:  # a subset, when working on one
    CASES = [case for case in CASES if case[0] in os.environ["WHIP_CHROMIUM_CASES"].split(",")]


class Pages(http.server.BaseHTTPRequestHandler):
    """Serves loopback_call.html and takes the pages' reports (POST /NAME)."""

    def do_GET(self):
        body = open(os.path.join(HERE, "loopback_call.html"), "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        reports[self.path.strip("/")] = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


pages = http.server.HTTPServer(("127.0.0.1", 0), Pages)
threading.Thread(target=pages.serve_forever, daemon=True).start()
REPORT = f"http://127.0.0.1:{pages.server_address[1]}"


def chromium(url, name):
    profile = tempfile.mkdtemp(prefix="profile-", dir=WORK)
    return subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
         "--disable-features=WebRtcHideLocalIpsWithMdns", "--autoplay-policy=no-user-gesture-required", url],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(WORK, f"chromium-{name}.log"), "w"))


def wait_for_report(name, browser, seconds):
    for _ in range(int(seconds * 10)):
        if name in reports:
            break
        time.sleep(0.1)
    browser.kill()
    browser.wait()
    return reports.get(name, {})


def publish(session, stream, seconds, codec="", simulcast=0):
    """The page's report after publishing `seconds` and leaving."""
    name = f"{session}-{stream}-{len(reports)}"
    url = (f"http://127.0.0.1:{API_PORT}/publish#apiKey={KEY}&session={session}&token={SECRET}&stream={stream}"
           f"&seconds={seconds}&codec={codec}&simulcast={simulcast}&report={REPORT}/{name}")
    return wait_for_report(name, chromium(url, name), seconds + 30)


def recording(session, codec="vp8"):
    status, archive = node_client.recording_before_publisher(BASE, KEY, SECRET, session, session, codec)
    check(status == 200, f"{session}: archive started ({status} {archive})")
    return archive["id"]


def finished(archive_id, name):
    path = os.path.join(WORK, name + ".zip")
    node_client.stop_and_download(BASE, KEY, SECRET, archive_id, path)
    return node_client.frames_in_archive(path, os.path.join(WORK, name))


def flood(seconds, stop):
    """Garbage, STUN with a wrong USERNAME, DTLS records and RTP with random
    SSRCs, 2,000 datagrams a second at the port the node gave the "flood"
    publisher, from an address ICE never checked; returns how many it sent
    (bounded in time and count)."""
    started, port = time.time(), 0
    while not port and time.time() - started < 20:
        for line in open(LOG):
            if "publishing to session flood on port " in line:
                port = int(line.split()[-1])
        time.sleep(0.05)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.bind((MEDIA_ADDRESS, 0))
    kinds = [lambda: os.urandom(100),
             lambda: struct.pack("!HHI12s", 1, 12, 0x2112A442, os.urandom(12)) + struct.pack("!HH8s", 6, 8, b"x:y\0\0\0\0\0"),
             lambda: bytes([22, 0xfe, 0xfd]) + os.urandom(60),
             lambda: bytes([0x80, 96]) + os.urandom(1000)]
    sent = 0
    while port and not stop.is_set() and time.time() - started < seconds and sent < 2000 * seconds:
        for _ in range(10):
            sender.sendto(kinds[sent % len(kinds)](), (MEDIA_ADDRESS, port))
            sent += 1
        time.sleep(0.005)
    return sent


def logged(text):
    return text in open(LOG).read()


node = node_client.start_node(BINARY, CONFIG, API_PORT, LOG)
try:
    table = []
    # A tab killed without DELETE; its consent timeout (30 s) runs meanwhile.
    node_client.api(BASE, KEY, SECRET, "POST", "/session/tab/stream", {"streamId": "placeholder"})
    tab = chromium(f"http://127.0.0.1:{API_PORT}/publish#apiKey={KEY}&session=tab&token={SECRET}&stream=tab", "tab")
    for _ in range(200):
        if logged("WHIP tab: DTLS-SRTP up"):
            break
        time.sleep(0.1)
    time.sleep(1)
    tab.kill()
    tab.wait()
    killed_at = time.time()
    check(logged("WHIP tab: DTLS-SRTP up"), "the tab to be closed connected")

    # Browser to browser, for the bitrate the same fake camera reaches.
    loopback = wait_for_report("loopback", chromium(f"{REPORT}/loopback_call.html#seconds=12&report={REPORT}/loopback",
                                                    "loopback"), 45)
    print("browser to browser:", loopback, flush=True)

    for case, loss, codec, seconds in CASES:
        archive_id = recording(case, codec)
        if loss:
            private_net.drop_incoming(loss, FIRST_PORT, LAST_PORT)
        repair_before = node_client.metric(API_PORT, KEY, SECRET, "rtparchive_media_repair_total")
        drops_before = node_client.udp_drops()
        refused_before = sum(node_client.refused_by_reason(API_PORT, KEY, SECRET).values())
        flooded, stop_flood = [], threading.Event()
        if case == "flood":
            flooder = threading.Thread(target=lambda: flooded.append(flood(seconds + 20, stop_flood)))
            flooder.start()
        report = publish(case, "cam", seconds, codec)
        if case == "flood":
            stop_flood.set()
            flooder.join()
            refused = sum(node_client.refused_by_reason(API_PORT, KEY, SECRET).values()) - refused_before
            print(f"flood: {flooded[0]} datagrams sent at the WHIP ports, {refused} refused", flush=True)
            check(flooded[0] > 1000 and refused >= 0.9 * flooded[0],
                  f"the flood is refused and counted ({refused} of {flooded[0]})")
        dropped = private_net.drop_incoming(0, FIRST_PORT, LAST_PORT) if loss else 0
        repair = {key: value - repair_before.get(key, 0) for key, value in
                  node_client.metric(API_PORT, KEY, SECRET, "rtparchive_media_repair_total").items()}
        drops = node_client.udp_drops() - drops_before
        print(f"{case}: refused so far {node_client.refused_by_reason(API_PORT, KEY, SECRET)}", flush=True)
        files = finished(archive_id, case)
        extension = "mkv" if codec == "h264" else "webm"
        video, audio, _ = files.get(f"cam.{extension}", (0, 0, None))
        encoded, sent = report.get("framesEncoded", -1), report.get("framesSent", -1)
        print(f"{case}: {report}; archived {video} video, {audio} audio; node repair {repair}; "
              f"nftables dropped {dropped}; kernel UDP drops {drops}", flush=True)
        first_ms = node_client.setup_ms(LOG, "cam") or -1
        table.append(f"| Chromium, {case} | {codec} | {loss}% | {encoded} | {sent} | {video} | {audio} | {report.get('bitrateKbps')} "
                     f"| {report.get('nackCount')} | {report.get('retransmittedPacketsSent')} | {first_ms} ms |")
        check(video == 0 or 0 <= first_ms < 5000,
              f"{case}: the first media arrives within 5 s of the offer ({first_ms} ms)")
        if codec == "h264" and video == 0 and "H264" not in report.get("encoder", "H264"):
            print(f"SKIPPED H.264: this Chromium encodes with {report.get('encoder')}")
            continue
        # framesSent is the truth: a frame encoded just before the tab left
        # may never go out.
        check(encoded >= 15 * seconds and video == sent,
              f"{case}: every frame Chromium sent is archived ({video} of {sent}; {encoded} encoded)")
        check(audio >= 40 * seconds, f"{case}: its Opus is archived ({audio} frames in {seconds} s)")
        if loss:
            check(dropped > 0 and report.get("nackCount", 0) > 0 and repair.get('result="repaired"', 0) > 0,
                  f"{case}: the node asked for what was dropped ({dropped}) and got it "
                  f"(Chromium counted {report.get('nackCount')} NACKs; node {repair})")
        if case == "clean":
            check(report.get("bitrateKbps", 0) >= 0.7 * loopback.get("bitrateKbps", 1e9),
                  f"the publisher's bitrate after 10 s ({report.get('bitrateKbps')} kbit/s) is near what it "
                  f"reaches browser to browser ({loopback.get('bitrateKbps')} kbit/s)")

    # Simulcast offered: the node takes every layer and records the highest.
    archive_id = recording("simulcast")
    report = publish("simulcast", "cam", 6, simulcast=1)
    files = finished(archive_id, "simulcast")
    video, audio, _ = files.get("cam.webm", (0, 0, None))
    layers = report.get("layers", {})
    width = ffprobe_tools.width(os.path.join(WORK, "simulcast", "cam.webm")) if video else 0
    highest = max(layers.values(), key=lambda layer: layer.get("frameWidth") or 0) if layers else {}
    print(f"simulcast: layers sent {layers}; archived {video} frames, {width} pixels wide", flush=True)
    table.append(f"| Chromium simulcast {len(layers)} layers | vp8 | 0% | {report.get('framesEncoded')} | "
                 f"{highest.get('framesSent')} (highest) | {video} | {audio} | {report.get('bitrateKbps')} | - | - | - |")
    check(len(layers) >= 2 and width == highest.get("frameWidth") and
          highest.get("framesSent", 0) - 2 <= video <= highest.get("framesSent", 0),
          f"simulcast: the highest layer is archived ({video} frames, {width} wide; layers {layers})")

    # The same stream twice: two segments.
    archive_id = recording("again")
    first, second = publish("again", "cam", 3), publish("again", "cam", 3)
    segments = sorted(name for name in finished(archive_id, "again") if name.startswith("cam"))
    check(first.get("left") and second.get("left") and len(segments) == 2,
          f"a re-publish from Chromium is a second segment ({segments})")

    print("SRTP suites negotiated:", node_client.srtp_suites(LOG), flush=True)
    while time.time() - killed_at < 40 and not logged("WHIP tab: no consent check"):
        time.sleep(1)
    check(logged("WHIP tab: no consent check"),
          f"the killed tab's stream ended by the consent timeout ({time.time() - killed_at:.0f} s after)")
    print("| client | codec | loss | frames encoded | frames sent | video frames archived | audio frames archived "
          "| bitrate of the last 2 s (kbit/s) | NACKs | RTX sent | offer to first media (node) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(table))
    print(f"| Chromium to Chromium | vp8 | 0% | {loopback.get('framesEncoded')} | - | - | - | "
          f"{loopback.get('bitrateKbps')} | - | - | - |", flush=True)
finally:
    node.terminate()
    node.wait(timeout=30)
check(SECRET not in open(LOG).read(), "no API secret in the node's log")
finish(WORK)
