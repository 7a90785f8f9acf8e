// Turns a revision location into a bundle in the coordinator's content-addressed revision store.
//  - bucket `convoy-local`: the key names a revision already in the store (its SHA-256, or a unique prefix of
//    at least 8 hex digits, optionally followed by .zip/.tar/.tgz). Nothing leaves the coordinator.
//  - any other bucket: the object is fetched from the S3-compatible endpoint in the config's `s3` section,
//    its ETag checked against the location's eTag (when given) and against the bytes' MD5 (single-part
//    ETags), stored with its bucket/key/version/etag in the revision meta (for BUNDLE_* in hooks).
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CodeDeployError, fail } from './errors.ts';
import { LOCAL_BUCKET, type ApiContext, type S3Settings } from './context.ts';
import { put } from '../model/model-store.ts';
import type { S3Location } from '../model/types.ts';

export interface StoredBundle { readonly sha256: string; readonly size: number; readonly bundleType: 'zip' | 'tar' | 'tgz' }

const clients = new WeakMap<S3Settings, S3Client>();

function s3Client(settings: S3Settings): S3Client {
  let client = clients.get(settings);
  if (client === undefined) {
    client = new S3Client({
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      ...(settings.endpoint !== undefined ? { endpoint: settings.endpoint } : {}),
      ...(settings.accessKeyId !== undefined && settings.secretAccessKey !== undefined
        ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } } : {}),
      // S3-compatible servers (s3rver, MinIO builds) mishandle the SDK's default aws-chunked checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 2,
    });
    clients.set(settings, client);
  }
  return client;
}

const unquote = (etag: string): string => etag.replace(/^"+|"+$/g, '');

export async function materializeRevision(ctx: ApiContext, loc: S3Location): Promise<StoredBundle> {
  if (loc.bundleType !== 'zip' && loc.bundleType !== 'tar' && loc.bundleType !== 'tgz') {
    fail('InvalidRevisionException', `bundleType ${loc.bundleType} is for Lambda/ECS AppSpec files; Server revisions are zip, tar or tgz`);
  }
  const bundleType = loc.bundleType;
  if (loc.bucket === LOCAL_BUCKET) return localRevision(ctx, loc.key, bundleType);
  if (ctx.s3 === undefined) {
    fail('InvalidRevisionException', `The coordinator has no s3 section in its config, so it cannot fetch s3://${loc.bucket}/${loc.key}; push the revision and use bucket ${LOCAL_BUCKET} with its hash as key`);
  }
  const client = s3Client(ctx.s3);
  const where = `s3://${loc.bucket}/${loc.key}${loc.version !== undefined ? ` (version ${loc.version})` : ''}`;
  const params = { Bucket: loc.bucket, Key: loc.key, ...(loc.version !== undefined ? { VersionId: loc.version } : {}) };
  let head;
  try {
    head = await client.send(new HeadObjectCommand(params));
  } catch (err) {
    throw s3Error(err, where);
  }
  const etag = unquote(head.ETag ?? '');
  if (loc.eTag !== undefined && unquote(loc.eTag) !== etag) {
    fail('InvalidRevisionException', `The ETag of ${where} is ${etag}, not the ${unquote(loc.eTag)} the revision location names`);
  }
  const cacheKey = [loc.bucket, loc.key, head.VersionId ?? loc.version ?? '', etag].join('\n');
  const cached = ctx.model.data.s3Cache[cacheKey];
  if (cached !== undefined && Object.hasOwn(ctx.model.data.s3Cache, cacheKey)) {
    const meta = await ctx.store.findRevision(cached.sha256);
    if (meta !== undefined && meta.bundleType === bundleType) return { sha256: meta.sha256, size: meta.size, bundleType };
  }
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'convoy-s3-'));
  try {
    const file = path.join(tmp, `bundle.${bundleType}`);
    let body;
    try {
      body = (await client.send(new GetObjectCommand({ ...params, ...(etag !== '' ? { IfMatch: head.ETag } : {}) }))).Body;
    } catch (err) {
      throw s3Error(err, where);
    }
    if (body === undefined) fail('InvalidRevisionException', `${where} returned no body`);
    const sha = createHash('sha256');
    const md5 = createHash('md5');
    let size = 0;
    const source = body instanceof Readable ? body : Readable.fromWeb((body as { transformToWebStream(): ReadableStream }).transformToWebStream() as never);
    source.on('data', (chunk: Buffer) => { sha.update(chunk); md5.update(chunk); size += chunk.length; });
    await pipeline(source, createWriteStream(file));
    if (size === 0) fail('InvalidRevisionException', `${where} is empty`);
    if (etag !== '' && !etag.includes('-') && /^[0-9a-f]{32}$/.test(etag) && md5.digest('hex') !== etag) {
      fail('InvalidRevisionException', `The bytes fetched from ${where} do not match its ETag ${etag}`);
    }
    const sha256 = sha.digest('hex');
    const version = head.VersionId ?? loc.version;
    await ctx.store.putRevision(file, {
      sha256, size, bundleType, createdAt: ctx.now(),
      s3: { bucket: loc.bucket, key: loc.key, ...(version !== undefined ? { version } : {}), ...(etag !== '' ? { etag } : {}) },
    });
    await ctx.model.mutate(['s3Cache'], (d) => {
      put(d.s3Cache, cacheKey, { bucket: loc.bucket, key: loc.key, ...(version !== undefined ? { version } : {}), eTag: etag, sha256 });
    });
    ctx.log.info({ bucket: loc.bucket, key: loc.key, sha256, size }, 'revision fetched from S3');
    return { sha256, size, bundleType };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function localRevision(ctx: ApiContext, key: string, bundleType: 'zip' | 'tar' | 'tgz'): Promise<StoredBundle> {
  const m = /^([0-9a-f]{8,64})(?:\.(zip|tar|tgz))?$/.exec(key);
  if (m === null) fail('InvalidRevisionException', `In bucket ${LOCAL_BUCKET} the key is a revision hash from \`convoy push\` (8-64 lower-case hex digits, optionally .zip/.tar/.tgz), not "${key}"`);
  const meta = await ctx.store.findRevision(m[1] ?? '');
  if (meta === undefined) fail('RevisionDoesNotExistException', `No revision ${key} (or more than one) in the coordinator's revision store`);
  if (meta.bundleType !== bundleType) fail('InvalidRevisionException', `Revision ${meta.sha256} is a ${meta.bundleType} bundle, not ${bundleType}`);
  return { sha256: meta.sha256, size: meta.size, bundleType };
}

function s3Error(err: unknown, where: string): CodeDeployError {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  if (status === 404 || e.name === 'NotFound' || e.name === 'NoSuchKey' || e.name === 'NoSuchBucket' || e.name === 'NoSuchVersion') {
    return new CodeDeployError('RevisionDoesNotExistException', `${where} does not exist`);
  }
  if (status === 412) return new CodeDeployError('InvalidRevisionException', `${where} changed while it was being fetched`);
  if (status !== undefined && status < 500) return new CodeDeployError('InvalidRevisionException', `Cannot read ${where}: ${e.name ?? 'error'} (HTTP ${status})`);
  return new CodeDeployError('ServiceUnavailableException', `Cannot reach the S3 endpoint for ${where}: ${e.message ?? String(err)}`, 503);
}
