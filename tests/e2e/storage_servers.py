"""Stores for the upload tests, started on loopback and stopped by process
group: s3rver behind the SigV4-checking front (storage/s3_server.js) and
Azurite; and the official SDKs that read objects back (storage/sdk_check.js).
"""
import json
import os
import signal
import socket
import subprocess
import time
import uuid

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "storage")
MODULES = os.path.join(HERE, "node_modules")
S3_KEY, S3_SECRET, S3_TOKEN = "S3RVER", "rtparchive-test-secret-3f9a", "rtparchive-session-token-77"
AZURE_ACCOUNT = "devstoreaccount1"
AZURE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
SECRETS = [S3_SECRET, S3_TOKEN, AZURE_KEY]
S3_ENV = {"AWS_ACCESS_KEY_ID": S3_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET, "AWS_SESSION_TOKEN": S3_TOKEN,
          "AWS_REGION": "us-east-1"}
processes = []


def require_modules():
    if not os.path.isdir(MODULES):
        raise SystemExit(f"run: npm ci --prefix {HERE}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def start(args, env=None, port=None, seconds=30):
    """(process, seconds until its port answered)."""
    started = time.monotonic()
    process = subprocess.Popen(args, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    processes.append(process)
    if port is not None and not wait_for_port(port, seconds):
        raise SystemExit(f"{args[0]} did not start on port {port}")
    return process, time.monotonic() - started


def stop(process):
    if process.poll() is None:
        # Ceph's daemons keep nothing worth a clean stop here (all in memory).
        os.killpg(process.pid, signal.SIGKILL if process.args[0] in CEPH_DAEMONS else signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # radosgw may not heed SIGTERM at once
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def stop_all():
    for process in processes:
        stop(process)


def start_s3(work, name, faults="", port=None):
    """(process, endpoint URL, request log path, start seconds)."""
    port = port or free_port()
    data = os.path.join(work, name)
    os.makedirs(data, exist_ok=True)
    log = os.path.join(work, name + ".log")
    open(log, "a").close()
    process, seconds = start(["node", os.path.join(HERE, "s3_server.js"), str(port), data, log],
                             {"S3_ACCESS_KEY": S3_KEY, "S3_SECRET_KEY": S3_SECRET, "S3_SESSION_TOKEN": S3_TOKEN,
                              "S3_BUCKETS": "archives", "S3_FAULTS": faults, "NODE_PATH": MODULES}, port)
    return process, f"http://127.0.0.1:{port}", log, seconds


def start_azurite(work):
    """(endpoint URL with the account, connection string, start seconds)."""
    port = free_port()
    location = os.path.join(work, "azurite")
    os.makedirs(location, exist_ok=True)
    _, seconds = start([os.path.join(MODULES, ".bin", "azurite-blob"), "--disableTelemetry", "--blobHost",
                        "127.0.0.1", "--blobPort", str(port), "--location", location, "--silent"], port=port)
    endpoint = f"http://127.0.0.1:{port}/{AZURE_ACCOUNT}"
    connection = (f"DefaultEndpointsProtocol=http;AccountName={AZURE_ACCOUNT};AccountKey={AZURE_KEY};"
                  f"BlobEndpoint={endpoint};")
    return endpoint, connection, seconds


def requests_of(log):
    return [json.loads(line) for line in open(log) if line.strip()]


def sdk(command, *args, env):
    """What the official SDK reads: {"size", "sha256", ...} or {"error"}."""
    proc = subprocess.run(["node", os.path.join(HERE, "sdk_check.js"), command, *args], capture_output=True,
                          text=True, env={**os.environ, "NODE_PATH": MODULES, "NODE_NO_WARNINGS": "1", **env},
                          timeout=120)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip()}
    return json.loads(proc.stdout)


RGW_KEY, RGW_SECRET = "RGWTESTKEY", "rgw-test-secret-5c1e"
CEPH_DAEMONS = ("ceph-mon", "ceph-osd", "radosgw")


def start_rgw(work, attempts=3, memory_gib=2):
    """Ceph's RADOS Gateway on a one-node cluster kept in memory (one
    monitor, one memstore OSD, no cephx), every daemon in the foreground in
    its own process group: a real S3 implementation that checks SigV4 and
    multipart itself. (endpoint URL, start seconds, attempts) once a user
    exists. Should a daemon not come up, the cluster is made again, at
    most `attempts` times. The OSD holds at most `memory_gib` of objects
    (RGW frees deleted ones later, by its garbage collector)."""
    started = time.monotonic()
    for attempt in range(1, attempts + 1):
        first_process = len(processes)
        try:
            endpoint = _start_rgw_once(os.path.join(work, f"ceph-{attempt}"), memory_gib)
            return endpoint, time.monotonic() - started, attempt
        except (SystemExit, subprocess.SubprocessError) as error:
            for process in processes[first_process:]:
                stop(process)
            if attempt == attempts:
                raise SystemExit(f"the RADOS Gateway did not start in {attempts} attempts: {error}")


def _start_rgw_once(folder, memory_gib):
    for sub in ("mon", "osd/ceph-0", "run", "log"):
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
    fsid, osd_uuid = str(uuid.uuid4()), str(uuid.uuid4())
    mon_port, rgw_port = free_port(), free_port()
    conf = os.path.join(folder, "ceph.conf")
    with open(conf, "w") as f:
        f.write(f"""[global]
fsid = {fsid}
mon host = v1:127.0.0.1:{mon_port}
mon initial members = a
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
ms bind ipv4 = true
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd objectstore = memstore
# At start the OSD would ask the monitor to place it in the CRUSH map, and
# can ask before it knows the cluster's fsid ("wrong fsid": it never comes
# up). It is placed before it starts instead.
osd crush update on start = false
osd class update on start = false
memstore device bytes = {memory_gib << 30}
osd max object name len = 460
osd max object namespace len = 64
osd pool default pg num = 8
mon max pg per osd = 1000
public network = 127.0.0.0/8
run dir = {folder}/run
log file = {folder}/log/$name.log
admin socket = {folder}/run/$name.asok
mon data = {folder}/mon/$cluster-$id
osd data = {folder}/osd/$cluster-$id
[client.rgw.test]
rgw frontends = beast endpoint=127.0.0.1:{rgw_port}
""")
    c = ["-c", conf]
    quiet = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "timeout": 60,
             "check": True}
    # --addv with v1: a port other than 6789 would be taken for msgr2.
    subprocess.run(["monmaptool", "--create", "--addv", "a", f"[v1:127.0.0.1:{mon_port}]", "--fsid", fsid,
                    os.path.join(folder, "monmap")], **quiet)
    subprocess.run(["ceph-mon", *c, "--mkfs", "-i", "a", "--monmap", os.path.join(folder, "monmap")], **quiet)
    start(["ceph-mon", *c, "-f", "-i", "a"], port=mon_port)
    subprocess.run(["ceph", *c, "osd", "create", osd_uuid], **quiet)
    for command in (["osd", "crush", "add-bucket", "node", "host"], ["osd", "crush", "move", "node", "root=default"],
                    ["osd", "crush", "add", "osd.0", "1.0", "host=node"]):
        subprocess.run(["ceph", *c, *command], **quiet)
    subprocess.run(["ceph-osd", *c, "-i", "0", "--mkfs", "--osd-uuid", osd_uuid], **quiet)
    start(["ceph-osd", *c, "-f", "-i", "0"])
    start(["radosgw", *c, "-f", "-n", "client.rgw.test"], port=rgw_port, seconds=20)
    subprocess.run(["radosgw-admin", *c, "user", "create", "--uid", "test", "--display-name", "test",
                    "--access-key", RGW_KEY, "--secret", RGW_SECRET], **quiet)
    return f"http://127.0.0.1:{rgw_port}"
