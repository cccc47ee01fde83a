#!/usr/bin/env python3
"""End-to-end test of the node's uploads: `rtparchive serve` with its API
key's storage set through the archive API, a publisher's RTP sent live,
and the archive uploaded to s3rver behind AWS's SigV4 signer or to Azurite,
then read back with the official SDK and checked with `rtparchive verify`.
Status callbacks are received by a local listener. Faults: the store down
when the archive stops and up later; down for good (fallback "node" keeps
it for download, "none" fails it); a wrong secret (no retries); the node
killed in the middle of an upload and started again.
Usage: node_storage_test.py RTPARCHIVE_BINARY TESTDATA_DIR
"""
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402
import node_client  # noqa: E402
from pcap_tools import read_pcap  # noqa: E402
from ports import free_udp_range  # noqa: E402
from storage_servers import (AZURE_ACCOUNT, AZURE_KEY, S3_ENV, S3_KEY, S3_SECRET, S3_TOKEN,  # noqa: E402
                             SECRETS, free_port, require_modules, requests_of, sdk, start_azurite, start_s3,
                             stop_all)

BINARY, TESTDATA = os.path.abspath(sys.argv[1]), sys.argv[2]
WORK = tempfile.mkdtemp(prefix="rtparchive-node-storage-")
KEY, SECRET = 424242, "node-api-secret-for-uploads"
API_PORT = free_port()
BASE = f"http://127.0.0.1:{API_PORT}/v2/project/{KEY}"
STORAGE = os.path.join(WORK, "storage")
CONFIG = os.path.join(WORK, "node.json")
CAPTURE = os.path.join(TESTDATA, "captures", "vp8-clean.pcap")
received = []


json.dump({"listen": f"127.0.0.1:{API_PORT}", "mediaPorts": list(free_udp_range()), "storage": STORAGE,
           "credentials": [{"apiKey": KEY, "apiSecret": SECRET}],
           "limits": {"noStreamSeconds": 30, "sessionEndedSeconds": 30},
           "upload": {"attempts": 10, "firstDelayMs": 300, "maxDelayMs": 1000}}, open(CONFIG, "w"))


def api(method, path, body=None):
    return node_client.api(BASE, KEY, SECRET, method, path, body)


def start_node():
    return node_client.start_node(BINARY, CONFIG, API_PORT, os.path.join(WORK, "node.log"))


class Callbacks(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def statuses(archive_id):
    return [body["status"] for body in received if body.get("id") == archive_id]


def wait_for(condition, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def send_capture(port):
    """The corpus capture's RTP and RTCP, at its own pace (3 s)."""
    _, records = read_pcap(CAPTURE)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    first, begun = records[0][0] + records[0][1] / 1e6, time.time()
    for sec, usec, frame in records:
        ip = frame[14:]
        payload = ip[(ip[0] & 0x0f) * 4 + 8:]
        time.sleep(max(0.0, (sec + usec / 1e6 - first) - (time.time() - begun)))
        sender.sendto(payload, ("127.0.0.1", port))
    sender.close()


def record_archive(session):
    """Announces a publisher in `session`, records it and stops: the archive ID."""
    status, stream = api("POST", f"/session/{session}/stream", {"streamId": f"pub-{session}"})
    check(status == 200, f"{session}: publisher announced ({status})")
    status, archive = api("POST", "/archive", {"sessionId": session, "name": session})
    check(status == 200, f"{session}: archive started ({status} {archive})")
    send_capture(stream["port"])
    status, _ = api("POST", f"/archive/{archive['id']}/stop")
    check(status == 200, f"{session}: archive stopped")
    return archive["id"]


def set_target(target):
    status, answer = api("PUT", "/archive/storage", target)
    check(status == 200 and not any(s in json.dumps(answer) for s in SECRETS),
          f"storage target {target['type']} set, its answer has no secret ({status})")


def s3_target(endpoint, fallback="node", secret=S3_SECRET):
    return {"type": "s3", "bucket": "archives", "region": "us-east-1", "endpoint": endpoint, "accessKeyId": S3_KEY,
            "secretAccessKey": secret, "sessionToken": S3_TOKEN, "sse": "AES256", "fallback": fallback}


def verify_object(label, fetched_sha, path):
    result = subprocess.run([BINARY, "verify", path], capture_output=True, text=True)
    check(result.returncode == 0, f"{label}: the uploaded archive, read back by the SDK, passes verify")


def read_back_s3(endpoint, archive_id, label):
    key = f"{KEY}/{archive_id}/archive.zip"
    got = sdk("s3-get", endpoint, "archives", key, env=S3_ENV)
    check("sha256" in got, f"{label}: the AWS SDK finds {key} ({got.get('size')} bytes)")
    path = os.path.join(WORK, archive_id + ".from-store.zip")
    subprocess.run(["node", "-e", f"""
const {{S3Client, GetObjectCommand}} = require("@aws-sdk/client-s3");
new S3Client({{endpoint: "{endpoint}", forcePathStyle: true, region: "us-east-1"}})
  .send(new GetObjectCommand({{Bucket: "archives", Key: "{key}"}}))
  .then(async (o) => require("fs").writeFileSync("{path}", Buffer.from(await o.Body.transformToByteArray())));"""],
                   env={**os.environ, **S3_ENV, "NODE_NO_WARNINGS": "1", "NODE_PATH": os.path.join(os.path.dirname(__file__), "storage",
                                                                           "node_modules")}, check=True)
    verify_object(label, got.get("sha256"), path)


def check_uploaded(archive_id, label):
    ok = wait_for(lambda: "uploaded" in statuses(archive_id))
    seen = statuses(archive_id)
    check(ok and seen[-2:] == ["stopped", "uploaded"] and "available" not in seen,
          f"{label}: callbacks end with stopped, uploaded, never available ({seen})")
    status, record = api("GET", f"/archive/{archive_id}")
    check(record["status"] == "uploaded" and record["url"] is None and record["size"] > 0,
          f"{label}: the archive is uploaded, url null, size {record['size']}")
    check(not os.path.exists(os.path.join(STORAGE, archive_id + ".zip")),
          f"{label}: the node's copy removed once the store confirmed it")


def main():
    require_modules()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Callbacks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    node = start_node()
    try:
        status, _ = api("POST", "/callback", {"url": f"http://127.0.0.1:{server.server_port}/cb"})
        check(status == 200, "callback registered")
        status, _ = api("GET", "/archive/storage")
        check(status == 404, "no storage target at first: 404")
        status, answer = api("PUT", "/archive/storage", {"type": "s3", "bucket": "b"})
        check(status == 400 and "accessKeyId" in answer["message"], f"an incomplete target: 400 naming the field")

        # S3, uploaded.
        _, s3, s3_log, seconds = start_s3(WORK, "s3")
        print(f"s3rver with the SigV4 front started in {seconds:.2f} s")
        set_target(s3_target(s3))
        status, shown = api("GET", "/archive/storage")
        check(status == 200 and shown["bucket"] == "archives" and "secretAccessKey" not in shown,
              "GET shows the target without its secrets")
        first = record_archive("s3-session")
        check_uploaded(first, "S3")
        read_back_s3(s3, first, "S3")
        check(all(r["status"] != 403 for r in requests_of(s3_log)), "S3: every request's SigV4 accepted")

        # Azure, uploaded.
        azure, connection, seconds = start_azurite(WORK)
        print(f"Azurite started in {seconds:.2f} s")
        sdk("azure-create", "archives", env={"AZURE_STORAGE_CONNECTION_STRING": connection})
        set_target({"type": "azure", "accountName": AZURE_ACCOUNT, "accountKey": AZURE_KEY, "container": "archives",
                    "endpoint": azure, "fallback": "none"})
        second = record_archive("azure-session")
        check_uploaded(second, "Azure")
        got = sdk("azure-get", "archives", f"{KEY}/{second}/archive.zip",
                  env={"AZURE_STORAGE_CONNECTION_STRING": connection})
        check(got.get("contentType") == "application/zip" and got.get("size", 0) > 0,
              f"Azure: the Azure SDK reads the blob back ({got.get('size')} bytes)")

        # The store down when the archive stops, up a second later.
        late_port = free_port()
        set_target(s3_target(f"http://127.0.0.1:{late_port}"))
        third = record_archive("late-store")
        time.sleep(1.0)
        check(statuses(third)[-1:] == ["stopped"], "store down: the archive waits, stopped")
        _, late, _, _ = start_s3(WORK, "s3-late", port=late_port)
        check_uploaded(third, "store down then up")
        read_back_s3(late, third, "store down then up")

        # Down for good: fallback node keeps it, fallback none fails it.
        dead = f"http://127.0.0.1:{free_port()}"
        set_target(s3_target(dead, "node"))
        kept = record_archive("dead-node")
        wait_for(lambda: "available" in statuses(kept))
        status, record = api("GET", f"/archive/{kept}")
        check(statuses(kept)[-2:] == ["stopped", "available"] and "upload" in record["reason"]
              and record["url"], f"store down for good, fallback node: available with why ({record['reason'][:120]})")
        status, _ = api("GET", f"/archive/{kept}/download")
        check(status == 200, "fallback node: the archive downloads from the node")
        set_target(s3_target(dead, "none"))
        lost = record_archive("dead-none")
        wait_for(lambda: "failed" in statuses(lost))
        status, record = api("GET", f"/archive/{lost}")
        check(statuses(lost)[-2:] == ["stopped", "failed"] and "fallback" in record["reason"] and
              not os.path.exists(os.path.join(STORAGE, lost + ".zip")),
              "store down for good, fallback none: failed, the node's copy removed")

        # A wrong secret: refused once, not retried.
        set_target(s3_target(s3, "node", secret="not-the-secret"))
        before = len(requests_of(s3_log))
        refused = record_archive("wrong-secret")
        wait_for(lambda: "available" in statuses(refused))
        status, record = api("GET", f"/archive/{refused}")
        tries = [r for r in requests_of(s3_log)[before:] if refused in r["path"]]
        check("SignatureDoesNotMatch" in record["reason"] and len(tries) == 1,
              f"wrong secret: one request, no retry, the reason says so ({len(tries)} requests)")

        # The node killed in the middle of an upload, and started again.
        _, slow, slow_log, _ = start_s3(WORK, "s3-slow", faults="503:4")
        set_target(s3_target(slow))
        interrupted = record_archive("killed-node")
        check(wait_for(lambda: any(r["status"] == 503 for r in requests_of(slow_log)), 10),
              "kill: the upload has started (the store answered 503)")
        node.send_signal(signal.SIGKILL)
        node.wait()
        node = start_node()
        check_uploaded(interrupted, "node killed during the upload")
        puts = [r for r in requests_of(slow_log) if r["method"] == "PUT" and r["status"] == 200]
        check(len(puts) == 1, f"kill: the object was written once ({len(puts)} successful PutObject)")
        read_back_s3(slow, interrupted, "node killed during the upload")

        # No secret in the node's log or state.
        files = [os.path.join(d, f) for d, _, fs in os.walk(STORAGE) for f in fs if not f.endswith(".zip")]
        files.append(os.path.join(WORK, "node.log"))
        leaked = [f for f in files for s in SECRETS if s in open(f, errors="replace").read()]
        check(not leaked, f"no storage secret in the node's log or {len(files) - 1} state files ({leaked})")
        status, _ = api("DELETE", "/archive/storage")
        check(status == 204 and api("GET", "/archive/storage")[0] == 404, "DELETE removes the target")
    finally:
        node.send_signal(signal.SIGTERM)
        node.wait(timeout=60)
        server.shutdown()
        stop_all()
    shutil.rmtree(WORK, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
