#!/usr/bin/env python3
"""The recording node under N live publishers (issue: node throughput), one
row of the ladder per run:

    bench_node.py RTPARCHIVE NODE_LOAD CAPTURE_PREFIX N [plain|srtp-gcm|srtp-cm] ...

CAPTURE_PREFIX.pcap/.json: one publisher (VP8 + Opus + RTCP) from
../shared/corpus/make-corpus.sh. The node runs on CPU 0 and the load
generator (bench/node_load.cc, everything prepared before its clock starts)
on CPU 1; N streams are announced in one session (with SDES a=crypto for
SRTP), one auto-mode archive records them all. Measured:
- node CPU (utime + stime from /proc) while the publishers send, per
  publisher-second of media;
- peak RSS (VmHWM);
- the kernel's drops: at the node's full sockets (the larger of UDP
  RcvbufErrors + InErrors in /proc/net/snmp and the sockets' own drops in
  /proc/net/udp, which this kernel does not always add to the former) and
  at the input backlog (/proc/net/softnet_stat: loopback itself could not
  keep up);
- datagrams the node read (/metrics) vs sent;
- video frames archived (rtparchive inspect --json) vs sent (the sidecar);
- stop -> available.
Prints a Markdown row per N (and the header first)."""
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import node_client  # noqa: E402

KEY, SECRET = 9000, "bench-s3cret"
SUITES = {"srtp-gcm": ("AEAD_AES_128_GCM", 28), "srtp-cm": ("AES_CM_128_HMAC_SHA1_80", 30)}


def cpu_seconds(pid):
    """(user, system) CPU seconds of every thread of `pid`."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) / os.sysconf("SC_CLK_TCK"), int(fields[12]) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def backlog_drops():
    """Datagrams the kernel dropped before any socket: the per-CPU input
    backlog (loopback included) was full (/proc/net/softnet_stat, column 2)."""
    return sum(int(line.split()[1], 16) for line in open("/proc/net/softnet_stat"))


def socket_drops(first_port, last_port):
    """Datagrams the node's media sockets dropped because they were full:
    /proc/net/udp's per-socket drops (this kernel counts some of them
    nowhere else)."""
    drops = 0
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        for line in open(table).readlines()[1:]:
            fields = line.split()
            if first_port <= int(fields[1].rsplit(":", 1)[1], 16) <= last_port:
                drops += int(fields[-1])
    return drops


def sdp_for(sidecar, mode):
    """The publisher's SDP: its payload types, and the SDES key for SRTP."""
    segment = sidecar["streams"][0]["segments"][0]
    lines = ["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0"]
    key = ""
    if mode in SUITES:
        suite, size = SUITES[mode]
        key = base64.b64encode(bytes(range(size))).decode()
    for kind in ("audio", "video"):
        if kind not in segment:
            continue
        media = segment[kind]
        name = {"vp8": "VP8", "h264": "H264", "opus": "opus"}[media["codec"]]
        channels = "/2" if kind == "audio" else ""
        lines += [f"m={kind} 9 RTP/{'SAVP' if key else 'AVP'} {media['payload_type']}",
                  f"a=rtpmap:{media['payload_type']} {name}/{media['clock_rate']}{channels}"]
        if key:
            lines.append(f"a=crypto:1 {SUITES[mode][0]} inline:{key}")
    return "\r\n".join(lines) + "\r\n", (f"{SUITES[mode][0]}:{key}" if key else None)


def run(binary, load, prefix, publishers, mode, work):
    sidecar = json.load(open(prefix + ".json"))
    video_per_publisher = sum(s["video"]["frames"] for s in sidecar["streams"][0]["segments"] if "video" in s)
    sdp, key = sdp_for(sidecar, mode)
    config, api_port = node_client.write_config(
        work, KEY, SECRET, mediaPorts=[45000, 46999],
        limits={"maxStreams": 2000, "sessionEndedSeconds": 600, "noStreamSeconds": 600})
    base = f"http://127.0.0.1:{api_port}/v2/project/{KEY}"
    log = os.path.join(work, "node.log")
    node = subprocess.Popen(["taskset", "-c", "0", binary, "serve", "--config", config],
                            stdout=open(log, "a"), stderr=subprocess.STDOUT)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", api_port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        ports = []
        for i in range(publishers):
            status, body = node_client.api(base, KEY, SECRET, "POST", "/session/load/stream",
                                           {"streamId": f"p{i}", "sdp": sdp})
            if status != 200:
                raise RuntimeError(f"announce {i}: {status} {body}")
            ports.append(body["port"])
        ports_file = os.path.join(work, "ports.txt")
        open(ports_file, "w").write("\n".join(map(str, ports)) + "\n")
        status, archive = node_client.api(base, KEY, SECRET, "POST", "/archive", {"sessionId": "load", "name": "load"})
        if status != 200:
            raise RuntimeError(f"archive: {status} {archive}")
        drops_before, cpu_before = node_client.udp_drops(), cpu_seconds(node.pid)
        backlog_before = backlog_drops()
        received_before = node_client.metric(api_port, KEY, SECRET, "rtparchive_media_packets_received_total")
        sender = subprocess.run(["taskset", "-c", "1", load, prefix + ".pcap", "127.0.0.1", ports_file]
                                + ([key] if key else []), capture_output=True, text=True, check=True)
        sent = json.loads(sender.stdout)
        # An overloaded node still has datagrams queued in its sockets: the
        # measure ends once it has read what it will read (30 s at most),
        # after the reorder and interleave waits of the last packets.
        total = lambda: sum(node_client.metric(api_port, KEY, SECRET,  # noqa: E731
                                               "rtparchive_media_packets_received_total").values())
        last, waited = -1, 0.0
        while total() != last and waited < 30:
            last = total()
            time.sleep(1)
            waited += 1
        cpu_after = cpu_seconds(node.pid)
        user, system = cpu_after[0] - cpu_before[0], cpu_after[1] - cpu_before[1]
        cpu = user + system
        drops = max(node_client.udp_drops() - drops_before, socket_drops(45000, 46999))
        backlog = backlog_drops() - backlog_before
        received = sum(node_client.metric(api_port, KEY, SECRET, "rtparchive_media_packets_received_total").values()) \
            - sum(received_before.values())
        stop_at = time.time()
        node_client.api(base, KEY, SECRET, "POST", f"/archive/{archive['id']}/stop")
        while node_client.api(base, KEY, SECRET, "GET", f"/archive/{archive['id']}")[1].get("status") != "available":
            if time.time() - stop_at > 300:
                raise RuntimeError("the archive did not become available within 300 s")
            time.sleep(0.02)
        finalise_s = time.time() - stop_at
        rss = peak_rss_mb(node.pid)
        zip_path = os.path.join(work, "load.zip")
        zipped = urllib.request.urlopen(urllib.request.Request(
            f"{base}/archive/{archive['id']}/download", headers={"X-TB-PARTNER-AUTH": f"{KEY}:{SECRET}"})).read()
        open(zip_path, "wb").write(zipped)
        report = json.loads(subprocess.run([binary, "inspect", "--json", zip_path], capture_output=True,
                                           text=True).stdout)
        archived = sum(t["frames"] for f in report["files"] for t in f["tracks"] if t["kind"] == "video")
    finally:
        node.terminate()
        node.wait(timeout=60)
    media_seconds = sent["wall_s"] - 1.0  # the start offsets are spread over one second
    window_s = sent["wall_s"] + waited
    return (f"| {publishers} | {mode} | {100 * cpu / window_s:.1f}% ({100 * system / max(cpu, 1e-9):.0f}% in the kernel) | "
            f"{1000 * cpu / (publishers * media_seconds):.3f} ms | {rss:.0f} MB "
            f"({1024 * rss / publishers:.0f} KB each) | {drops} + {backlog} | {received:,} / {sent['packets']:,} | "
            f"{archived:,} / {publishers * video_per_publisher:,} | {finalise_s:.2f} s | "
            f"{100 * sent['cpu_s'] / sent['wall_s']:.0f}% (late {sent['late_ms_max']:.0f} ms) |")


def main():
    binary, load, prefix = sys.argv[1:4]
    ladder = [int(n) for n in sys.argv[4].split(",")]
    modes = sys.argv[5].split(",") if len(sys.argv) > 5 else ["plain"]
    print("| publishers | media | node CPU (share of one core) | node CPU per publisher-second | peak RSS "
          "| kernel drops: node sockets + input backlog | datagrams read / sent | video frames archived / sent | stop -> available "
          "| load generator CPU |")
    print("|---|---|---|---|---|---|---|---|---|---|", flush=True)
    for mode in modes:
        for publishers in ladder:
            with tempfile.TemporaryDirectory(prefix="rtparchive-bench-node-") as work:
                print(run(binary, load, prefix, publishers, mode, work), flush=True)


if __name__ == "__main__":
    main()
