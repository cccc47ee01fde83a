#!/usr/bin/env python3
"""Checks the source tree's shape (scripts/test.sh runs it; exit 1 on a fault):

1. Layers: a src/ folder includes only itself, the folders below it (as
   CMakeLists.txt links them) and the public headers it may use; include/
   includes only Abseil, the standard library and itself. An include
   against the data flow fails here before it becomes a cycle.
2. Size: a source file over 400 lines says why at its top, in a comment
   that starts "Over 400 lines:" within its first 10 lines.

Usage: check_layout.py [SOURCE_ROOT]
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

# Folder -> the src/ folders it may include (itself always). Mirrors the DEPS
# of each library in CMakeLists.txt.
BELOW = {
    "base": [],
    "ingest": ["base"],
    "rtp": ["base"],
    "reorder": ["base"],
    "codec": ["base"],
    "sdp": ["base"],
    "timing": ["base"],
    "storage": ["base"],
    "http": ["base"],
    "srtp": ["base"],
    "webrtc": ["base", "srtp"],
    "container": ["base", "codec"],
    "archive": ["base", "rtp", "reorder", "codec", "sdp", "timing", "container"],
    "replay": ["base", "ingest", "rtp", "reorder", "codec", "sdp", "timing", "container", "archive",
               "srtp", "webrtc"],
    "inspect": ["base", "rtp", "reorder", "codec", "sdp", "timing", "container", "archive"],
    "node": ["base", "rtp", "reorder", "codec", "sdp", "timing", "container", "archive", "storage",
             "http", "srtp", "webrtc"],
    "cli": ["base", "ingest", "rtp", "reorder", "codec", "sdp", "timing", "container", "archive",
            "replay", "inspect", "node", "storage", "http", "srtp", "webrtc"],
}
# Public headers: the vocabulary every stage may use, and the ones only the
# stages at and above archive/ may (they declare the Archive API).
VOCABULARY = {"rtparchive/media.h"}
ARCHIVE_API_USERS = {"archive", "replay", "inspect", "node", "cli"}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
SOURCE_SUFFIXES = (".cc", ".h", ".py", ".sh", ".in")
SIZE_LIMIT = 400


def check_layers(faults):
    src = os.path.join(ROOT, "src")
    for folder in sorted(os.listdir(src)):
        path = os.path.join(src, folder)
        if not os.path.isdir(path):
            continue
        if folder not in BELOW:
            faults.append(f"src/{folder}/: a folder check_layout.py does not know; add it to BELOW")
            continue
        allowed = set(BELOW[folder]) | {folder}
        for name in sorted(os.listdir(path)):
            for number, line in enumerate(open(os.path.join(path, name), errors="replace"), 1):
                match = INCLUDE.match(line)
                if not match:
                    continue
                target = match.group(1)
                top = target.split("/")[0]
                where = f"src/{folder}/{name}:{number}"
                if top == "rtparchive":
                    if target not in VOCABULARY and folder not in ARCHIVE_API_USERS:
                        faults.append(f"{where}: {target} is the Archive API; src/{folder}/ is below archive/"
                                      f" (use {', '.join(sorted(VOCABULARY))})")
                elif top in BELOW and top not in allowed:
                    faults.append(f"{where}: includes {target}, but src/{folder}/ may include only"
                                  f" {', '.join(sorted(allowed))}")
    include = os.path.join(ROOT, "include", "rtparchive")
    for name in sorted(os.listdir(include)):
        for number, line in enumerate(open(os.path.join(include, name)), 1):
            match = INCLUDE.match(line)
            if match and not match.group(1).startswith(("absl/", "rtparchive/")):
                faults.append(f"include/rtparchive/{name}:{number}: a public header includes {match.group(1)}")


def check_sizes(faults):
    for top in ("src", "include", "tests", "bench", "examples", "scripts", "cmake"):
        for folder, dirs, files in os.walk(os.path.join(ROOT, top)):
            dirs[:] = [d for d in dirs if d not in ("node_modules", "corpora")]
            for name in files:
                if not name.endswith(SOURCE_SUFFIXES):
                    continue
                path = os.path.join(folder, name)
                lines = open(path, errors="replace").read().splitlines()
                if len(lines) > SIZE_LIMIT and not any("Over 400 lines:" in line for line in lines[:10]):
                    faults.append(f"{os.path.relpath(path, ROOT)}: {len(lines)} lines and no"
                                  f" 'Over 400 lines:' reason in its first 10 lines; split it or say why")


def main():
    faults = []
    check_layers(faults)
    check_sizes(faults)
    for fault in faults:
        print(fault)
    print(f"check_layout: {len(faults)} fault(s)")
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main())
