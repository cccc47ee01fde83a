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


def start(args, env=None, port=None):
    """(process, seconds until its port answered)."""
    started = time.monotonic()
    process = subprocess.Popen(args, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    processes.append(process)
    if port is not None and not wait_for_port(port):
        raise SystemExit(f"{args[1]} did not start on port {port}")
    return process, time.monotonic() - started


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
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
