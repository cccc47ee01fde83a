"""The node under attack: three publishers send real captures live into one
archive while something else hits the node, and every frame the kernel
delivered must be archived.

Rows: nothing else; non-RTP garbage on each media port (5,000 packets/s);
RTP-looking packets with random SSRCs (1,000/s, from 1 s before the
publishers); the publishers' own SSRCs sprayed from another address; 1,000
idle API connections and slowloris clients while the API is used (each
request answered within 100 ms), 1,000 concurrent requests, oversized and
malformed requests. Truth: `rtparchive replay` of each capture gives the
frames a publisher sends; the node's archive is read back with ffprobe.
Senders run as child processes of this script (`--send`, `--spray`), on
loopback only, each bounded in time and stopped by its PID.
Usage: attack_test.py RTPARCHIVE_BINARY TESTDATA_DIR
"""
import json
import os
import random
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcap_tools import read_pcap  # noqa: E402

CAPTURES = ["av-sync.pcap", "vp8-clean.pcap", "av-sync-wrapped.pcap"]


def capture_packets(pcap):
    """[(seconds from the start, UDP payload)] of the RTP/RTCP a capture holds."""
    _, records = read_pcap(pcap)
    flows = []
    for sec, usec, frame in records:
        ip = frame[14:]
        payload = ip[(ip[0] & 0x0f) * 4 + 8:]
        if len(payload) >= 8 and payload[0] >> 6 == 2:
            flows.append((sec + usec / 1e6, payload))
    return [(at - flows[0][0], payload) for at, payload in flows]


def send(pcap, port):
    """Child process: a publisher sending `pcap` at its own pace from 127.0.0.1."""
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.bind(("127.0.0.1", 0))
    begun = time.time()
    for at, payload in capture_packets(pcap):
        time.sleep(max(0.0, at - (time.time() - begun)))
        sender.sendto(payload, ("127.0.0.1", port))


def spray(kind, source, rate, seconds, ports, ssrcs):
    """Child process: `rate` packets/s to each port from `source` for `seconds`."""
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.bind((source, 0))
    rng = random.Random(7)
    begun, sent = time.time(), 0
    while time.time() - begun < seconds:
        due = int((time.time() - begun) * rate)
        for _ in range(min(due - sent, rate)):
            for port in ports:
                if kind == "garbage":  # never version 2
                    packet = bytes([rng.randrange(0, 0x80)]) + rng.randbytes(rng.randrange(20, 1200))
                else:  # RTP-looking: version 2, PT 96, random or the publishers' SSRCs
                    ssrc = rng.choice(ssrcs) if kind == "reuse" else rng.getrandbits(32)
                    packet = struct.pack("!BBHII", 0x80, 96, rng.getrandbits(16), rng.getrandbits(32), ssrc)
                    packet += rng.randbytes(rng.randrange(20, 1100))
                sender.sendto(packet, ("127.0.0.1", port))
        sent = max(sent, due)
        time.sleep(0.005)
    print(f"  ({kind} spray from {source}: {sent} packets to each of {len(ports)} ports in {seconds:.1f} s)",
          flush=True)


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] in ("--send", "--spray"):
    if sys.argv[1] == "--send":
        send(sys.argv[2], int(sys.argv[3]))
    else:
        kind, source, rate, seconds = sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
        spray(kind, source, rate, seconds, json.loads(sys.argv[6]), json.loads(sys.argv[7]))
    sys.exit(0)

from checks import check, finish  # noqa: E402
import ffprobe_tools  # noqa: E402
import node_client  # noqa: E402

BINARY, TESTDATA = sys.argv[1], sys.argv[2]
WORK = tempfile.mkdtemp(prefix="rtparchive-attack-")
KEY, SECRET = 4242, "attack-s3cret"
CONFIG, API_PORT = node_client.write_config(WORK, KEY, SECRET)
BASE = f"http://127.0.0.1:{API_PORT}/v2/project/{KEY}"
children = []


def api(method, path, body=None):
    return node_client.api(BASE, KEY, SECRET, method, path, body)


def child(*args):
    process = subprocess.Popen([sys.executable, os.path.abspath(__file__)] + [str(a) for a in args])
    children.append(process)
    return process


def frames(path):
    """(video frames, audio frames) of a .webm/.mkv, as ffprobe reads them."""
    return (len(ffprobe_tools.packets(path, "v")), len(ffprobe_tools.packets(path, "a")))


def truth(pcap):
    """What the capture holds, archived by `rtparchive replay`: (video, audio) frames."""
    out = os.path.join(WORK, os.path.basename(pcap) + ".zip")
    subprocess.run([BINARY, "replay", pcap, "-o", out], check=True, capture_output=True)
    totals = [0, 0]
    with zipfile.ZipFile(out) as archive:
        for name in archive.namelist():
            if name.endswith((".webm", ".mkv")):
                archive.extract(name, os.path.join(WORK, "truth"))
                counts = frames(os.path.join(WORK, "truth", name))
                totals = [totals[0] + counts[0], totals[1] + counts[1]]
    return tuple(totals)


def ssrcs_of(pcap):
    return sorted({struct.unpack("!I", p[8:12])[0] for _, p in capture_packets(pcap) if not 192 <= p[1] <= 223})


def record(label, attack=None, during=None):
    """One row: three publishers into one archive while `attack` runs; returns
    (frames archived, frames sent) as [video, audio] totals."""
    session = f"attack-{label}"
    ports = []
    for i, _ in enumerate(CAPTURES):
        status, body = api("POST", f"/session/{session}/stream", {"streamId": f"pub-{i}"})
        check(status == 200, f"{label}: publisher {i} announced ({status} {body})")
        ports.append(body["port"])
    status, archive = api("POST", "/archive", {"sessionId": session, "name": label})
    check(status == 200, f"{label}: archive started ({status} {archive})")
    drops_before = node_client.udp_drops()
    sprayer = attack(ports) if attack else None
    if attack:
        time.sleep(1)  # the attack starts first
    senders = [child("--send", os.path.join(TESTDATA, "captures", c), port) for c, port in zip(CAPTURES, ports)]
    extra = during() if during else None
    for sender in senders:
        sender.wait(timeout=60)
    time.sleep(0.5)
    if sprayer:
        sprayer.wait(timeout=30)  # it stops by itself once its time is up
    drops = node_client.udp_drops() - drops_before
    path = os.path.join(WORK, label + ".zip")
    got = node_client.stop_and_download(BASE, KEY, SECRET, archive["id"], path)
    check(got.get("status") == "available", f"{label}: archive available ({got.get('status')} {got.get('reason')})")
    archived = [0, 0]
    with zipfile.ZipFile(path) as zipped:
        for name in zipped.namelist():
            if name.endswith((".webm", ".mkv")):
                zipped.extract(name, os.path.join(WORK, label))
                counts = frames(os.path.join(WORK, label, name))
                archived = [archived[0] + counts[0], archived[1] + counts[1]]
    for i in range(len(CAPTURES)):
        api("DELETE", f"/session/{session}/stream/pub-{i}")
    expected = [sum(t[0] for t in TRUTH), sum(t[1] for t in TRUTH)]
    print(f"| {label} | {archived[0]} / {expected[0]} video, {archived[1]} / {expected[1]} audio "
          f"| kernel drops {drops} |", flush=True)
    check(archived == expected or drops > 0,
          f"{label}: every frame sent is archived ({archived} of {expected}, kernel drops {drops})")
    return extra


def timed(method, path, body=None):
    begun = time.time()
    status, answer = api(method, path, body)
    return status, answer, (time.time() - begun) * 1000


def raw_request(data, read=True):
    with socket.create_connection(("127.0.0.1", API_PORT), timeout=5) as connection:
        connection.sendall(data)
        if not read:
            return b""
        answer = b""
        try:
            while b"\r\n\r\n" not in answer:
                chunk = connection.recv(4096)
                if not chunk:
                    break
                answer += chunk
        except socket.timeout:
            pass
        return answer


def hostile_api():
    """1,000 idle connections and 50 slowloris clients held while the API is
    used: each request's time, then malformed and oversized requests."""
    idle = [socket.create_connection(("127.0.0.1", API_PORT)) for _ in range(1000)]
    slow = [socket.create_connection(("127.0.0.1", API_PORT)) for _ in range(50)]
    for connection in slow:
        connection.sendall(b"GET /v2/project/4242/archive HTTP/1.1\r\n")
    times = []
    for _ in range(20):
        for connection in slow:
            try:
                connection.sendall(b"X-Slow: 1\r\n")
            except OSError:
                pass
        status, _, ms = timed("GET", "/archive")
        times.append(ms)
        check(status == 200, f"list archives with 1,050 idle/slow connections held ({status})")
        time.sleep(0.1)
    status, body = api("GET", "/archive?count=1")
    print(f"API with 1,000 idle + 50 slowloris connections: {len(times)} requests, "
          f"slowest {max(times):.1f} ms, median {sorted(times)[len(times) // 2]:.1f} ms", flush=True)
    check(max(times) < 100, f"each request answered within 100 ms while connections are held ({max(times):.1f} ms)")
    for connection in idle + slow:
        connection.close()
    return times


def concurrent_requests(count=1000):
    """`count` requests sent at once on their own connections: all answered."""
    request = (f"GET /v2/project/{KEY}/archive HTTP/1.1\r\nHost: x\r\nX-TB-PARTNER-AUTH: {KEY}:{SECRET}\r\n"
               "Connection: close\r\n\r\n").encode()
    connections = [socket.create_connection(("127.0.0.1", API_PORT)) for _ in range(count)]
    begun = time.time()
    for connection in connections:
        connection.sendall(request)
    answered = 0
    for connection in connections:
        connection.settimeout(10)
        try:
            answered += connection.recv(64).startswith(b"HTTP/1.1 200")
        except OSError:
            pass
        connection.close()
    print(f"{count} concurrent requests: {answered} answered 200 in {time.time() - begun:.2f} s", flush=True)
    check(answered == count, f"{count} concurrent requests all answered ({answered})")


def malformed_requests():
    auth = f"X-TB-PARTNER-AUTH: {KEY}:{SECRET}\r\n"
    cases = [
        (f"POST /v2/project/{KEY}/archive HTTP/1.1\r\n{auth}Content-Length: 1000000000\r\n\r\n", b" 413 "),
        ("GET /v2/project/4242/archive HTTP/1.1\r\nX-Big: " + "a" * 40000 + "\r\n\r\n", b" 431 "),
        (f"GET /v2/project/{KEY}/archive HTTP/1.1\r\nX-OPENTOK-AUTH: eyJhbGciOiJub25lIn0.e30.\r\n\r\n", b" 403 "),
        (f"GET /v2/project/{KEY}/archive HTTP/1.1\r\nX-OPENTOK-AUTH: not.a.jwt\r\n\r\n", b" 403 "),
        (f"GET /v2/project/{KEY}/archive/..%2F..%2Fetc%2Fpasswd HTTP/1.1\r\n{auth}\r\n", b" 404 "),
        (f"GET /v2/project/{KEY}/archive/.. HTTP/1.1\r\n{auth}\r\n", b" 404 "),
        (f"GET /v2/project/{KEY}/archive/a%00b HTTP/1.1\r\n{auth}\r\n", b" 400 "),
        (f"DELETE /v2/project/{KEY}/session/%0d%0a/stream/x HTTP/1.1\r\n{auth}\r\n", b" 400 "),
        (f"POST /v2/project/{KEY}/archive HTTP/1.1\r\n{auth}Transfer-Encoding: chunked\r\n\r\n", b" 411 "),
        ("GET / HTTP/9.9\r\n\r\n", b" 505 "),
    ]
    for request, status in cases:
        begun = time.time()
        answer = raw_request(request.encode())
        ms = (time.time() - begun) * 1000
        check(status in answer.split(b"\r\n")[0] and ms < 1000,
              f"{request[:50]!r}: answered{status.decode()} at once ({answer[:40]!r}, {ms:.0f} ms)")


node = node_client.start_node(BINARY, CONFIG, API_PORT, os.path.join(WORK, "node.log"))
try:
    TRUTH = [truth(os.path.join(TESTDATA, "captures", c)) for c in CAPTURES]
    SSRCS = sorted(s for c in CAPTURES for s in ssrcs_of(os.path.join(TESTDATA, "captures", c)))
    seconds = max(capture_packets(os.path.join(TESTDATA, "captures", c))[-1][0] for c in CAPTURES) + 2
    print("| what else arrived | frames archived | |\n|---|---|---|", flush=True)
    record("nothing")
    record("garbage", lambda ports: child("--spray", "garbage", "127.0.0.3", 5000, seconds, json.dumps(ports), "[]"))
    record("random-ssrc", lambda ports: child("--spray", "random", "127.0.0.2", 1000, seconds, json.dumps(ports), "[]"))
    record("reused-ssrc", lambda ports: child("--spray", "reuse", "127.0.0.2", 1000, seconds, json.dumps(ports),
                                              json.dumps(SSRCS)))
    record("api-held", during=hostile_api)
    concurrent_requests()
    malformed_requests()
    status, metrics = node_client.api(f"http://127.0.0.1:{API_PORT}", KEY, SECRET, "GET", "/metrics")
    text = metrics.decode() if isinstance(metrics, bytes) else str(metrics)
    refused = node_client.refused_by_reason(API_PORT, KEY, SECRET)
    print("refused by reason:", refused, flush=True)
    check(refused.get("not_rtp", 0) > 10000, f"/metrics: garbage counted as not_rtp ({refused})")
    check(refused.get("unvalidated_ssrc", 0) > 500, f"/metrics: random SSRCs counted as unvalidated ({refused})")
    check(refused.get("other_source", 0) > 5000, f"/metrics: sprays from other addresses counted ({refused})")
    check('rtparchive_api_refused_total{code="413"} 1' in text, "/metrics: the 413 is counted")
    check('route="GET /v2/project/{}/archive",code="200"' in text, "/metrics: requests by route and code")
    log = open(os.path.join(WORK, "node.log")).read()
    check(log.count("refused a packet") < 100, f"refusals are logged once per reason and port, not per packet "
                                              f"({log.count('refused a packet')} lines)")
finally:
    for process in children:
        if process.poll() is None:
            process.kill()
    node.terminate()
    node.wait(timeout=30)
finish(WORK)
