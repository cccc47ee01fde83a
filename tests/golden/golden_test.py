#!/usr/bin/env python3
"""Golden-file regression suite: replays every case in testdata/cases/ and
compares the manifest and, per media file, a digest listing (stream, time,
keyframe flag, size and MD5 of every frame, read back by ffprobe) with the
expected files in the case's expected/ folder. Shows a unified diff on a
mismatch. Expectations change only through scripts/update-golden.sh
(--update); a test run never writes them.

Usage: golden_test.py RTPARCHIVE_BINARY TESTDATA_DIR [--update]
"""
import difflib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import ffprobe_tools  # noqa: E402

BINARY, TESTDATA = sys.argv[1], sys.argv[2]
UPDATE = "--update" in sys.argv[3:]


def digest(path):
    """One line per frame: stream index, pts in ms, K for keyframes, size, MD5."""
    lines = []
    for fields, data in ffprobe_tools.packets(path):
        pts_ms = round(float(fields["pts_time"]) * 1000)
        keyframe = "K" if "K" in fields.get("flags", "") else "_"
        lines.append(f"{fields['stream_index']} {pts_ms} {keyframe} {fields['size']} {hashlib.md5(data).hexdigest()}")
    return "\n".join(lines) + "\n"


def run_case(case_dir, work):
    case = json.load(open(os.path.join(case_dir, "case.json")))
    out = os.path.join(work, os.path.basename(case_dir) + ".zip")
    args = [BINARY, "replay", os.path.join(case_dir, case["capture"]), "-o", out, "--quiet"]
    for flag in ("session", "events", "sdp"):
        if flag in case:
            args += ["--" + flag, os.path.join(case_dir, case[flag])]
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode != 0:
        return {"replay failed": proc.stderr}
    results = {}
    folder = os.path.join(work, os.path.basename(case_dir))
    with zipfile.ZipFile(out) as archive:
        archive.extractall(folder)
        for name in archive.namelist():
            if name.endswith(".json"):
                results["manifest.json"] = archive.read(name).decode()
            else:
                results[name + ".digest"] = digest(os.path.join(folder, name))
    return results


def main():
    cases_root = os.path.join(TESTDATA, "cases")
    work = tempfile.mkdtemp(prefix="rtparchive-golden-")
    passed, failed = 0, 0
    for name in sorted(os.listdir(cases_root)):
        case_dir = os.path.join(cases_root, name)
        if not os.path.isfile(os.path.join(case_dir, "case.json")):
            continue
        results = run_case(case_dir, work)
        expected_dir = os.path.join(case_dir, "expected")
        if UPDATE:
            shutil.rmtree(expected_dir, ignore_errors=True)
            os.makedirs(expected_dir)
            for file, text in results.items():
                open(os.path.join(expected_dir, file), "w").write(text)
            print(f"updated {name}: {', '.join(sorted(results))}")
            continue
        expected = {f: open(os.path.join(expected_dir, f)).read() for f in sorted(os.listdir(expected_dir))} \
            if os.path.isdir(expected_dir) else {}
        problems = []
        for file in sorted(set(expected) | set(results)):
            if file not in results:
                problems.append(f"{file}: expected, not produced")
            elif file not in expected:
                problems.append(f"{file}: produced, not expected\n{results[file][:2000]}")
            elif results[file] != expected[file]:
                diff = difflib.unified_diff(expected[file].splitlines(), results[file].splitlines(),
                                            f"expected/{file}", f"replayed/{file}", lineterm="", n=2)
                problems.append("\n".join(list(diff)[:60]))
        if problems:
            failed += 1
            print(f"FAIL {name}:\n" + "\n".join(problems))
        else:
            passed += 1
            print(f"ok   {name}")
    if not UPDATE:
        print(f"{passed} passed, {failed} failed")
    if not failed:
        shutil.rmtree(work, ignore_errors=True)  # kept for a look when a case failed
    return 1 if failed else 0


sys.exit(main())
