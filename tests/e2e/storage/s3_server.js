// An S3 store for the tests: s3rver (npm) behind a front that checks every
// request's Signature V4 with AWS's own signer (@smithy/signature-v4), since
// s3rver does not. Requests whose signature, payload hash or signed-header
// set is wrong get S3's 403 SignatureDoesNotMatch; good ones go to s3rver.
// The front also injects the faults the tests ask for, logs every request
// (method, path, query, signed headers, answer) as JSON lines, and answers
// AbortMultipartUpload itself, which s3rver lacks (405): it checks that the
// upload ID is one s3rver gave out and not completed, and forgets it.
//
// node s3_server.js PORT DATA_DIR LOG_FILE   (environment below)
//   S3_ACCESS_KEY, S3_SECRET_KEY, S3_SESSION_TOKEN (if set, required), S3_REGION
//   S3_BUCKETS: comma-separated buckets to create
//   S3_FAULTS: comma-separated faults, each applied to the first N matching
//     requests: "503:N" (503 SlowDown), "reset-part=P:N" (the connection is
//     reset halfway through part P's body), "403-part=P:N" (AccessDenied)
"use strict";
const http = require("http");
const crypto = require("crypto");
const fs = require("fs");
const S3rver = require("s3rver");
const { SignatureV4 } = require("@smithy/signature-v4");
const { Sha256 } = require("@aws-crypto/sha256-js");

const [port, dataDir, logFile] = process.argv.slice(2);
const accessKey = process.env.S3_ACCESS_KEY || "AKIDRTPARCHIVETEST";
const secretKey = process.env.S3_SECRET_KEY || "rtparchive-test-secret";
const sessionToken = process.env.S3_SESSION_TOKEN || "";
const region = process.env.S3_REGION || "us-east-1";
const faults = (process.env.S3_FAULTS || "").split(",").filter(Boolean).map((f) => {
  const [what, count] = f.split(":");
  const [kind, part] = what.split("=");
  return { kind, part: part ? Number(part) : 0, left: Number(count || 1) };
});

const openUploads = new Set();

function log(entry) {
  fs.appendFileSync(logFile, JSON.stringify(entry) + "\n");
}

function s3Error(res, status, code, message) {
  res.writeHead(status, { "Content-Type": "application/xml" });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

async function checkSignature(req, url, body) {
  const auth = req.headers["authorization"] || "";
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!match) return "no AWS4-HMAC-SHA256 Authorization header";
  const [, key, , signedRegion, signedHeaderList, signature] = match;
  if (key !== accessKey) return "unknown access key";
  if (signedRegion !== region) return `signed for region ${signedRegion}, the bucket is in ${region}`;
  const signed = signedHeaderList.split(";");
  for (const name of Object.keys(req.headers)) {
    if ((name.startsWith("x-amz-") || name === "host" || name === "content-md5") && !signed.includes(name)) {
      return `header ${name} is not signed`;
    }
  }
  const payloadHash = req.headers["x-amz-content-sha256"];
  if (payloadHash !== crypto.createHash("sha256").update(body).digest("hex")) {
    return "x-amz-content-sha256 is not the body's SHA-256";
  }
  if (sessionToken && req.headers["x-amz-security-token"] !== sessionToken) return "wrong or missing session token";
  const headers = {};
  for (const name of signed) headers[name] = req.headers[name];
  const query = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const amzDate = req.headers["x-amz-date"];
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const signer = new SignatureV4({
    service: "s3", region, sha256: Sha256, uriEscapePath: false, applyChecksum: false,
    credentials: { accessKeyId: accessKey, secretAccessKey: secretKey, sessionToken: sessionToken || undefined },
  });
  const [hostname] = (req.headers.host || "").split(":");
  const signedRequest = await signer.sign(
    { method: req.method, protocol: "http:", hostname, port: Number(port), path: url.pathname, query, headers, body },
    { signingDate, unsignableHeaders: new Set(), signableHeaders: new Set(signed) });
  const expected = /Signature=([0-9a-f]{64})/.exec(signedRequest.headers["authorization"])[1];
  const expectedSigned = /SignedHeaders=([^,]+)/.exec(signedRequest.headers["authorization"])[1];
  if (expectedSigned !== signedHeaderList) return `signed headers ${signedHeaderList}, AWS's signer made ${expectedSigned}`;
  return expected === signature ? null : "signature mismatch";
}

function takeFault(kind, part) {
  const fault = faults.find((f) => f.kind === kind && f.left > 0 && (kind === "503" || f.part === part));
  if (fault) fault.left--;
  return !!fault;
}

async function main() {
  const backend = new S3rver({
    port: 0, address: "127.0.0.1", silent: true, directory: dataDir, allowMismatchedSignatures: true,
    configureBuckets: (process.env.S3_BUCKETS || "archives").split(",").map((name) => ({ name })),
  });
  const { port: backendPort } = await backend.run();
  http.createServer((req, res) => {
    const url = new URL(req.url, `http://${req.headers.host}`);
    const part = Number(url.searchParams.get("partNumber") || 0);
    const entry = { method: req.method, path: url.pathname, query: url.search, headers: req.headers };
    if (req.method === "PUT" && part && takeFault("reset-part", part)) {
      // Half the body, then the connection is reset.
      let seen = 0;
      const half = Number(req.headers["content-length"] || 0) / 2;
      req.on("data", (chunk) => {
        seen += chunk.length;
        if (seen >= half) { log({ ...entry, status: "reset" }); req.socket.destroy(); }
      });
      return;
    }
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      const problem = await checkSignature(req, url, body).catch((e) => `checker failed: ${e.message}`);
      if (problem) {
        log({ ...entry, status: 403, problem });
        return s3Error(res, 403, "SignatureDoesNotMatch", problem);
      }
      if (takeFault("503", 0)) {
        log({ ...entry, status: 503 });
        return s3Error(res, 503, "SlowDown", "Please reduce your request rate.");
      }
      if (part && takeFault("403-part", part)) {
        log({ ...entry, status: 403, problem: "injected" });
        return s3Error(res, 403, "AccessDenied", "Access Denied");
      }
      const uploadId = url.searchParams.get("uploadId");
      if (req.method === "DELETE" && uploadId) {
        const known = openUploads.delete(uploadId);
        log({ ...entry, status: known ? 204 : 404 });
        if (!known) return s3Error(res, 404, "NoSuchUpload", "The specified upload does not exist.");
        res.writeHead(204);
        return res.end();
      }
      const forward = http.request({ host: "127.0.0.1", port: backendPort, method: req.method, path: req.url,
                                     headers: req.headers }, (answer) => {
        const parts = [];
        answer.on("data", (c) => parts.push(c));
        answer.on("end", () => {
          const text = Buffer.concat(parts);
          const created = /<UploadId>([^<]+)<\/UploadId>/.exec(text.toString());
          if (req.method === "POST" && url.searchParams.has("uploads") && created) openUploads.add(created[1]);
          if (req.method === "POST" && uploadId) openUploads.delete(uploadId);
          log({ ...entry, status: answer.statusCode });
          res.writeHead(answer.statusCode, answer.headers);
          res.end(text);
        });
      });
      forward.on("error", (e) => s3Error(res, 502, "BadGateway", e.message));
      forward.end(body);
    });
  }).listen(Number(port), "127.0.0.1", () => console.log(`s3 ready on ${port}`));
}

main().catch((e) => { console.error(e); process.exit(1); });
