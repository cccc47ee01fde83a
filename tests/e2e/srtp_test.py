"""SRTP with SDES keys (RFC 4568), as forwarders and SIP-style senders send
it, encrypted by GStreamer's srtpenc (libsrtp2 on the sender's side):

1. A GStreamer publisher sends VP8 (AES_CM_128_HMAC_SHA1_80) and Opus
   (AEAD_AES_128_GCM, its own key) as SRTP to a stream announced with an
   SDP holding both a=crypto lines, while a second sender with a wrong key
   sends to the same port. The same pipeline also sends its plain RTP and its
   SRTP to two local listeners that write them as captures.
2. Truth: `rtparchive replay` of the plain capture. The node's archive and
   `rtparchive replay` of the SRTP capture with `--srtp_key` must hold the
   same frames; without a key, or with a wrong one, replay says why.
Loopback only; every process stopped by its PID.
Usage: srtp_test.py RTPARCHIVE_BINARY
"""
import base64
import os
import socket
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
from pcap_tools import udp_frame, write_pcap  # noqa: E402

BINARY = sys.argv[1]
WORK = tempfile.mkdtemp(prefix="rtparchive-srtp-")
KEY, SECRET = 777, "srtp-s3cret"
VIDEO_KEY = bytes(range(1, 31))          # AES_CM_128_HMAC_SHA1_80: 16-byte key + 14-byte salt
AUDIO_KEY = bytes(range(100, 128))       # AEAD_AES_128_GCM: 16 + 12
WRONG_KEY = bytes(range(200, 230))
PCAP_HEADER = bytes.fromhex("d4c3b2a1020004000000000000000000ffff000001000000")

CONFIG, API_PORT = node_client.write_config(WORK, KEY, SECRET)
BASE = f"http://127.0.0.1:{API_PORT}/v2/project/{KEY}"


def api(method, path, body=None):
    return node_client.api(BASE, KEY, SECRET, method, path, body)


def b64(key):
    return base64.b64encode(key).decode()


SDP = f"""v=0
o=- 1 1 IN IP4 127.0.0.1
s=-
t=0 0
m=audio 5004 RTP/SAVP 111
a=rtpmap:111 opus/48000/2
a=crypto:1 AEAD_AES_128_GCM inline:{b64(AUDIO_KEY)}
m=video 5006 RTP/SAVP 96
a=rtpmap:96 VP8/90000
a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{b64(VIDEO_KEY)}|2^31
"""


class Listener:
    """A UDP port whose datagrams become a capture (as if sent to 198.51.100.1:40000)."""

    def __init__(self):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.5)
        self.port = self.socket.getsockname()[1]
        self.records, self.running = [], True
        self.thread = threading.Thread(target=self.run)
        self.thread.start()

    def run(self):
        while self.running:
            try:
                payload, (_, port) = self.socket.recvfrom(65536)
            except socket.timeout:
                continue
            now = time.time()
            self.records.append((int(now), int(now % 1 * 1e6),
                                 udp_frame(("192.0.2.10", port), ("198.51.100.1", 40000), payload)))

    def save(self, path):
        self.running = False
        self.thread.join()
        write_pcap(path, PCAP_HEADER, self.records)
        return len(self.records)


def publisher(node_port, plain, encrypted):
    """GStreamer: 4 s of VP8 and Opus; SRTP to the node and a listener, plain RTP to another."""
    def branch(kind, key, extra):
        return ["!", "tee", f"name={kind}",
                f"{kind}.", "!", "queue", "!", "udpsink", "host=127.0.0.1", f"port={plain}", "sync=false",
                f"{kind}.", "!", "queue", "!", "srtpenc", f"key={key.hex()}"] + extra + [
                "!", "tee", f"name=s{kind}",
                f"s{kind}.", "!", "queue", "!", "udpsink", "host=127.0.0.1", f"port={node_port}", "sync=false",
                f"s{kind}.", "!", "queue", "!", "udpsink", "host=127.0.0.1", f"port={encrypted}", "sync=false"]
    gcm = ["rtp-cipher=aes-128-gcm", "rtp-auth=null", "rtcp-cipher=aes-128-gcm", "rtcp-auth=null"]
    return subprocess.Popen(
        ["timeout", "30", "gst-launch-1.0", "-q",
         "videotestsrc", "is-live=true", "num-buffers=120", "!", "video/x-raw,width=320,height=240,framerate=30/1",
         "!", "vp8enc", "deadline=1", "keyframe-max-dist=30", "!", "rtpvp8pay", "pt=96", "ssrc=286331153"]
        + branch("v", VIDEO_KEY, []) +
        ["audiotestsrc", "is-live=true", "num-buffers=200", "!", "audioconvert", "!", "audioresample", "!",
         "opusenc", "!", "rtpopuspay", "pt=111", "ssrc=572662306"] + branch("a", AUDIO_KEY, gcm),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wrong_key_sender(node_port):
    """Another sender on the publisher's address with a key the stream does not have."""
    return subprocess.Popen(
        ["timeout", "30", "gst-launch-1.0", "-q", "videotestsrc", "is-live=true", "num-buffers=90", "!",
         "video/x-raw,width=160,height=120,framerate=30/1", "!", "vp8enc", "deadline=1", "!",
         "rtpvp8pay", "pt=96", "ssrc=286331153", "!", "srtpenc", f"key={WRONG_KEY.hex()}", "!",
         "udpsink", "host=127.0.0.1", f"port={node_port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def frames(zip_path, folder):
    """(video, audio) frames over the archive's files, as ffprobe reads them."""
    totals = [0, 0]
    with zipfile.ZipFile(zip_path) as archive:
        for name in archive.namelist():
            if name.endswith((".webm", ".mkv")):
                archive.extract(name, folder)
                path = os.path.join(folder, name)
                totals[0] += len(ffprobe_tools.packets(path, "v"))
                totals[1] += len(ffprobe_tools.packets(path, "a"))
    return totals


def replay(capture, out, *extra):
    return subprocess.run([BINARY, "replay", capture, "-o", out, "--quiet", "--noprogress"] + list(extra),
                          capture_output=True, text=True)


node = node_client.start_node(BINARY, CONFIG, API_PORT, os.path.join(WORK, "node.log"))
senders = []
try:
    status, body = api("POST", "/session/srtp/stream", {"streamId": "pub", "sdp": SDP.replace("\n", "\r\n")})
    check(status == 200, f"SRTP publisher announced with its a=crypto lines ({status} {body})")
    bad_sdp = SDP.replace(f"inline:{b64(AUDIO_KEY)}", "inline:c2hvcnQ=")
    status, bad = api("POST", "/session/srtp/stream", {"streamId": "bad", "sdp": bad_sdp})
    check(status == 400 and "a=crypto" in bad.get("message", ""), f"a short key is refused at announce ({status} {bad})")
    status, archive = api("POST", "/archive", {"sessionId": "srtp", "name": "srtp"})
    check(status == 200, f"archive started ({status})")
    plain, encrypted = Listener(), Listener()
    senders = [publisher(body["port"], plain.port, encrypted.port), wrong_key_sender(body["port"])]
    for sender in senders:
        sender.wait(timeout=40)
    check(senders[0].returncode == 0, f"the GStreamer publisher ran ({senders[0].stderr.read()[-300:]!r})")
    time.sleep(0.5)
    sent_plain = plain.save(os.path.join(WORK, "plain.pcap"))
    sent_srtp = encrypted.save(os.path.join(WORK, "srtp.pcap"))
    got = node_client.stop_and_download(BASE, KEY, SECRET, archive["id"], os.path.join(WORK, "node.zip"))
    check(got.get("status") == "available", f"archive available ({got})")

    truth_run = replay(os.path.join(WORK, "plain.pcap"), os.path.join(WORK, "truth.zip"))
    check(truth_run.returncode == 0, f"replay of the plain capture ({truth_run.stderr[-300:]})")
    truth = frames(os.path.join(WORK, "truth.zip"), os.path.join(WORK, "truth"))
    recorded = frames(os.path.join(WORK, "node.zip"), os.path.join(WORK, "node"))
    print(f"plain packets {sent_plain}, SRTP packets {sent_srtp}; truth {truth}, node {recorded}", flush=True)
    check(truth[0] > 100 and truth[1] > 150, f"the publisher sent VP8 and Opus ({truth})")
    check(recorded == truth, f"the node archived every frame sent as SRTP ({recorded} of {truth})")

    keys = ["--srtp_key", b64(VIDEO_KEY), "--srtp_key", "AEAD_AES_128_GCM:" + b64(AUDIO_KEY)]
    decrypted = replay(os.path.join(WORK, "srtp.pcap"), os.path.join(WORK, "srtp.zip"), *keys)
    check(decrypted.returncode == 0, f"replay of the SRTP capture with its keys ({decrypted.stderr[-300:]})")
    if decrypted.returncode == 0:
        check(frames(os.path.join(WORK, "srtp.zip"), os.path.join(WORK, "srtp")) == truth,
              "replay --srtp_key: the same frames as the plain capture")
    sdp_path = os.path.join(WORK, "publisher.sdp")
    open(sdp_path, "w").write(SDP)
    from_sdp = replay(os.path.join(WORK, "srtp.pcap"), os.path.join(WORK, "sdp.zip"), "--sdp", sdp_path)
    check(from_sdp.returncode == 0 and frames(os.path.join(WORK, "sdp.zip"), os.path.join(WORK, "sdp")) == truth,
          f"replay --sdp with the a=crypto lines: the same frames ({from_sdp.stderr[-200:]})")
    wrong = replay(os.path.join(WORK, "srtp.pcap"), os.path.join(WORK, "wrong.zip"), "--srtp_key", b64(WRONG_KEY))
    check(wrong.returncode != 0 and "authenticates" in wrong.stderr, f"a wrong key says so ({wrong.stderr[-200:]})")
    bad_arg = replay(os.path.join(WORK, "srtp.pcap"), os.path.join(WORK, "bad.zip"), "--srtp_key", "AES_CM_128:abc")
    check(bad_arg.returncode == 2 and "--srtp_key" in bad_arg.stderr, f"a malformed key is a usage error ({bad_arg.stderr[-200:]})")

    refused = node_client.refused_by_reason(API_PORT, KEY, SECRET)
    # Its SSRC is the publisher's: libsrtp2 refuses indexes behind the replay
    # window before authenticating, so some count as stale, others as unauthenticated.
    wrong_key = refused.get("srtp_unauthenticated", 0) + refused.get("srtp_replayed_or_stale", 0)
    check(wrong_key > 50, f"the wrong-key sender's packets are counted and dropped ({refused})")
finally:
    for sender in senders:
        if sender.poll() is None:
            sender.kill()
    node.terminate()
    node.wait(timeout=30)
written = open(os.path.join(WORK, "node.log")).read()
for folder, _, files in os.walk(os.path.join(WORK, "storage")):
    for name in files:
        if not name.endswith((".zip", ".webm", ".mkv")):
            written += open(os.path.join(folder, name), errors="replace").read()
check(b64(VIDEO_KEY) not in written and b64(AUDIO_KEY) not in written,
      "no SRTP key in the node's log or state files")
finish(WORK)
