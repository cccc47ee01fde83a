#!/usr/bin/env python3
"""End-to-end test of `rtparchive upload` against stores other people wrote,
started here on loopback: s3rver behind a front that checks every request's
Signature V4 with AWS's own signer (tests/e2e/storage/s3_server.js), and
Azurite, Microsoft's Azure Storage emulator, which checks Shared Key itself.
Every uploaded object is read back with the official AWS or Azure SDK and
compared byte for byte. Faults: throttling, a connection reset inside a
multipart part, a part refused for good (the upload must be aborted), the
store down, wrong credentials (no retries), a missing session token or
container. Ceph's RADOS Gateway (one-node cluster in memory) checks the same uploads
against a real S3 implementation. Usage: storage_test.py RTPARCHIVE_BINARY
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from storage_servers import (AZURE_KEY, RGW_KEY, RGW_SECRET, S3_ENV, SECRETS, free_port, start_rgw,  # noqa: E402
                             require_modules, requests_of, sdk, start_azurite, start_s3, stop_all)

BINARY = os.path.abspath(sys.argv[1])
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def upload(path, destination, env, *flags):
    proc = subprocess.run([BINARY, "upload", path, destination, *flags], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=300)
    leaked = [s for s in SECRETS if s in proc.stdout + proc.stderr]
    check(not leaked, f"upload to {destination}: no secret in its output")
    return proc


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest() if hasattr(hashlib, "file_digest") else \
            hashlib.sha256(f.read()).hexdigest()


def s3_cases(work, small, large):
    env = dict(S3_ENV)
    _, endpoint, log, seconds = start_s3(work, "s3")
    print(f"s3rver with the SigV4 front started in {seconds:.2f} s")
    for name, path, parts in (("small", small, 1), ("large", large, 5)):
        key = f"100001/{name}/archive.zip"
        proc = upload(path, f"s3://archives/{key}", env, "--endpoint", endpoint, "--sse", "AES256")
        check(proc.returncode == 0 and f"in {parts} part" in proc.stdout,
              f"S3 {name}: uploaded, {parts} part(s): {proc.stdout.strip()} {proc.stderr.strip()}")
        got = sdk("s3-get", endpoint, "archives", key, env=env)
        check(got.get("sha256") == sha256(path) and got.get("size") == os.path.getsize(path),
              f"S3 {name}: the AWS SDK reads back the same {os.path.getsize(path)} bytes ({got})")
    requests = requests_of(log)
    check(all(r["status"] != 403 for r in requests), "S3: every signature, payload hash and token accepted by AWS's signer")
    kinds = [(r["method"], r["query"].split("&")[0].split("=")[0]) for r in requests]
    check(kinds.count(("PUT", "?partNumber")) == 5 and ("POST", "?uploads") in kinds and
          ("POST", "?uploadId") in kinds, f"S3 large: CreateMultipartUpload, 5 UploadPart, Complete ({len(kinds)} requests)")
    sse = [r for r in requests if r["method"] in ("PUT", "POST") and "partNumber" not in r["query"]
           and "uploadId" not in r["query"]]
    check(all(r["headers"].get("x-amz-server-side-encryption") == "AES256" for r in sse) and sse,
          "S3: --sse AES256 sent (and signed) with PutObject and CreateMultipartUpload")

    # Refusals are not retried and say what to fix.
    before = len(requests_of(log))
    proc = upload(small, "s3://archives/wrong.zip", {**env, "AWS_SECRET_ACCESS_KEY": "not-the-secret"},
                  "--endpoint", endpoint)
    tries = len(requests_of(log)) - before
    check(proc.returncode == 1 and "SignatureDoesNotMatch" in proc.stderr and "AWS_SECRET_ACCESS_KEY" in proc.stderr
          and tries == 1, f"S3 wrong secret: exit 1 after {tries} request, says what to check")
    proc = upload(small, "s3://archives/no-token.zip", {**env, "AWS_SESSION_TOKEN": ""}, "--endpoint", endpoint)
    check(proc.returncode == 1 and "403" in proc.stderr, "S3 missing session token: refused, exit 1")
    proc = upload(small, "s3://archives/x.zip", {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""},
                  "--endpoint", endpoint)
    check(proc.returncode == 1 and "AWS_ACCESS_KEY_ID" in proc.stderr, "S3 without credentials: says which variables")

    # Throttled twice, then a connection reset halfway through part 2.
    _, faulty, fault_log, _ = start_s3(work, "s3-faults", "503:2,reset-part=2:1")
    proc = upload(large, "s3://archives/retried.zip", env, "--endpoint", faulty)
    statuses = [r["status"] for r in requests_of(fault_log)]
    check(proc.returncode == 0 and statuses.count(503) == 2 and statuses.count("reset") == 1,
          f"S3 throttled and reset mid-part: retried and uploaded ({statuses.count(503)} x 503, "
          f"{statuses.count('reset')} reset)")
    got = sdk("s3-get", faulty, "archives", "retried.zip", env=env)
    check(got.get("sha256") == sha256(large), "S3 after retries: the AWS SDK reads back the same bytes")

    # A part refused for good: the multipart upload is aborted.
    _, refusing, refuse_log, _ = start_s3(work, "s3-refuse", "403-part=3:1")
    proc = upload(large, "s3://archives/aborted.zip", env, "--endpoint", refusing)
    aborts = [r for r in requests_of(refuse_log) if r["method"] == "DELETE" and "uploadId" in r["query"]]
    check(proc.returncode == 1 and "AccessDenied" in proc.stderr and len(aborts) == 1 and aborts[0]["status"] == 204,
          f"S3 part refused: exit 1, the upload aborted ({len(aborts)} AbortMultipartUpload, "
          f"{[a['status'] for a in aborts]}): {proc.stderr.strip()}")
    got = sdk("s3-get", refusing, "archives", "aborted.zip", env=env)
    check("error" in got, "S3 part refused: no object left under the key")

    # The store is down.
    down = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    proc = upload(small, "s3://archives/down.zip", env, "--endpoint", down)
    check(proc.returncode == 1 and "could not be reached" in proc.stderr and proc.stderr.count(" of 6 in ") == 5,
          f"S3 down: 6 tries with backoff ({time.monotonic() - started:.1f} s), exit 1: {proc.stderr.strip()}")


def rgw_cases(work, small, large):
    """Ceph's RADOS Gateway: a real S3 implementation checking SigV4 and
    multipart itself, no front in between."""
    endpoint, seconds, attempts = start_rgw(work)
    print(f"RADOS Gateway (one-node Ceph, memstore) started in {seconds:.1f} s ({attempts} attempt(s))")
    env = {"AWS_ACCESS_KEY_ID": RGW_KEY, "AWS_SECRET_ACCESS_KEY": RGW_SECRET, "AWS_SESSION_TOKEN": "",
           "AWS_REGION": "us-east-1"}
    check(sdk("s3-create", endpoint, "archives", env=env).get("created") == "archives", "RGW: bucket made by the AWS SDK")
    for name, path, parts in (("small", small, 1), ("large", large, 5)):
        key = f"100001/{name}/archive.zip"
        proc = upload(path, f"s3://archives/{key}", env, "--endpoint", endpoint)
        check(proc.returncode == 0 and f"in {parts} part" in proc.stdout,
              f"RGW {name}: uploaded, {parts} part(s): {proc.stdout.strip()} {proc.stderr.strip()}")
        got = sdk("s3-get", endpoint, "archives", key, env=env)
        check(got.get("sha256") == sha256(path) and (parts == 1 or got.get("etag", "").endswith(f'-{parts}"')),
              f"RGW {name}: the AWS SDK reads back the same bytes (ETag {got.get('etag')})")
    proc = upload(small, "s3://archives/wrong.zip", {**env, "AWS_SECRET_ACCESS_KEY": "not-the-secret"},
                  "--endpoint", endpoint)
    check(proc.returncode == 1 and "SignatureDoesNotMatch" in proc.stderr, "RGW wrong secret: refused by RGW itself")


def azure_cases(work, small, large):
    endpoint, connection, seconds = start_azurite(work)
    print(f"Azurite started in {seconds:.2f} s")
    env = {"AZURE_STORAGE_CONNECTION_STRING": connection}
    check(sdk("azure-create", "archives", env=env).get("created") == "archives", "Azure: container made by the SDK")
    for name, path, parts in (("small", small, 1), ("large", large, 5)):
        blob = f"100001/{name}/archive.zip"
        proc = upload(path, f"azure://archives/{blob}", env)
        check(proc.returncode == 0 and f"in {parts} part" in proc.stdout,
              f"Azure {name}: uploaded, {parts} part(s): {proc.stdout.strip()} {proc.stderr.strip()}")
        got = sdk("azure-get", "archives", blob, env=env)
        md5 = __import__("base64").b64encode(hashlib.md5(open(path, "rb").read()).digest()).decode()
        check(got.get("sha256") == sha256(path) and got.get("contentMd5") == md5 and
              got.get("contentType") == "application/zip",
              f"Azure {name}: the Azure SDK reads back the same bytes, Content-MD5 and type ({got.get('size')} bytes)")
    wrong = connection.replace(AZURE_KEY, "d3Jvbmcta2V5LWZvci10aGUtZW11bGF0b3I=")
    proc = upload(small, "azure://archives/wrong.zip", {"AZURE_STORAGE_CONNECTION_STRING": wrong})
    check(proc.returncode == 1 and "403" in proc.stderr and "AccountKey" in proc.stderr,
          "Azure wrong key: refused (Shared Key checked by Azurite), exit 1, says what to check")
    proc = upload(small, "azure://missing/x.zip", env)
    check(proc.returncode == 1 and "container does not exist" in proc.stderr, "Azure missing container: says so")
    proc = upload(small, "azure://archives/x.zip", {"AZURE_STORAGE_CONNECTION_STRING": ""})
    check(proc.returncode == 1 and "AZURE_STORAGE_CONNECTION_STRING" in proc.stderr, "Azure without a connection string: says so")


def main():
    require_modules()
    work = tempfile.mkdtemp(prefix="rtparchive-storage-")
    try:
        small = os.path.join(work, "archive.zip")
        capture = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata", "captures",
                               "vp8-clean.pcap")
        subprocess.run([BINARY, "replay", capture, "-o", small, "--quiet"], check=True)
        large = os.path.join(work, "large.zip")  # over the 64 MiB multipart threshold: 5 parts of 16 MiB
        with open(large, "wb") as f:
            f.write(os.urandom(70 << 20))
        check(upload(small, "gs://b/k", {}).returncode == 2, "an unknown destination scheme: exit 2")
        s3_cases(work, small, large)
        rgw_cases(work, small, large)
        azure_cases(work, small, large)
    finally:
        stop_all()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
