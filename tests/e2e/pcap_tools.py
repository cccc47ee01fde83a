#!/usr/bin/env python3
"""Small tools over classic pcap files of Ethernet/IPv4/UDP (as the corpus
writes them), for tests that damage or transform third-party captures.

As a script (run by scripts/make-testdata.sh):
    pcap_tools.py rtp-to-pcap STREAM.rtp OUT.pcap
turns GStreamer's RFC 4571 framed RTP into a pcap, and
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


def udp_frame(source, destination, payload):
    """An Ethernet/IPv4/UDP frame; source and destination are (ip, port)."""
    udp = struct.pack("!HHHH", source[1], destination[1], 8 + len(payload), 0) + payload
    addresses = bytes(int(x) for x in source[0].split(".")) + bytes(int(x) for x in destination[0].split("."))
    ip = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0) + addresses
    checksum = sum(struct.unpack("!10H", ip))
    checksum = (checksum >> 16) + (checksum & 0xffff)
    ip = ip[:10] + struct.pack("!H", ~(checksum + (checksum >> 16)) & 0xffff) + ip[12:]
    return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + udp


def rtp_stream_to_pcap(rtp_stream, target, start_ms=1700000000000, clock_rate=90000):
    """Turns RTP packets framed as RFC 4571 (GStreamer's rtpstreampay) into a
    pcap, each packet arriving at its RTP time (plus 1 ms per packet of a frame)."""
    data, packets, pos = open(rtp_stream, "rb").read(), [], 0
    while pos + 2 <= len(data):
        size = struct.unpack_from("!H", data, pos)[0]
        packets.append(data[pos + 2:pos + 2 + size])
        pos += 2 + size
    first_ts = struct.unpack_from("!I", packets[0], 4)[0]
    records, last_us = [], 0
    for packet in packets:
        ts = struct.unpack_from("!I", packet, 4)[0]
        us = max(start_ms * 1000 + ((ts - first_ts) & 0xffffffff) * 1_000_000 // clock_rate, last_us + 1000)
        last_us = us
        frame = udp_frame(("192.0.2.20", 50100), ("198.51.100.1", 40100), packet)
        records.append((us // 1_000_000, us % 1_000_000, frame))
    header = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
    write_pcap(target, header, records)


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


def repeat(capture, target, times):
    """The capture's RTP played `times` times in a row, as one long call:
    arrival times, sequence numbers and RTP timestamps continue across the
    joins (RTCP is left out, so tracks run on arrival time)."""
    header, records = read_pcap(capture)
    media = [(sec, usec, frame) for sec, usec, frame in records if not is_rtcp(frame[42:])]
    start = media[0][0] * 1_000_000 + media[0][1]
    span_us = media[-1][0] * 1_000_000 + media[-1][1] - start + 20_000
    first, last = {}, {}  # per SSRC: (seq, ts) of the first and last packet
    for _, _, frame in media:
        seq, ts, ssrc = struct.unpack_from("!HII", frame, 42 + 2)
        first.setdefault(ssrc, (seq, ts))
        last[ssrc] = (seq, ts)
    rates = {}
    for ssrc in first:
        rates[ssrc] = 90000 if (last[ssrc][1] - first[ssrc][1]) * 1e6 / span_us > 60000 else 48000
    with open(target, "wb") as out:
        out.write(header)
        for k in range(times):
            for sec, usec, frame in media:
                payload = bytearray(frame[42:])
                seq, ts, ssrc = struct.unpack_from("!HII", payload, 2)
                seq_step = (last[ssrc][0] - first[ssrc][0] + 1) & 0xffff
                ts_step = span_us * rates[ssrc] // 1_000_000
                struct.pack_into("!HI", payload, 2, (seq + k * seq_step) & 0xffff, (ts + k * ts_step) & 0xffffffff)
                t = sec * 1_000_000 + usec + k * span_us
                data = udp_frame_like(frame, bytes(payload))
                out.write(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(data), len(data)) + data)


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "rtp-to-pcap":
    rtp_stream_to_pcap(sys.argv[2], sys.argv[3])
elif __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "derive":
    folder = sys.argv[2]
    source = os.path.join(folder, "av-sync.pcap")
    wrap(source, os.path.join(folder, "av-sync-wrapped.pcap"))
    mute(source, os.path.join(folder, "av-sync-muted.pcap"))
    print("derived av-sync-wrapped.pcap and av-sync-muted.pcap from av-sync.pcap")
