#!/usr/bin/python3
"""A WHIP publisher built on GStreamer's webrtcbin (libnice for ICE, its own
DTLS and SRTP): an independent WebRTC stack to publish to the node with.

    whip_client.py URL TOKEN CODEC SECONDS [RESULT.json] [KEYFRAME_INTERVAL] [nack]

Sends SECONDS of a test pattern (CODEC vp8 or h264, 30 fps) and Opus,
then DELETEs the WHIP resource (unless SECONDS is negative: then it just
stops, as a closed tab does). With "nack", the video transceiver offers
NACK and RTX and retransmits what the node asks for (webrtcbin's do-nack). RESULT.json gets the frames encoded, the
answer's status and the time from POST to ICE and DTLS being up.
Runs with Debian's python3 (PyGObject).
"""
import json
import sys
import time
import urllib.error
import urllib.request

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("GstSdp", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

URL, TOKEN, CODEC, SECONDS = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
RESULT = sys.argv[5] if len(sys.argv) > 5 else None
GOP = int(sys.argv[6]) if len(sys.argv) > 6 else 60  # frames between keyframes
NACK = len(sys.argv) > 7 and sys.argv[7] == "nack"
FRAMES = int(abs(SECONDS) * 30)
ENCODER = {"vp8": f"vp8enc deadline=1 keyframe-max-dist={GOP} ! rtpvp8pay name=pay pt=96 ! "
                  "application/x-rtp,media=video,encoding-name=VP8,payload=96",
           "h264": f"openh264enc gop-size={GOP} ! h264parse ! "
                   "video/x-h264,stream-format=byte-stream,alignment=au ! rtph264pay name=pay pt=102 "
                   "config-interval=-1 aggregate-mode=zero-latency ! "
                   "application/x-rtp,media=video,encoding-name=H264,payload=102"}[CODEC]

Gst.init(None)
pipeline = Gst.parse_launch(
    "webrtcbin name=send bundle-policy=max-bundle "
    f"videotestsrc is-live=true num-buffers={FRAMES} pattern=ball ! "
    "video/x-raw,width=320,height=240,framerate=30/1 ! "
    f"{ENCODER} ! send. "
    f"audiotestsrc is-live=true num-buffers={int(abs(SECONDS) * 50)} samplesperbuffer=960 ! "
    "audio/x-raw,rate=48000 ! audioconvert ! opusenc frame-size=20 ! rtpopuspay pt=111 ! "
    "application/x-rtp,media=audio,encoding-name=OPUS,payload=111 ! send.")
webrtc = pipeline.get_by_name("send")
loop = GLib.MainLoop()
# frames_encoded: all the encoder made; frames_sent: those from the first
# keyframe after the connection was up (webrtcbin drops what comes before).
result = {"frames_encoded": 0, "frames_after_connected": 0, "frames_sent": 0, "status": None}
began = time.time()
resource = None


def count_frame(pad, info):
    result["frames_encoded"] += 1
    if "connected_after_s" in result:
        result["frames_after_connected"] += 1
        if result["frames_sent"] or not info.get_buffer().has_flags(Gst.BufferFlags.DELTA_UNIT):
            result["frames_sent"] += 1
    return Gst.PadProbeReturn.OK


# Frames as the encoder hands them to the payloader: what the publisher encoded.
pipeline.get_by_name("pay").get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, count_frame)


def post_offer():
    """Once ICE gathering is complete: the whole offer to the WHIP endpoint."""
    global resource
    offer = webrtc.get_property("local-description").sdp.as_text()
    request = urllib.request.Request(URL, data=offer.encode(), method="POST",
                                     headers={"Content-Type": "application/sdp",
                                              "Authorization": f"Bearer {TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            result["status"] = answer.status
            resource = answer.headers["Location"]
            text = answer.read().decode()
    except urllib.error.HTTPError as error:
        result["status"], result["error"] = error.code, error.read().decode()
        loop.quit()
        return False
    result["posted_after_s"] = time.time() - began
    _, sdp = GstSdp.SDPMessage.new_from_text(text)
    description = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, sdp)
    webrtc.emit("set-remote-description", description, Gst.Promise.new())
    return False


def on_gathering(element, _):
    if element.get_property("ice-gathering-state") == GstWebRTC.WebRTCICEGatheringState.COMPLETE:
        GLib.idle_add(post_offer)


def on_offer(promise, _):
    reply = promise.get_reply()
    offer = reply.get_value("offer") if reply and reply.has_field("offer") else None
    if offer is None:  # a repeated negotiation while one is under way
        print("whip_client: no offer:", reply.to_string() if reply else "no reply", file=sys.stderr)
        return
    webrtc.emit("set-local-description", offer, Gst.Promise.new())


def on_negotiation_needed(element):
    if element.get_property("signaling-state") != GstWebRTC.WebRTCSignalingState.STABLE or result.get("offered"):
        return  # one offer per publish
    result["offered"] = True
    element.emit("create-offer", None, Gst.Promise.new_with_change_func(on_offer, None))


def on_state(element, _):
    state = element.get_property("connection-state")
    if state == GstWebRTC.WebRTCPeerConnectionState.CONNECTED and "connected_after_s" not in result:
        result["connected_after_s"] = time.time() - began - result.get("posted_after_s", 0)
        # The sources end after SECONDS (webrtcbin posts no EOS): stop a little later.
        GLib.timeout_add(int(abs(SECONDS) * 1000) + 1500, loop.quit)


def on_message(_, message):
    if message.type in (Gst.MessageType.EOS, Gst.MessageType.ERROR, Gst.MessageType.WARNING):
        print("whip_client:", message.type, message.src.get_name(), message.parse_error() if message.type == Gst.MessageType.ERROR else "", file=sys.stderr)
    if message.type in (Gst.MessageType.EOS, Gst.MessageType.ERROR):
        if message.type == Gst.MessageType.ERROR:
            result["error"] = str(message.parse_error()[0])
        loop.quit()


# The transceivers exist once the pipeline is linked: send-only, before negotiating.
for index in range(2):
    transceiver = webrtc.emit("get-transceiver", index)
    if transceiver:
        transceiver.set_property("direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
        if NACK and index == 0:  # the video's (linked first)
            transceiver.set_property("do-nack", True)
webrtc.connect("on-negotiation-needed", on_negotiation_needed)
webrtc.connect("notify::ice-gathering-state", on_gathering)
webrtc.connect("notify::connection-state", on_state)
pipeline.get_bus().add_signal_watch()
pipeline.get_bus().connect("message", on_message)
pipeline.set_state(Gst.State.PLAYING)
GLib.timeout_add_seconds(int(abs(SECONDS)) + 20, loop.quit)  # bounded, whatever happens
loop.run()
time.sleep(0.5)  # the last packets reach the node
pipeline.set_state(Gst.State.NULL)
if resource and SECONDS > 0:
    base = URL.split("/whip/")[0]
    request = urllib.request.Request(base + resource, method="DELETE", headers={"Authorization": f"Bearer {TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            result["deleted"] = answer.status
    except urllib.error.HTTPError as error:
        result["deleted"] = error.code
if RESULT:
    json.dump(result, open(RESULT, "w"))
print(json.dumps(result))
