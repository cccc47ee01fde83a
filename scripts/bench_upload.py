#!/usr/bin/env python3
"""Upload throughput of a 1 GiB archive-sized file to a loopback S3 store
(s3rver behind the SigV4-checking front of tests/e2e/storage), side by
side with `curl -T` of the same file to the same store, signed by curl's
own --aws-sigv4 with the payload's SHA-256 computed beforehand (untimed);
rounds alternate the two. rtparchive's time includes its hashing, its
multipart upload (16 MiB parts, 4 at once) and the store's confirmation.
The same pair against Ceph's RADOS Gateway (a C++ S3 server, one-node
cluster in memory). Also times `rtparchive upload` to Azurite. Prints
medians and the ratios.

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
from storage_servers import (RGW_KEY, RGW_SECRET, S3_ENV, S3_KEY, S3_SECRET, S3_TOKEN,  # noqa: E402
                             require_modules, sdk, start_azurite, start_rgw, start_s3, stop_all)

BINARY = os.path.abspath(sys.argv[1])
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
MIB = int(sys.argv[3]) if len(sys.argv) > 3 else 1024


def timed(args, env=None):
    started = time.monotonic()
    proc = subprocess.run(args, capture_output=True, text=True, env={**os.environ, **(env or {})})
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
        _, endpoint, _, _ = start_s3(work, "s3")
        azure, connection, _ = start_azurite(work)
        sdk("azure-create", "archives", env={"AZURE_STORAGE_CONNECTION_STRING": connection})
        rgw, _, _ = start_rgw(work)
        rgw_env = {"AWS_ACCESS_KEY_ID": RGW_KEY, "AWS_SECRET_ACCESS_KEY": RGW_SECRET, "AWS_SESSION_TOKEN": ""}
        sdk("s3-create", rgw, "archives", env=rgw_env)
        ours, curls, azures, rgw_ours, rgw_curls = [], [], [], [], []
        for round_index in range(ROUNDS):
            runs = [("rtparchive", lambda i=round_index: ours.append(timed(
                        [BINARY, "upload", path, f"s3://archives/ours-{i}.zip", "--endpoint", endpoint,
                         "--noprogress"], S3_ENV))),
                    ("curl", lambda i=round_index: curls.append(timed(
                        ["curl", "-sS", "-f", "-T", path, "--aws-sigv4", "aws:amz:us-east-1:s3",
                         "--user", f"{S3_KEY}:{S3_SECRET}", "-H", f"x-amz-content-sha256: {sha256}",
                         "-H", f"x-amz-security-token: {S3_TOKEN}", f"{endpoint}/archives/curl-{i}.zip"])))]
            if round_index % 2:
                runs.reverse()
            for _, run in runs:
                run()
            rgw_runs = [lambda i=round_index: rgw_ours.append(timed(
                            [BINARY, "upload", path, f"s3://archives/ours-{i}.zip", "--endpoint", rgw, "--noprogress"],
                            rgw_env)),
                        lambda i=round_index: rgw_curls.append(timed(
                            ["curl", "-sS", "-f", "-T", path, "--aws-sigv4", "aws:amz:us-east-1:s3",
                             "--user", f"{RGW_KEY}:{RGW_SECRET}", "-H", f"x-amz-content-sha256: {sha256}",
                             f"{rgw}/archives/curl-{i}.zip"]))]
            for run in (rgw_runs if round_index % 2 == 0 else reversed(rgw_runs)):
                run()
            azures.append(timed([BINARY, "upload", path, f"azure://archives/ours-{round_index}.zip", "--noprogress"],
                                {"AZURE_STORAGE_CONNECTION_STRING": connection}))
        mb = MIB * 1.048576
        ours_s, curl_s, azure_s = statistics.median(ours), statistics.median(curls), statistics.median(azures)
        print(f"upload of {MIB} MiB, median of {ROUNDS} rounds:")
        print(f"  rtparchive upload -> s3rver+SigV4 front: {ours_s:.2f} s ({mb / ours_s:.0f} MB/s), runs {ours}")
        print(f"  curl -T           -> same store:        {curl_s:.2f} s ({mb / curl_s:.0f} MB/s), runs {curls}")
        print(f"  ratio rtparchive / curl: {ours_s / curl_s:.2f}")
        rgw_s, rgw_curl_s = statistics.median(rgw_ours), statistics.median(rgw_curls)
        print(f"  rtparchive upload -> RADOS Gateway: {rgw_s:.2f} s ({mb / rgw_s:.0f} MB/s), runs {rgw_ours}")
        print(f"  curl -T           -> RADOS Gateway: {rgw_curl_s:.2f} s ({mb / rgw_curl_s:.0f} MB/s), runs {rgw_curls}")
        print(f"  ratio rtparchive / curl on RGW: {rgw_s / rgw_curl_s:.2f}")
        print(f"  rtparchive upload -> Azurite: {azure_s:.2f} s ({mb / azure_s:.0f} MB/s)")
    finally:
        stop_all()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
