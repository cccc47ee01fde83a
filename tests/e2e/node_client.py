"""Driving `rtparchive serve` from the e2e tests: starting it, and its
archive API as an application calls it (X-TB-PARTNER-AUTH)."""
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request


def api(base, key, secret, method, path, body=None, raw=None):
    """(status, parsed JSON or bytes) of one request to `base` + `path`."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
    request = urllib.request.Request(base + path, data=data if method != "GET" else None, method=method,
                                     headers={"X-TB-PARTNER-AUTH": f"{key}:{secret}",
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            content = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        content, status = error.read(), error.code
    try:
        return status, json.loads(content) if content else None
    except ValueError:
        return status, content


def write_config(work, key, secret, **extra):
    """(config path, API port): a node on a free loopback port with `work`'s
    storage, a free media port range and one API key; `extra` config keys."""
    from ports import free_udp_range
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        api_port = probe.getsockname()[1]
    config = os.path.join(work, "node.json")
    json.dump(dict({"listen": f"127.0.0.1:{api_port}", "mediaPorts": list(free_udp_range()),
                    "storage": os.path.join(work, "storage"),
                    "credentials": [{"apiKey": key, "apiSecret": secret}]}, **extra), open(config, "w"))
    return config, api_port


def start_node(binary, config, api_port, log_path, env=None):
    """The node, once its API answers; its output appended to `log_path`;
    `env`: variables added to its environment."""
    log = open(log_path, "a")
    node = subprocess.Popen([binary, "serve", "--config", config], stdout=log, stderr=log,
                            env=dict(os.environ, **(env or {})))
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", api_port), timeout=0.2):
                return node
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the node did not start; see " + log_path)


def stop_and_download(base, key, secret, archive_id, zip_path):
    """Stops an archive, waits (10 s at most) until it is available, writes
    its ZIP to `zip_path`; returns the archive's last JSON."""
    api(base, key, secret, "POST", f"/archive/{archive_id}/stop")
    got = {}
    for _ in range(100):
        _, got = api(base, key, secret, "GET", f"/archive/{archive_id}")
        if got.get("status") == "available":
            break
        time.sleep(0.1)
    _, zip_bytes = api(base, key, secret, "GET", f"/archive/{archive_id}/download")
    open(zip_path, "wb").write(zip_bytes if isinstance(zip_bytes, bytes) else b"")
    return got


def recording_before_publisher(base, key, secret, session, name, codec="vp8"):
    """(status, archive) of an auto-mode archive of `session` started before
    its WHIP publisher comes: a placeholder publisher, announced but silent,
    lets it start, and its SDP gives the archive its video codec."""
    placeholder = {"streamId": "placeholder"}
    if codec == "h264":
        placeholder["sdp"] = "v=0\r\ns=-\r\nt=0 0\r\nm=video 9 RTP/AVP 102\r\na=rtpmap:102 H264/90000\r\n"
    api(base, key, secret, "POST", f"/session/{session}/stream", placeholder)
    return api(base, key, secret, "POST", "/archive", {"sessionId": session, "name": name})


def frames_in_archive(zip_path, folder):
    """{file name: (video frames, audio frames, manifest entry)} of an
    archive's ZIP, its files extracted into `folder` and counted by ffprobe."""
    import zipfile
    import ffprobe_tools
    files = {}
    with zipfile.ZipFile(zip_path) as archive:
        manifest = json.loads(archive.read(next(n for n in archive.namelist() if n.endswith(".json"))))
        for entry in manifest["files"]:
            archive.extract(entry["filename"], folder)
            media = os.path.join(folder, entry["filename"])
            files[entry["filename"]] = (len(ffprobe_tools.packets(media, "v")),
                                        len(ffprobe_tools.packets(media, "a")), entry)
    return files


def setup_ms(log_path, label):
    """The node's last "WHIP <label>: first media N ms after the offer" (its
    clock, from answering the offer to the first SRTP media packet); None
    when it has not logged one."""
    import re
    found = re.findall(rf"WHIP {re.escape(label)}: first media (\d+) ms after the offer", open(log_path).read())
    return int(found[-1]) if found else None


def srtp_suites(log_path):
    """{SRTP suite: how many WHIP publishers negotiated it}, from the node's log."""
    import collections
    import re
    return dict(collections.Counter(re.findall(r": DTLS-SRTP up with \S+ \((\w+)\)", open(log_path).read())))


def metric(api_port, key, secret, name):
    """{labels or "": value} of one metric family in /metrics."""
    _, metrics = api(f"http://127.0.0.1:{api_port}", key, secret, "GET", "/metrics")
    text = metrics.decode() if isinstance(metrics, bytes) else str(metrics)
    values = {}
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            labels = line[len(name):].split(" ")[0]
            values[labels.strip("{}")] = int(line.split()[-1])
    return values


def refused_by_reason(api_port, key, secret):
    """{reason: count} of rtparchive_media_packets_refused_total in /metrics."""
    _, metrics = api(f"http://127.0.0.1:{api_port}", key, secret, "GET", "/metrics")
    text = metrics.decode() if isinstance(metrics, bytes) else str(metrics)
    return {line.split('"')[1]: int(line.split()[-1]) for line in text.splitlines()
            if line.startswith("rtparchive_media_packets_refused_total{")}


def udp_drops():
    """UDP RcvbufErrors + InErrors of this network namespace's kernel (/proc/net/snmp)."""
    lines = [line.split() for line in open("/proc/net/snmp") if line.startswith("Udp:")]
    fields = dict(zip(lines[0][1:], map(int, lines[1][1:])))
    return fields["RcvbufErrors"] + fields["InErrors"]
