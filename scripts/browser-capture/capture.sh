#!/usr/bin/env bash
# capture.sh — record real browser WebRTC RTP (unencrypted) into a pcap.
#
# Usage: capture.sh SCENARIO CODEC SECONDS OUT_DIR
#   SCENARIO  plain | resize | mute | reconnect | simulcast   (see page.html)
#   CODEC     VP8 | H264 | VP9 | AV1               (preferred video codec)
#   OUT_DIR   gets capture.pcap and result.json (offer/answer SDP, events with
#             wall-clock times, and getStats of sender and receiver: frames
#             encoded, sent, decoded, key frames, resolution)
# CAPTURE_PARAMS adds page parameters, e.g. for simulcast 'w=1280&h=720&bw=900,4000,900'
# (canvas size; bandwidth caps in kbit/s, in turn) and 'sim=group' (a=ssrc-group:SIM).
#
# Two RTCPeerConnections in one headless Chromium page send canvas video and
# an oscillator tone to each other with --disable-webrtc-encryption, so the
# RTP on the wire is plain. Everything runs in a private network namespace
# (needs root: unshare -n) with one veth address; nothing leaves the machine.
# Needs Debian's chromium, tcpdump, iproute2 and python3.
set -euo pipefail
[ $# -eq 4 ] || { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "$4" && cd "$4" && pwd)
if [ "${_IN_NETNS:-}" != 1 ]; then
  exec env _IN_NETNS=1 unshare -n "$0" "$@"
fi
s=$1 codec=$2 d=$3 extra=${CAPTURE_PARAMS:-}
rm -f "$out/result.json"
ip link set lo up
ip link add eth0 type veth peer name eth1
ip addr add 192.0.2.1/24 dev eth0
ip link set eth0 up; ip link set eth1 up
ip route add default via 192.0.2.2 dev eth0
python3 "$here/server.py" "$here" "$out" & srv=$!
tcpdump -i lo -w "$out/capture.pcap" -U udp 2>/dev/null & td=$!
sleep 1
ud=$(mktemp -d)
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$ud" --use-fake-device-for-media-stream \
  --use-fake-ui-for-media-stream --disable-webrtc-encryption --autoplay-policy=no-user-gesture-required \
  --disable-features=WebRtcHideLocalIpsWithMdns \
  "http://127.0.0.1:8765/page.html?s=$s&codec=$codec&d=$d${extra:+&$extra}" >"$out/chromium.log" 2>&1 & ch=$!
for _ in $(seq 1 $((d + 40))); do [ -f "$out/result.json" ] && break; sleep 1; done
sleep 1
kill "$ch" 2>/dev/null || true; sleep 1; kill -9 "$ch" 2>/dev/null || true
kill "$td" "$srv" 2>/dev/null || true
wait 2>/dev/null || true
rm -rf "$ud"
[ -f "$out/result.json" ] || { echo "no result from the page; see $out/chromium.log" >&2; exit 1; }
echo "$out/capture.pcap: $(stat -c %s "$out/capture.pcap") bytes"
