#!/usr/bin/env python3
"""Upload throughput of a 1 GiB archive-sized file to a loopback S3 store,
Ceph's RADOS Gateway (a C++ S3 server; one-node cluster in memory), side by
side with `curl -T` of the same file to the same store, signed by curl's
own --aws-sigv4 with the payload's SHA-256 computed beforehand (untimed);
rounds alternate which goes first. rtparchive's time includes its hashing
(SHA-256 and MD5 of every part), its multipart upload (16 MiB parts, 4 at
once) and the store's confirmation (HEAD). Also times `rtparchive upload`
to Azurite. (s3rver, behind the tests' SigV4 front, buffers whole requests
in Node.js and is left out: it measures the front, not the upload.)

Usage: bench_upload.py RTPARCHIVE_BINARY [ROUNDS] [MIB]
"""
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from storage_servers import (RGW_KEY, RGW_SECRET, require_modules, sdk, start_azurite,  # noqa: E402
                             start_rgw, stop_all)

BINARY = os.path.abspath(sys.argv[1])
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
MIB = int(sys.argv[3]) if len(sys.argv) > 3 else 1024


def timed(args, env=None):
    started = time.monotonic()
    proc = subprocess.run(args, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=900)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"{args[0]} failed: {proc.stderr[-500:]}")
    return elapsed


def main():
    require_modules()
    work = tempfile.mkdtemp(prefix="rtparchive-bench-upload-")
    try:
        path = os.path.join(work, "archive.zip")
        with open(path, "wb") as f:
            for _ in range(MIB):
                f.write(os.urandom(1 << 20))
        sha256 = hashlib.sha256(open(path, "rb").read()).hexdigest()
        rgw, _, _ = start_rgw(work, memory_gib=2 * MIB * ROUNDS // 1024 + 2)
        env = {"AWS_ACCESS_KEY_ID": RGW_KEY, "AWS_SECRET_ACCESS_KEY": RGW_SECRET, "AWS_SESSION_TOKEN": ""}
        sdk("s3-create", rgw, "archives", env=env)
        _, connection, _ = start_azurite(work)
        sdk("azure-create", "archives", env={"AZURE_STORAGE_CONNECTION_STRING": connection})
        ours, curls, azures = [], [], []
        for index in range(ROUNDS):
            runs = [lambda i=index: ours.append(timed(
                        [BINARY, "upload", path, f"s3://archives/ours-{i}.zip", "--endpoint", rgw, "--noprogress"], env)),
                    lambda i=index: curls.append(timed(
                        ["curl", "-sS", "-f", "--max-time", "600", "-T", path, "--aws-sigv4", "aws:amz:us-east-1:s3",
                         "--user", f"{RGW_KEY}:{RGW_SECRET}", "-H", f"x-amz-content-sha256: {sha256}",
                         f"{rgw}/archives/curl-{i}.zip"]))]
            for run in (runs if index % 2 == 0 else reversed(runs)):
                run()
            azures.append(timed([BINARY, "upload", path, f"azure://archives/ours-{index}.zip", "--noprogress"],
                                {"AZURE_STORAGE_CONNECTION_STRING": connection}))
        mb = MIB * 1.048576
        ours_s, curl_s, azure_s = (statistics.median(x) for x in (ours, curls, azures))
        print(f"upload of {MIB} MiB, median of {ROUNDS} rounds:")
        print(f"  rtparchive upload -> RADOS Gateway: {ours_s:.2f} s ({mb / ours_s:.0f} MB/s); runs "
              + ", ".join(f"{t:.2f}" for t in ours))
        print(f"  curl -T           -> RADOS Gateway: {curl_s:.2f} s ({mb / curl_s:.0f} MB/s); runs "
              + ", ".join(f"{t:.2f}" for t in curls))
        print(f"  ratio rtparchive / curl: {ours_s / curl_s:.2f}")
        print(f"  rtparchive upload -> Azurite: {azure_s:.2f} s ({mb / azure_s:.0f} MB/s)")
    finally:
        stop_all()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
