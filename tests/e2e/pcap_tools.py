#!/usr/bin/env python3
"""Small tools over classic pcap files of Ethernet/IPv4/UDP (as the corpus
writes them), for tests that damage or transform third-party captures.

As a script, derives the bundled captures that a transformation makes from
a corpus capture (run by scripts/make-testdata.sh):
    pcap_tools.py derive CAPTURES_DIR
writes av-sync-wrapped.pcap (sequence numbers and RTP timestamps wrap
mid-capture) and av-sync-muted.pcap (the audio sender stops for 1 s).
"""
import json
import os
import struct
import sys


def read_pcap(path):
    data = open(path, "rb").read()
    header, records, pos = data[:24], [], 24
    while pos + 16 <= len(data):
        sec, usec, incl, _ = struct.unpack_from("<IIII", data, pos)
        records.append((sec, usec, data[pos + 16:pos + 16 + incl]))
        pos += 16 + incl
    return header, records


def write_pcap(path, header, records):
    with open(path, "wb") as f:
        f.write(header)
        for sec, usec, frame in records:
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)


def udp_frame_like(template, payload):
    """An Ethernet/IPv4/UDP frame with the template's addresses and `payload`."""
    eth, ip = template[:14], bytearray(template[14:34])
    udp = bytearray(template[34:42])
    struct.pack_into("!H", ip, 2, 20 + 8 + len(payload))
    struct.pack_into("!H", udp, 4, 8 + len(payload))
    return bytes(eth) + bytes(ip) + bytes(udp) + payload


def rtp_rewrite(records, rewrite):
    """Applies rewrite(bytearray udp_payload) -> payload or None (drop) to each record."""
    out = []
    for sec, usec, frame in records:
        payload = rewrite(bytearray(frame[42:]))
        if payload is not None:
            out.append((sec, usec, udp_frame_like(frame, bytes(payload))))
    return out


def is_rtcp(payload):
    return 192 <= payload[1] <= 223  # RFC 5761


def wrap(capture, target, seq_shift=65536 - 60):
    """Shifts sequence numbers to wrap after 60 packets of each SSRC and RTP
    timestamps (and the sender reports' RTP times) to wrap 1 s in."""
    header, records = read_pcap(capture)
    side = json.load(open(capture.replace(".pcap", ".json")))
    rates = {seg[k]["ssrc"]: seg[k]["clock_rate"] for st in side["streams"] for seg in st["segments"]
             for k in ("video", "audio") if k in seg}
    ts_shift = {ssrc: 2**32 - rate for ssrc, rate in rates.items()}

    def shift(payload):
        if is_rtcp(payload):
            if payload[1] == 200:  # a compound starts with the SR
                ssrc, rtp_ts = struct.unpack_from("!I", payload, 4)[0], struct.unpack_from("!I", payload, 16)[0]
                struct.pack_into("!I", payload, 16, (rtp_ts + ts_shift[ssrc]) & 0xffffffff)
            return payload
        seq, ts, ssrc = struct.unpack_from("!HII", payload, 2)
        struct.pack_into("!HI", payload, 2, (seq + seq_shift) & 0xffff, (ts + ts_shift[ssrc]) & 0xffffffff)
        return payload

    write_pcap(target, header, rtp_rewrite(records, shift))


def mute(capture, target, kind="audio", from_s=1.5, to_s=2.5):
    """The `kind` sender sends nothing between from_s and to_s: its packets
    there are removed and later sequence numbers close up, as a real mute."""
    header, records = read_pcap(capture)
    side = json.load(open(capture.replace(".pcap", ".json")))
    ssrc = side["streams"][0]["segments"][0][kind]["ssrc"]
    start_us = side["capture_start_ms"] * 1000
    muted, kept = 0, []
    for sec, usec, frame in records:
        payload = bytearray(frame[42:])
        if not is_rtcp(payload) and struct.unpack_from("!I", payload, 8)[0] == ssrc:
            t = sec * 1_000_000 + usec - start_us
            if from_s * 1e6 <= t < to_s * 1e6:
                muted += 1
                continue
            seq = struct.unpack_from("!H", payload, 2)[0]
            struct.pack_into("!H", payload, 2, (seq - muted) & 0xffff)
            frame = udp_frame_like(frame, bytes(payload))
        kept.append((sec, usec, frame))
    write_pcap(target, header, kept)


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "derive":
    folder = sys.argv[2]
    source = os.path.join(folder, "av-sync.pcap")
    wrap(source, os.path.join(folder, "av-sync-wrapped.pcap"))
    mute(source, os.path.join(folder, "av-sync-muted.pcap"))
    print("derived av-sync-wrapped.pcap and av-sync-muted.pcap from av-sync.pcap")
