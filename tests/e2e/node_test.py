#!/usr/bin/env python3
"""End-to-end test of `rtparchive serve`, driven as an application would:

Over 400 lines: one running node serves every scenario in turn (starting it
once keeps the ThreadSanitizer run short), so they share this file.
HTTP requests (urllib), publishers sending live RTP from GStreamer's
payloaders to the announced UDP ports, a local HTTP listener receiving the
status callbacks, and the downloaded ZIP checked with `rtparchive verify`.
With TESTDATA_DIR, a real Chromium simulcast publisher's packets are sent to
the node too. Usage: node_test.py RTPARCHIVE_BINARY [TESTDATA_DIR]
"""
import http.server
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402
import ffprobe_tools  # noqa: E402
import node_client  # noqa: E402
from pcap_tools import read_pcap  # noqa: E402
from ports import free_udp_range  # noqa: E402

BINARY = sys.argv[1]
TESTDATA = sys.argv[2] if len(sys.argv) > 2 else None
WORK = tempfile.mkdtemp(prefix="rtparchive-node-")
KEY, SECRET = 123456, "s3cret"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


API_PORT = free_port()
MEDIA = free_udp_range()
BASE = f"http://127.0.0.1:{API_PORT}/v2/project/{KEY}"
STORAGE = os.path.join(WORK, "storage")
CONFIG = os.path.join(WORK, "node.json")
json.dump({"listen": f"127.0.0.1:{API_PORT}", "mediaPorts": list(MEDIA), "storage": STORAGE,
           "credentials": [{"apiKey": KEY, "apiSecret": SECRET}],
           "limits": {"maxStreams": 2, "noStreamSeconds": 4, "sessionEndedSeconds": 3}},
          open(CONFIG, "w"))


def api(method, path, body=None, secret=SECRET, raw=None):
    """(status, parsed JSON or bytes) of one request."""
    return node_client.api(BASE, KEY, secret, method, path, body, raw)

def start_node():
    return node_client.start_node(BINARY, CONFIG, API_PORT, os.path.join(WORK, "node.log"))


def publisher(port, seconds, pattern="smpte"):
    """A GStreamer publisher: VP8 (PT 96) and Opus (PT 111) over RTP to `port`."""
    return subprocess.Popen(
        ["timeout", str(seconds), "gst-launch-1.0", "-q",
         "videotestsrc", "is-live=true", f"pattern={pattern}", "!", "video/x-raw,width=320,height=240,framerate=30/1",
         "!", "vp8enc", "deadline=1", "keyframe-max-dist=15", "!", "rtpvp8pay", "pt=96", "!",
         "udpsink", "host=127.0.0.1", f"port={port}",
         "audiotestsrc", "is-live=true", "!", "audioconvert", "!", "audioresample", "!", "opusenc", "!",
         "rtpopuspay", "pt=111", "!", "udpsink", "host=127.0.0.1", f"port={port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Callbacks(http.server.BaseHTTPRequestHandler):
    """The application's callback endpoint; it fails its first request, so
    the node must retry."""
    received = []
    refused = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if Callbacks.refused == 0:
            Callbacks.refused += 1
            self.send_response(503)
            self.end_headers()
            return
        Callbacks.received.append((time.time(), json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def statuses(archive_id):
    return [body["status"] for _, body in Callbacks.received if body.get("id") == archive_id]


def wait_for(condition, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def unpack(zip_bytes, label):
    path = os.path.join(WORK, label + ".zip")
    open(path, "wb").write(zip_bytes)
    verdict = subprocess.run([BINARY, "verify", path], capture_output=True, text=True)
    check(verdict.returncode == 0, f"{label}: the downloaded ZIP passes verify ({verdict.stdout.strip()[:300]})")
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read([n for n in archive.namelist() if n.endswith(".json")][0]))


def check_bad_requests(stream_ports):
    status, body = api("POST", "/archive", raw=b"{not json")
    check(status == 400 and "JSON" in body["message"], f"malformed JSON: 400 with a message ({status} {body})")
    status, _ = api("POST", "/archive", {"sessionId": 5})
    check(status == 400, f"a field of the wrong type: 400 ({status})")
    status, _ = api("POST", "/archive", {"sessionId": "s", "outputMode": "composed"})
    check(status == 400, f"outputMode composed: 400 ({status})")
    status, body = api("GET", "/archive", secret="wrong")
    check(status == 403 and "credentials" in body["message"], f"wrong credentials: 403 ({status})")
    status, _ = api("GET", "/archive/00000000-0000-4000-8000-000000000000")
    check(status == 404, f"unknown archive: 404 ({status})")
    status, _ = api("POST", "/session/other/stream", {"streamId": "../etc"})
    check(status == 400, f"a stream ID that is no file name: 400 ({status})")


def send_capture(pcap, port, seconds):
    """Sends the publisher's side of a browser capture (RTP and RTCP from the
    address its Opus comes from) to `port`, at the capture's own pace, for
    its first `seconds`. Returns the Opus packets sent."""
    _, records = read_pcap(pcap)
    flows = []
    for sec, usec, frame in records:
        ip = frame[14:]
        udp = ip[(ip[0] & 0x0f) * 4:]
        payload = udp[8:]
        if len(payload) >= 12 and payload[0] >> 6 == 2:
            flows.append((sec + usec / 1e6, udp[0:2], payload))
    publisher_port = next(p for _, p, payload in flows if payload[1] & 0x7f == 111)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    first, begun, opus = flows[0][0], time.time(), 0
    for at, source, payload in flows:
        if source != publisher_port or at - first > seconds:
            continue
        time.sleep(max(0.0, (at - first) - (time.time() - begun)))
        sender.sendto(payload, ("127.0.0.1", port))
        opus += payload[1] & 0x7f == 111
    sender.close()
    return opus


def check_simulcast_publisher():
    """Chromium's three VP8 layers (rids q/h/f, the top one on from 4 s to 8 s)
    announced with its SDP: one file, the highest layer sent, all its audio."""
    name = os.path.join(TESTDATA, "browser", "chromium-simulcast-lowbw-vp8")
    status, body = api("POST", "/session/sess-sim/stream", {"streamId": "sim", "layer": "no such"})
    check(status == 400 and "layer" in body["message"], f"a bad layer choice: 400 ({status} {body})")
    status, body = api("POST", "/session/sess-sim/stream",
                       {"streamId": "sim", "sdp": open(name + ".sdp").read(), "layer": "high"})
    check(status == 200, f"simulcast publisher announced ({status} {body})")
    status, archive = api("POST", "/archive", {"sessionId": "sess-sim", "name": "simulcast"})
    check(status == 200, f"simulcast archive started ({status})")
    sent_opus = send_capture(name + ".pcap", body["port"], 10)
    time.sleep(0.5)  # what was sent has arrived before the stop (a loaded machine is slow to read it)
    status, _ = api("POST", f"/archive/{archive['id']}/stop")
    check(wait_for(lambda: "available" in statuses(archive["id"])), "simulcast archive available")
    status, zip_bytes = api("GET", f"/archive/{archive['id']}/download")
    if status != 200:
        return check(False, f"simulcast archive download ({status})")
    manifest = unpack(zip_bytes, "simulcast")
    check([f["filename"] for f in manifest["files"]] == ["sim.webm"],
          f"simulcast: one file for the publisher ({[f['filename'] for f in manifest['files']]})")
    report = json.loads(subprocess.run([BINARY, "inspect", os.path.join(WORK, "simulcast.zip"), "--json"],
                                       capture_output=True, text=True).stdout)
    video = next(t for t in report["files"][0]["tracks"] if t["kind"] == "video")
    sizes = [video["width"]] + [change["width"] for change in video["sizeChanges"]]
    check(sizes[-3:] == [640, 1280, 640], f"simulcast: h, then f while it is sent, then h ({sizes})")
    with zipfile.ZipFile(os.path.join(WORK, "simulcast.zip")) as zipped:
        zipped.extract("sim.webm", WORK)
    audio = ffprobe_tools.packets(os.path.join(WORK, "sim.webm"), "a:0")
    check(len(audio) == sent_opus, f"simulcast: every Opus packet sent is in the file ({len(audio)} of {sent_opus})")


def curl(*args):
    """curl -i as the seeds' examples call it: (status, JSON body or None, raw body)."""
    out = subprocess.run(["curl", "-s", "-i", *args], capture_output=True, text=True, timeout=30).stdout
    head, _, body = out.replace("\r\n", "\n").partition("\n\n")
    while head.startswith("HTTP/1.1 100"):
        head, _, body = body.partition("\n\n")
    status = int(head.split()[1]) if head.startswith("HTTP/") else 0
    try:
        return status, json.loads(body) if body else None, body
    except ValueError:
        return status, None, body


def check_partner_routes():
    """The seeds' /v2/partner routes, called with curl exactly as their examples do."""
    partner = f"http://127.0.0.1:{API_PORT}/v2/partner/{KEY}"
    auth = ["-H", f"X-TB-PARTNER-AUTH:{KEY}:{SECRET}"]
    post = ["-H", "Content-Type: application/json", "-X", "POST", *auth]
    status, body = api("POST", "/session/sess-partner/stream", {"streamId": "partner-pub"})
    check(status == 200, f"partner: a publisher announced ({status})")
    sender = publisher(body["port"], 4)

    status, body, raw = curl(*post, "-d", '{"sessionId" : "nobody-here", "action" : "start", "name" : "Foo"}',
                             partner + "/archive/")
    check(status == 400 and body and "publisher" in body["message"],
          f"partner start with no publisher in the session: 400 ({status} {raw[:200]})")
    status, body, raw = curl(*post, "-d", '{"sessionId" : "sess-partner", "action" : "Start"}', partner + "/archive/")
    check(status == 400 and body and body["code"] == 400 and "action" in body["message"],
          f"partner start with a wrong action: 400 ({status} {raw[:200]})")
    status, started, raw = curl(*post, "-d", '{"sessionId" : "sess-partner", "action" : "start", "name" : "Foo"}',
                                partner + "/archive/")
    fields = {"createdAt", "duration", "id", "name", "partnerId", "reason", "sessionId", "size", "status", "url"}
    check(status == 200 and started and fields <= set(started) and started["status"] == "started"
          and started["name"] == "Foo" and started["partnerId"] == KEY and started["url"] is None
          and started["duration"] == 0 and started["reason"] == "",
          f"partner start: 200 with the documented fields ({status} {raw[:300]})")
    if not started or "id" not in started:
        return
    archive_url = f"{partner}/archive/{started['id']}"
    status, _, _ = curl(*post, "-d", '{"sessionId" : "sess-partner", "action" : "start"}', partner + "/archive/")
    check(status == 409, f"partner start of a session already recorded: 409 ({status})")
    sender.wait()
    status, got, _ = curl("-X", "GET", *auth, archive_url)
    check(status == 200 and got["id"] == started["id"] and got["status"] == "started", f"partner get: 200 ({status})")
    status, listed, _ = curl("-X", "GET", *auth, partner + "/archive?offset=0&count=1")
    check(status == 200 and listed["count"] >= 1 and [i["id"] for i in listed["items"]] == [started["id"]],
          f"partner list, newest first, count 1: 200 ({status} {listed and [i['id'] for i in listed['items']]})")
    status, body, _ = curl(*post, "-d", '{ "action" : "halt" }', archive_url)
    check(status == 400, f"partner stop with a wrong action: 400 ({status})")
    status, body, _ = curl(*post, "-d", '{ "action" : "stop" }', f"{partner}/archive/no-such-archive")
    check(status == 404 and body and body["code"] == 404, f"partner stop of an unknown archive: 404 ({status})")
    status, stopped, raw = curl(*post, "-d", '{ "action" : "stop" }', archive_url)
    check(status == 200 and stopped["status"] == "stopped" and stopped["reason"] == "user initiated",
          f"partner stop: 200, stopped, user initiated ({status} {raw[:200]})")
    status, _, _ = curl(*post, "-d", '{ "action" : "stop" }', archive_url)
    check(status == 409, f"partner stop of an archive not recording: 409 ({status})")
    check(wait_for(lambda: curl("-X", "GET", *auth, archive_url)[1]["status"] == "available"),
          "partner: the archive becomes available")
    status, body, _ = curl("-X", "DELETE", *auth, f"{partner}/archive/no-such-archive")
    check(status == 403, f"partner delete of an unknown archive ID: 403 as the seeds say ({status})")
    status, _, raw = curl("-X", "DELETE", *auth, archive_url)
    check(status == 204, f"partner delete: 204 ({status} {raw[:200]})")

    status, body, raw = curl(*post, "-d", '{"url":"http://127.0.0.1:9/cb","group":"archive"}', partner + "/callback")
    check(status == 400, f"partner callback without event: 400 ({status} {raw[:200]})")
    status, registered, raw = curl(*post, "-d", '{"url":"http://127.0.0.1:9/cb","group":"archive","event":"status"}',
                                   partner + "/callback/")
    check(status == 200 and set(registered) == {"id", "uri"} and registered["uri"] == "http://127.0.0.1:9/cb",
          f"partner callback registered: {{id, uri}} ({status} {raw[:200]})")
    status, listed, raw = curl("-X", "GET", *auth, partner + "/callback")
    entry = next((c for c in listed or [] if c.get("id") == registered.get("id")), {})
    check(status == 200 and entry.get("event") == "status" and entry.get("group") == "archive"
          and len(entry.get("createdAt", "")) == len("2013-12-08 17:14:52.0"),
          f"partner callbacks listed as the seeds show them ({status} {entry})")
    status, _, _ = curl("-X", "DELETE", *auth, f"{partner}/callback/{registered['id']}")
    check(status == 204, f"partner callback deleted: 204 ({status})")

    status, body, raw = curl("-X", "GET", "-H", f"X-TB-PARTNER-AUTH:{KEY}:wrong", partner + "/archive")
    check(status == 403 and body and body["code"] == 403, f"a wrong secret: 403 with a JSON body ({status} {raw[:200]})")
    status, body, raw = curl("-X", "GET", *auth, f"http://127.0.0.1:{API_PORT}/v2/partner/{KEY}/nothing")
    check(status == 404 and body and body["code"] == 404 and "route" in body["message"],
          f"an unknown route: 404 with a JSON body ({status} {raw[:200]})")


def check_stream_ids_are_per_session():
    """Two sessions with a stream of the same ID: the one leaving its session
    does not end the other session's recording of its namesake."""
    ports = {}
    for session in ("sess-x", "sess-y"):
        status, body = api("POST", f"/session/{session}/stream", {"streamId": "same"})
        ports[session] = body["port"]
    status, recorded = api("POST", "/archive", {"sessionId": "sess-y", "name": "namesake"})
    check(status == 200, f"namesake: archive of sess-y started ({status})")
    sender = publisher(ports["sess-y"], 4)
    time.sleep(1.5)
    api("DELETE", "/session/sess-x/stream/same")
    sender.wait()
    api("POST", f"/archive/{recorded['id']}/stop")
    check(wait_for(lambda: "available" in statuses(recorded["id"])), "namesake: archive available")
    status, zip_bytes = api("GET", f"/archive/{recorded['id']}/download")
    files = unpack(zip_bytes, "namesake")["files"] if status == 200 else []
    recorded_ms = [f["stopTimeOffset"] - f["startTimeOffset"] for f in files if f["streamId"] == "same"]
    check(len(recorded_ms) == 1 and recorded_ms[0] >= 3000,
          f"namesake: sess-y's stream is recorded after sess-x's namesake left ({recorded_ms} ms)")
    api("DELETE", "/session/sess-y/stream/same")


def check_session_rules():
    """The seeds' session rules, with this node's limits at 4 s (no stream
    published) and 3 s (after the last publisher left) instead of 60 s."""
    status, _ = api("POST", "/session/sess-idle/stream", {"streamId": "idle-pub"})
    status, idle = api("POST", "/archive", {"sessionId": "sess-idle"})
    check(status == 200, f"rules: an archive of a session whose publisher sends nothing starts ({status})")
    check(wait_for(lambda: "available" in statuses(idle["id"])), f"rules: it stops by itself ({statuses(idle['id'])})")
    status, record = api("GET", f"/archive/{idle['id']}")
    check(record.get("reason", "").startswith("no stream published within 4 s"), f"rules: the reason says why ({record})")
    status, zip_bytes = api("GET", f"/archive/{idle['id']}/download")
    if status == 200:
        manifest = unpack(zip_bytes, "idle")
        check(manifest["createdAt"] == idle["createdAt"] and manifest["files"] == [],
              f"rules: its manifest has createdAt = the start and no files ({manifest})")

    status, body = api("POST", "/session/sess-left/stream", {"streamId": "left-pub"})
    status, left = api("POST", "/archive", {"sessionId": "sess-left"})
    publisher(body["port"], 2).wait()
    status, _ = api("DELETE", "/session/sess-left/stream/left-pub")
    gone = time.time()
    check(wait_for(lambda: api("GET", f"/archive/{left['id']}")[1]["status"] in ("stopped", "available")),
          "rules: the archive stops after its session's last publisher left")
    waited = time.time() - gone
    status, record = api("GET", f"/archive/{left['id']}")
    check(record["reason"] == "session ended" and 2.5 < waited < 6,
          f"rules: 'session ended', 3 s after the publisher left ({record['reason']}, {waited:.1f} s)")


def check_official_sdk():
    """The official OpenTok Node.js server SDK (npm `opentok`, installed by
    scripts/test.sh into tests/e2e/sdk), unchanged, against the node."""
    sdk = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sdk")
    if not os.path.isdir(os.path.join(sdk, "node_modules", "opentok")):
        return check(False, "the opentok SDK is installed (npm ci --prefix tests/e2e/sdk)")
    status, body = api("POST", "/session/sess-sdk/stream", {"streamId": "sdk-pub"})
    check(status == 200, f"SDK: publisher announced ({status})")
    sender = publisher(body["port"], 6)
    time.sleep(0.5)
    out_zip = os.path.join(WORK, "sdk.zip")
    proc = subprocess.run(["node", os.path.join(sdk, "opentok_archive.js"), f"http://127.0.0.1:{API_PORT}",
                           str(KEY), SECRET, "sess-sdk", "sdk-pub", out_zip, "3"],
                          capture_output=True, text=True, timeout=120)
    sender.wait()
    print("SDK printed:", proc.stdout.strip())
    try:
        out = json.loads(proc.stdout)
    except ValueError:
        return check(False, f"SDK: the script printed JSON ({proc.stdout[-300:]} {proc.stderr[-300:]})")
    check("fatal" not in out, f"SDK: every call succeeded ({out.get('fatal')})")
    if "fatal" in out:
        return None
    check(out["started"]["status"] == "started" and out["started"]["outputMode"] == "individual",
          f"SDK startArchive: started, individual ({out['started']})")
    check(out["got"]["id"] == out["started"]["id"] and out["got"]["sessionId"] == "sess-sdk",
          f"SDK getArchive ({out['got']})")
    check(out["started"]["id"] in out["listed"]["ids"], f"SDK listArchives by session ({out['listed']})")
    check(out["stopped"]["status"] == "stopped", f"SDK stopArchive ({out['stopped']})")
    check(out["available"]["status"] == "available" and out["available"]["url"],
          f"SDK: available with a url ({out['available']})")
    check(out.get("download", {}).get("status") == 200 and out["download"]["bytes"] == out["available"]["size"],
          f"SDK: the url downloads the archive without an auth header ({out.get('download')})")
    check(out.get("tamperedDownload", {}).get("status") == 403, f"a changed signature: 403 ({out.get('tamperedDownload')})")
    if out.get("download", {}).get("status") == 200:
        verdict = subprocess.run([BINARY, "verify", out_zip], capture_output=True, text=True)
        check(verdict.returncode == 0, f"SDK: the downloaded archive passes verify ({verdict.stdout[-300:]})")
        with zipfile.ZipFile(out_zip) as archive:
            check("sdk-pub.webm" in archive.namelist(), f"SDK: the added stream is recorded ({archive.namelist()})")
    check(out["stopAgain"].get("error") == "ArchiveError", f"SDK: stopping twice is its ArchiveError (409) ({out['stopAgain']})")
    check("not found" in out["getUnknown"].get("message", ""), f"SDK: an unknown archive is 'not found' (404) ({out['getUnknown']})")
    check(out["deleted"] == "ok", f"SDK deleteArchive ({out['deleted']})")
    check(out["getDeleted"].get("error") is not None, f"SDK: a deleted archive is gone ({out['getDeleted']})")


def check_keyframe_request(port):
    """A publisher whose video starts gets an RTCP PLI for its SSRC."""
    status, archive = api("POST", "/archive", {"sessionId": "sess-1", "streamMode": "manual",
                                               "multiArchiveTag": "pli"})
    api("PATCH", f"/archive/{archive['id']}/streams", {"addStream": "pub-c"})
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.settimeout(5)
    ssrc = 0x1234abcd
    vp8_keyframe = bytes([0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, 0x00])
    # Three packets: a new SSRC is on probation until three arrive in sequence.
    for seq in (1, 2, 3):
        packet = struct.pack("!BBHII", 0x80, 0x80 | 96, seq, 0, ssrc) + vp8_keyframe
        sender.sendto(packet, ("127.0.0.1", port))
    try:
        feedback, _ = sender.recvfrom(2048)
    except socket.timeout:
        feedback = b""
    check(len(feedback) == 12 and feedback[0] == 0x81 and feedback[1] == 206 and
          struct.unpack("!I", feedback[8:12])[0] == ssrc,
          f"the node asks the publisher for a keyframe with an RTCP PLI ({feedback.hex()})")
    api("POST", f"/archive/{archive['id']}/stop")


def main():
    threading.Thread(target=http.server.HTTPServer(("127.0.0.1", CALLBACK_PORT), Callbacks).serve_forever,
                     daemon=True).start()
    node = start_node()
    status, callback = api("POST", "/callback", {"url": f"http://127.0.0.1:{CALLBACK_PORT}/cb",
                                                 "group": "archive", "event": "status"})
    check(status == 200 and callback["id"], f"callback registered ({status})")
    status, listed = api("GET", "/callback")
    check(status == 200 and [c["url"] for c in listed] == [callback["url"]], "callbacks are listed")

    ports = {}
    for stream_id in ("pub-a", "pub-b", "pub-c"):
        status, body = api("POST", "/session/sess-1/stream",
                           {"streamId": stream_id, "connectionData": f"name={stream_id}", "videoType": "camera"})
        check(status == 200 and body["address"] == "127.0.0.1", f"{stream_id} announced ({status} {body})")
        ports[stream_id] = body["port"]
    check_bad_requests(ports)

    # Manual mode: pub-a throughout; pub-b removed and added again.
    status, archive = api("POST", "/archive", {"sessionId": "sess-1", "name": "manual", "streamMode": "manual"})
    check(status == 200 and archive["status"] == "started", f"archive started ({status})")
    archive_id = archive["id"]
    status, _ = api("POST", "/archive", {"sessionId": "sess-1"})
    check(status == 409, f"a second archive of the session: 409 ({status})")
    for stream_id in ("pub-a", "pub-b"):
        status, _ = api("PATCH", f"/archive/{archive_id}/streams", {"addStream": stream_id, "hasAudio": True, "hasVideo": True})
        check(status == 204, f"{stream_id} added ({status})")
    status, body = api("PATCH", f"/archive/{archive_id}/streams", {"addStream": "pub-c"})
    check(status == 409 and "at most 2" in body["message"], f"a stream over maxStreams: 409 ({status} {body})")
    started = time.time()
    senders = [publisher(ports["pub-a"], 7), publisher(ports["pub-b"], 7, "ball")]
    time.sleep(2.5)
    status, _ = api("PATCH", f"/archive/{archive_id}/streams", {"removeStream": "pub-b"})
    check(status == 204, f"pub-b removed ({status})")
    time.sleep(1.5)
    re_added = time.time()
    status, _ = api("PATCH", f"/archive/{archive_id}/streams", {"addStream": "pub-b"})
    check(status == 204, f"pub-b added again ({status})")
    time.sleep(2.0)
    status, stopped = api("POST", f"/archive/{archive_id}/stop")
    check(status == 200 and stopped["status"] == "stopped", f"stopped ({status})")
    status, _ = api("POST", f"/archive/{archive_id}/stop")
    check(status == 409, f"stopping twice: 409 ({status})")
    for sender in senders:
        sender.wait()
    check(wait_for(lambda: "available" in statuses(archive_id)),
          f"callbacks: {statuses(archive_id)}")
    check(statuses(archive_id)[:1] == ["started"] and statuses(archive_id)[-2:] == ["stopped", "available"],
          f"callbacks in order: started ... stopped, available ({statuses(archive_id)})")
    check(Callbacks.refused == 1, "a callback the endpoint refused was retried")
    status, record = api("GET", f"/archive/{archive_id}")
    check(status == 200 and record["status"] == "available" and record["size"] > 0 and record["url"],
          f"the archive is available with its size and URL ({record})")
    status, zip_bytes = api("GET", f"/archive/{archive_id}/download")
    check(status == 200 and len(zip_bytes) == record["size"], f"download: 200, {len(zip_bytes)} bytes")
    manifest = unpack(zip_bytes, "manual")
    files = {f["filename"]: f for f in manifest["files"]}
    check(sorted(files) == ["pub-a.webm", "pub-b-1.webm", "pub-b.webm"],
          f"two streams, three segment files ({sorted(files)})")
    if "pub-b-1.webm" in files:
        offset_s = (manifest["createdAt"] + files["pub-b-1.webm"]["startTimeOffset"]) / 1000 - re_added
        check(-0.2 < offset_s < 1.0, f"pub-b's second segment starts when it was added again ({offset_s:+.2f} s)")
        first_s = manifest["createdAt"] / 1000 - started
        check(-0.2 < first_s < 1.0, f"createdAt is when the publishers started sending ({first_s:+.2f} s)")
    status, listing = api("GET", "/archive?sessionId=sess-1&count=10")
    check(status == 200 and listing["count"] == 1 and listing["items"][0]["id"] == archive_id, "list by session")

    check_keyframe_request(ports["pub-c"])
    if TESTDATA:
        check_simulcast_publisher()
    check_official_sdk()
    check_partner_routes()
    check_session_rules()
    check_stream_ids_are_per_session()

    # SIGTERM finalises a recording archive and reports it.
    status, auto = api("POST", "/archive", {"sessionId": "sess-1", "name": "auto"})
    check(status == 200 and sorted(s["streamId"] for s in auto["streams"]) == ["pub-a", "pub-b"],
          f"auto mode records the announced streams, up to maxStreams ({auto.get('streams')})")
    sender = publisher(ports["pub-a"], 3)
    sender.wait()
    node.send_signal(signal.SIGTERM)
    check(node.wait(timeout=30) == 0, "SIGTERM: the node exits 0")
    check("available" in statuses(auto["id"]), f"SIGTERM: the archive was finalised and reported ({statuses(auto['id'])})")

    # A crash (SIGKILL) mid-recording: the next start recovers the archive.
    node = start_node()
    status, record = api("GET", f"/archive/{auto['id']}")
    check(status == 200 and record["status"] == "available", "a restart lists the archives of the last run")
    for stream_id in ("pub-a",):
        status, body = api("POST", "/session/sess-2/stream", {"streamId": stream_id})
        ports[stream_id] = body["port"]
    status, crashed = api("POST", "/archive", {"sessionId": "sess-2", "name": "crashed"})
    sender = publisher(ports["pub-a"], 4)
    sender.wait()
    node.send_signal(signal.SIGKILL)
    node.wait()
    node = start_node()
    check(wait_for(lambda: "available" in statuses(crashed["id"])), "after a crash, the restart reports the archive")
    status, record = api("GET", f"/archive/{crashed['id']}")
    check(status == 200 and record["status"] == "available" and "recovered" in record["reason"],
          f"after a crash the archive is recovered ({record.get('status')}: {record.get('reason')})")
    status, zip_bytes = api("GET", f"/archive/{crashed['id']}/download")
    if status == 200:
        unpack(zip_bytes, "crashed")
    status, _ = api("DELETE", f"/archive/{crashed['id']}")
    check(status == 204, f"delete an available archive: 204 ({status})")
    status, _ = api("GET", f"/archive/{crashed['id']}")
    check(status == 404, f"a deleted archive is gone ({status})")
    node.send_signal(signal.SIGTERM)
    node.wait(timeout=30)


CALLBACK_PORT = free_port()
if not shutil.which("gst-launch-1.0"):
    print("SKIP: GStreamer (gst-launch-1.0) is not installed")
    sys.exit(77)
main()
finish(WORK)
