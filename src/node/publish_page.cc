#include "node/publish_page.h"

namespace rtparchive::node {

// Optional fragment parameters: stream (the streamId), codec (vp8 or h264:
// the one to offer first), simulcast (1: three layers, q h f), seconds (publish for that long, then leave with
// DELETE), report (a URL the page POSTs its sender statistics to when it
// leaves: for tests).
const char* PublishPageHtml() {
  return R"html(<!doctype html>
<html><head><meta charset="utf-8"><title>rtparchive: publish</title>
<style>body{font-family:sans-serif;margin:2em}video{width:480px;background:#222}#state{margin:1em 0}</style>
</head><body>
<h1>Publish to the recording node</h1>
<p>Your camera and microphone go to the node over WHIP; an archive of the session records them.</p>
<video id="preview" autoplay muted playsinline></video>
<div id="state">starting</div>
<button id="leave" disabled>Leave</button>
<script>
const given = new URLSearchParams(location.hash.slice(1));
const state = document.getElementById('state');
const say = (text) => { state.textContent = text; document.title = text; };
let resource = null, pc = null, media = null;

async function senderStats() {
  const totals = {framesEncoded: 0, framesSent: 0, packetsSent: 0, bytesSent: 0, audioPacketsSent: 0, nackCount: 0,
                  retransmittedPacketsSent: 0, availableOutgoingBitrate: 0, encoder: '', layers: {}};
  if (!pc) return totals;
  (await pc.getStats()).forEach((report) => {
    if (report.type === 'candidate-pair' && report.nominated) {
      totals.availableOutgoingBitrate = report.availableOutgoingBitrate || 0;
    }
    if (report.type !== 'outbound-rtp') return;
    if (report.kind === 'video') {
      totals.framesEncoded += report.framesEncoded || 0;
      totals.framesSent += report.framesSent || 0;
      if (report.rid) totals.layers[report.rid] = {framesSent: report.framesSent, frameWidth: report.frameWidth};
      totals.packetsSent += report.packetsSent || 0;
      totals.bytesSent += report.bytesSent || 0;
      totals.nackCount += report.nackCount || 0;
      totals.retransmittedPacketsSent += report.retransmittedPacketsSent || 0;
      totals.encoder = report.encoderImplementation || totals.encoder;
    } else {
      totals.audioPacketsSent += report.packetsSent || 0;
    }
  });
  return totals;
}

// The video bitrate over the last two seconds before leaving.
let before = null;

async function leave() {
  const last = Object.assign({at: performance.now()}, await senderStats());
  // The camera stops first and the last packets leave: the counts reported
  // are all that was sent.
  if (media) media.getTracks().forEach((track) => track.stop());
  await new Promise((done) => setTimeout(done, 500));
  const stats = await senderStats();
  if (before) stats.bitrateKbps = Math.round(8 * (last.bytesSent - before.bytesSent) / (last.at - before.at));
  if (resource) {
    await fetch(resource, {method: 'DELETE', headers: {Authorization: 'Bearer ' + given.get('token')}});
  }
  if (pc) pc.close();
  say('left: ' + stats.framesEncoded + ' video frames encoded');
  if (given.get('report')) {
    await fetch(given.get('report'), {method: 'POST', body: JSON.stringify(Object.assign({left: true}, stats))});
  }
}

async function publish() {
  for (const name of ['apiKey', 'session', 'token']) {
    if (!given.get(name)) { say('give ' + name + ' in the URL: /publish#apiKey=..&session=..&token=..'); return; }
  }
  media = await navigator.mediaDevices.getUserMedia({video: {width: 640, height: 480}, audio: true});
  document.getElementById('preview').srcObject = media;
  pc = new RTCPeerConnection();
  for (const track of media.getTracks()) {
    const layers = [{rid: 'q', scaleResolutionDownBy: 4}, {rid: 'h', scaleResolutionDownBy: 2}, {rid: 'f'}];
    const transceiver = pc.addTransceiver(track, track.kind === 'video' && given.get('simulcast') === '1'
        ? {direction: 'sendonly', sendEncodings: layers} : {direction: 'sendonly'});
    const wanted = (given.get('codec') || '').toLowerCase();
    if (track.kind === 'video' && wanted && RTCRtpSender.getCapabilities) {
      const codecs = RTCRtpSender.getCapabilities('video').codecs;
      const first = codecs.filter((codec) => codec.mimeType.toLowerCase() === 'video/' + wanted);
      if (first.length) transceiver.setCodecPreferences(first.concat(codecs.filter((codec) => !first.includes(codec))));
    }
  }
  pc.onconnectionstatechange = () => say('connection ' + pc.connectionState);
  await pc.setLocalDescription(await pc.createOffer());
  // The node is ICE-lite and answers with its one candidate: the offer goes
  // at once, without waiting for this side's candidates.
  const url = '/whip/' + given.get('apiKey') + '/' + encodeURIComponent(given.get('session')) +
              (given.get('stream') ? '?streamId=' + encodeURIComponent(given.get('stream')) : '');
  const answer = await fetch(url, {method: 'POST', body: pc.localDescription.sdp,
      headers: {'Content-Type': 'application/sdp', Authorization: 'Bearer ' + given.get('token')}});
  if (answer.status !== 201) { say('the node answered ' + answer.status + ': ' + await answer.text()); return; }
  resource = answer.headers.get('Location');
  await pc.setRemoteDescription({type: 'answer', sdp: await answer.text()});
  document.getElementById('leave').disabled = false;
  document.getElementById('leave').onclick = leave;
  if (given.get('seconds')) {
    const seconds = Number(given.get('seconds'));
    setTimeout(async () => { before = Object.assign({at: performance.now()}, await senderStats()); },
               1000 * Math.max(0, seconds - 2));
    setTimeout(leave, 1000 * seconds);
  }
}

publish().catch((error) => say('failed: ' + error));
</script>
</body></html>
)html";
}

}  // namespace rtparchive::node
