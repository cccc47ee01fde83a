#!/usr/bin/env python3
"""node-load.py — a recording node under load: ARCHIVES archives at once,
STREAMS publishers each, every publisher sending a GStreamer-made VP8+Opus
call (testdata/captures/vp8-clean.pcap, looped) in real time over UDP.
Prints the node's CPU use and peak RSS, and checks every archive: it must
verify and hold every frame sent (a node that cannot keep up drops packets).

  scripts/node-load.py [BINARY] [ARCHIVES] [STREAMS] [SECONDS]   (default build/rtparchive 10 4 30)
"""
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import pcap_tools  # noqa: E402

binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "build", "rtparchive")
archives, streams, seconds = (int(a) for a in (sys.argv[2:5] + ["10", "4", "30"][len(sys.argv[2:5]):]))
work = tempfile.mkdtemp(prefix="rtparchive-load-")
capture = os.path.join(work, "call.pcap")
pcap_tools.repeat(os.path.join(HERE, "..", "testdata", "captures", "vp8-clean.pcap"), capture, seconds // 3 + 1)
_, records = pcap_tools.read_pcap(capture)
start_us = records[0][0] * 1_000_000 + records[0][1]
packets = [((sec * 1_000_000 + usec - start_us) / 1e6, frame[42:]) for sec, usec, frame in records]
packets = [(t, p) for t, p in packets if t < seconds]

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    api_port = s.getsockname()[1]
config = os.path.join(work, "node.json")
json.dump({"listen": f"127.0.0.1:{api_port}", "mediaPorts": [43000, 43999], "storage": os.path.join(work, "storage"),
           "credentials": [{"apiKey": 1, "apiSecret": "x"}]}, open(config, "w"))
node = subprocess.Popen([binary, "serve", "--config", config], stderr=open(os.path.join(work, "node.log"), "w"))
time.sleep(1)


def api(method, path, body=None):
    request = urllib.request.Request(f"http://127.0.0.1:{api_port}/v2/project/1{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else b"",
                                     headers={"X-TB-PARTNER-AUTH": "1:x"})
    with urllib.request.urlopen(request) as response:
        content = response.read()
        return json.loads(content) if content else None


ports, ids = [], []
for a in range(archives):
    for s in range(streams):
        ports.append(api("POST", f"/session/load-{a}/stream", {"streamId": f"pub-{s}"})["port"])
    ids.append(api("POST", "/archive", {"sessionId": f"load-{a}"})["id"])


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
cpu_before, began = cpu_seconds(node.pid), time.time()
for t, payload in packets:
    delay = began + t - time.time()
    if delay > 0:
        time.sleep(delay)
    for index, port in enumerate(ports):
        data = bytearray(payload)
        if not 192 <= data[1] <= 223:  # a distinct SSRC per publisher
            ssrc = struct.unpack_from("!I", data, 8)[0]
            struct.pack_into("!I", data, 8, (ssrc + index * 7919) & 0xffffffff)
        sender.sendto(bytes(data), ("127.0.0.1", port))
elapsed = time.time() - began
cpu = cpu_seconds(node.pid) - cpu_before
peak_kb = int([line for line in open(f"/proc/{node.pid}/status") if line.startswith("VmHWM")][0].split()[1])
for archive_id in ids:
    api("POST", f"/archive/{archive_id}/stop")
time.sleep(1)
sent_video = sum(1 for _, p in packets if not 192 <= p[1] <= 223 and p[1] & 0x7f == 96 and p[1] & 0x80)
complete = 0
for archive_id in ids:
    path = os.path.join(work, "storage", archive_id + ".zip")
    verify = subprocess.run([binary, "verify", path], capture_output=True, text=True)
    report = json.loads(subprocess.run([binary, "inspect", path, "--json"], capture_output=True, text=True).stdout)
    frames = [t["frames"] for f in report["files"] for t in f["tracks"] if t["kind"] == "video"]
    complete += verify.returncode == 0 and len(frames) == streams and min(frames) >= sent_video - 2
node.terminate()
node.wait()
print(f"{archives} archives x {streams} streams, {len(packets) * len(ports)} packets in {elapsed:.1f} s "
      f"({len(packets) * len(ports) / elapsed:.0f} packets/s)")
print(f"node CPU: {cpu:.2f} s = {100 * cpu / elapsed:.1f}% of one core; peak RSS {peak_kb / 1024:.1f} MB")
print(f"archives that verify and hold every video frame sent ({sent_video} per stream): {complete}/{archives}")
if complete == archives:
    shutil.rmtree(work, ignore_errors=True)  # kept for a look when an archive failed
sys.exit(0 if complete == archives else 1)
