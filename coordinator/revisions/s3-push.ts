// `convoy push <path> --s3 s3://bucket/key`: uploads the stored bundle to S3 (the coordinator config's `s3`
// section gives endpoint, region, path style and credentials), then records bucket/key/version/ETag in the
// revision meta, so intents for it carry an S3 source: agents fetch chunks from their peers and, for chunks
// no peer has, ranged GETs from S3 (checked against the ETag), and hooks see BUNDLE_BUCKET/KEY/VERSION/ETAG.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { CoordinatorConfig } from '../config/config.ts';
import { CoordinatorStore } from '../store/store.ts';
import { ensureRevisionManifest, updateDistributionMeta, type S3Origin } from './manifest.ts';

export class S3PushError extends Error {
  override readonly name = 'S3PushError';
}

export function parseS3Url(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(url);
  if (m === null) throw new S3PushError(`"${url}" is not an s3://bucket/key URL`);
  return { bucket: m[1] as string, key: m[2] as string };
}

export function coordinatorS3Client(config: CoordinatorConfig): S3Client {
  const s3 = config.s3;
  if (s3 === undefined) throw new S3PushError('The coordinator config has no `s3` section (endpoint, region, forcePathStyle, accessKeyId, secretAccessKey)');
  return new S3Client({
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    ...(s3.endpoint !== undefined ? { endpoint: s3.endpoint } : {}),
    ...(s3.accessKeyId !== undefined && s3.secretAccessKey !== undefined
      ? { credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Uploads revision `sha256` (already in the revision store) to `s3Url` and makes S3 its origin. */
export async function pushRevisionToS3(config: CoordinatorConfig, sha256: string, s3Url: string): Promise<S3Origin> {
  const { bucket, key } = parseS3Url(s3Url);
  const store = await CoordinatorStore.open(config.dataDir);
  const meta = await store.findRevision(sha256);
  if (meta === undefined) throw new S3PushError(`Revision ${sha256} is not in the revision store`);
  await ensureRevisionManifest(store, meta);
  const client = coordinatorS3Client(config);
  const file = store.revisionFile(meta.sha256, meta.bundleType);
  const { size } = await stat(file);
  const put = await client.send(new PutObjectCommand({
    Bucket: bucket, Key: key, Body: createReadStream(file), ContentLength: size,
    ContentType: meta.bundleType === 'zip' ? 'application/zip' : 'application/x-tar',
    Metadata: { 'convoy-sha256': meta.sha256 },
  }));
  const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ...(put.VersionId !== undefined ? { VersionId: put.VersionId } : {}) }));
  if (head.ContentLength !== size) throw new S3PushError(`s3://${bucket}/${key} holds ${head.ContentLength} bytes after upload, expected ${size}`);
  const etag = (head.ETag ?? put.ETag)?.replace(/^"+|"+$/g, '');
  const origin: S3Origin = {
    bucket, key,
    ...(put.VersionId !== undefined && put.VersionId !== 'null' ? { version: put.VersionId } : {}),
    ...(etag !== undefined && etag !== '' ? { etag } : {}),
    ...(config.s3?.region !== undefined ? { region: config.s3.region } : {}),
  };
  await updateDistributionMeta(store, meta.sha256, { s3Origin: origin });
  return origin;
}
