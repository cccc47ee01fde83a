#!/usr/bin/env python3
"""Reads packets back with ffprobe (-show_packets -show_data): an independent
reader of our archives and of encoder output, shared by the e2e test, the
golden suite and scripts/make-testdata.sh."""
import subprocess


def packets(path, stream=None, fmt=None):
    """[(fields, data)] for each packet: ffprobe's key=value fields and bytes."""
    args = ["ffprobe", "-v", "error"] + (["-f", fmt] if fmt else []) + ["-i", path]
    if stream:
        args += ["-select_streams", stream]
    text = subprocess.run(args + ["-show_packets", "-show_data"], capture_output=True, text=True,
                          check=True).stdout
    result = []
    for block in text.split("[PACKET]")[1:]:
        head, _, hexdump = block.partition("data=")
        fields = dict(line.split("=", 1) for line in head.strip().splitlines() if "=" in line)
        hexdump = hexdump.split("[/PACKET]")[0]
        # Lines look like "00000000: 0000 0001 6742 ...  ....gB..": 8 groups after the offset.
        data = bytes.fromhex("".join(line[10:49].replace(" ", "") for line in hexdump.strip().splitlines()))
        result.append((fields, data))
    return result


def width(path):
    """The width of the first video stream, as ffprobe reads it."""
    return int(subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width",
                               "-of", "csv=p=0", path], capture_output=True, text=True, check=True).stdout.strip())
