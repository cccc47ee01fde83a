// The official AWS and Azure SDKs as independent readers of what rtparchive
// uploaded: prints {"size", "sha256", ...} of an object as the SDK downloads
// it, or creates an Azure container.
//
//   node sdk_check.js s3-get ENDPOINT BUCKET KEY      (AWS_* credentials)
//   node sdk_check.js s3-create ENDPOINT BUCKET
//   node sdk_check.js azure-get CONTAINER BLOB        (AZURE_STORAGE_CONNECTION_STRING)
//   node sdk_check.js azure-create CONTAINER
"use strict";
const crypto = require("crypto");

async function digest(stream) {
  const hash = crypto.createHash("sha256");
  let size = 0;
  for await (const chunk of stream) { hash.update(chunk); size += chunk.length; }
  return { size, sha256: hash.digest("hex") };
}

async function main() {
  const [command, ...args] = process.argv.slice(2);
  if (command === "s3-create") {
    const { S3Client, CreateBucketCommand } = require("@aws-sdk/client-s3");
    const [endpoint, Bucket] = args;
    await new S3Client({ endpoint, forcePathStyle: true, region: process.env.AWS_REGION || "us-east-1" })
      .send(new CreateBucketCommand({ Bucket }));
    console.log(JSON.stringify({ created: Bucket }));
  } else if (command === "s3-get") {
    const { S3Client, GetObjectCommand, HeadObjectCommand } = require("@aws-sdk/client-s3");
    const [endpoint, Bucket, Key] = args;
    const client = new S3Client({ endpoint, forcePathStyle: true, region: process.env.AWS_REGION || "us-east-1" });
    const head = await client.send(new HeadObjectCommand({ Bucket, Key }));
    const object = await client.send(new GetObjectCommand({ Bucket, Key }));
    console.log(JSON.stringify({ ...(await digest(object.Body)), etag: head.ETag, contentType: head.ContentType }));
  } else if (command === "azure-get" || command === "azure-create") {
    const { BlobServiceClient } = require("@azure/storage-blob");
    const service = BlobServiceClient.fromConnectionString(process.env.AZURE_STORAGE_CONNECTION_STRING);
    const container = service.getContainerClient(args[0]);
    if (command === "azure-create") {
      await container.createIfNotExists();
      console.log(JSON.stringify({ created: args[0] }));
      return;
    }
    const blob = container.getBlobClient(args[1]);
    const properties = await blob.getProperties();
    const download = await blob.download();
    console.log(JSON.stringify({
      ...(await digest(download.readableStreamBody)),
      contentMd5: properties.contentMD5 ? Buffer.from(properties.contentMD5).toString("base64") : null,
      contentType: properties.contentType,
    }));
  } else {
    throw new Error(`unknown command ${command}`);
  }
}

main().catch((e) => { console.error(e.message); process.exit(1); });
