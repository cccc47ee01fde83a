// Drives `rtparchive serve` with the official OpenTok Node.js server SDK,
// unchanged, as an application would: start an individual archive in manual
// stream mode, get it, list it, add and remove a stream, stop it, wait for
// it to become available, download it through the returned url (no auth
// header), and delete it; then the SDK's own errors for 404 and 409.
// Prints one JSON object: what each call returned.
// Usage: node opentok_archive.js API_URL API_KEY API_SECRET SESSION_ID STREAM_ID OUT_ZIP RECORD_SECONDS
const fs = require('fs');
const util = require('util');
const OpenTok = require('opentok');

const [apiUrl, apiKey, apiSecret, sessionId, streamId, outZip, recordSeconds] = process.argv.slice(2);
const ot = new OpenTok(apiKey, apiSecret, apiUrl);
const call = (name, ...args) => util.promisify(ot[name].bind(ot))(...args);
const sleep = ms => new Promise(r => setTimeout(r, ms));
const sdkErrors = require('opentok/lib/errors');
// The SDK's own error type (its classes all show Error as constructor name).
const describe = e => ({error: Object.keys(sdkErrors).find(k => e instanceof sdkErrors[k]) || e.constructor.name,
                        message: e.message});
const attempt = async (name, ...args) => { try { return await call(name, ...args); } catch (e) { return describe(e); } };

(async () => {
  const out = {};
  const archive = await call('startArchive', sessionId, {name: 'sdk', outputMode: 'individual', streamMode: 'manual'});
  out.started = {id: archive.id, status: archive.status, outputMode: archive.outputMode, createdAt: archive.createdAt};
  const got = await call('getArchive', archive.id);
  out.got = {id: got.id, status: got.status, sessionId: got.sessionId, name: got.name};
  const listed = await util.promisify((options, cb) => ot.listArchives(options, (e, items, total) => cb(e, {items, total})))({sessionId});
  out.listed = {total: listed.total, ids: listed.items.map(a => a.id)};
  await call('addArchiveStream', archive.id, streamId, {hasAudio: true, hasVideo: true});
  out.added = true;
  await sleep(1000 * +recordSeconds);
  await call('removeArchiveStream', archive.id, streamId);
  out.removed = true;
  const stopped = await call('stopArchive', archive.id);
  out.stopped = {status: stopped.status, reason: stopped.reason};
  let available = stopped;
  for (let i = 0; i < 40 && available.status !== 'available'; ++i) { await sleep(250); available = await call('getArchive', archive.id); }
  out.available = {status: available.status, size: available.size, duration: available.duration, url: available.url};
  if (available.url) {
    const response = await fetch(available.url);
    const bytes = Buffer.from(await response.arrayBuffer());
    fs.writeFileSync(outZip, bytes);
    out.download = {status: response.status, bytes: bytes.length};
    const tampered = await fetch(available.url.replace(/signature=./, m => m.endsWith('0') ? m.slice(0, -1) + '1' : m.slice(0, -1) + '0'));
    out.tamperedDownload = {status: tampered.status};
  }
  out.stopAgain = await attempt('stopArchive', archive.id);
  out.getUnknown = await attempt('getArchive', 'no-such-archive');
  out.deleted = await attempt('deleteArchive', archive.id) ?? 'ok';
  out.getDeleted = await attempt('getArchive', archive.id);
  console.log(JSON.stringify(out));
})().catch(e => { console.log(JSON.stringify({fatal: describe(e), stack: String(e.stack)})); process.exit(1); });
