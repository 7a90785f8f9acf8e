// S3 as a revision origin: ranged GETs per chunk (bucket, key, version and ETag as in CodeDeploy's S3
// revision location). The ETag, when the intent names one, is enforced with If-Match on every request, so a
// replaced object is refused by S3 itself (412) rather than mixed into the bundle. Bodies stream into the
// swarm driver piece by piece; the driver hashes each chunk against the manifest.
import type { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Manifest } from '../../protocol/chunks/manifest.ts';
import { chunkLength, chunkOffset } from '../../protocol/chunks/manifest.ts';
import type { RevisionRef } from '../../protocol/messages/intent.ts';
import type { TokenBucket } from '../swarm/flow.ts';
import type { OriginCallbacks, OriginLink } from '../swarm/origin.ts';
import { RevisionFetchError, type FetchProgress } from './revision-source.ts';
import { writeVerifiedBundle } from './verified-bundle.ts';

export interface S3Settings {
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
  readonly forcePathStyle?: boolean | undefined;
  readonly accessKeyId?: string | undefined;
  readonly secretAccessKey?: string | undefined;
}

export type S3SourceRef = Extract<RevisionRef['source'], { kind: 's3' }>;

/** An S3 client for a revision: the intent's endpoint/region when it names them, else the agent's config. */
export function s3ClientFor(settings: S3Settings | undefined, source: S3SourceRef): S3Client {
  const endpoint = source.endpoint ?? settings?.endpoint;
  return new S3Client({
    region: source.region ?? settings?.region ?? 'us-east-1',
    forcePathStyle: settings?.forcePathStyle ?? endpoint !== undefined,
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(settings?.accessKeyId !== undefined && settings.secretAccessKey !== undefined
      ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } } : {}),
    // S3-compatible servers mishandle the SDK's default aws-chunked checksums; content is hashed end to end.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 2,
  });
}

const unquote = (etag: string): string => etag.replace(/^"+|"+$/g, '');

function objectParams(source: S3SourceRef): { Bucket: string; Key: string; VersionId?: string; IfMatch?: string } {
  return {
    Bucket: source.bucket, Key: source.key,
    ...(source.version !== undefined ? { VersionId: source.version } : {}),
    ...(source.etag !== undefined ? { IfMatch: `"${unquote(source.etag)}"` } : {}),
  };
}

function isEtagMismatch(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'PreconditionFailed' || e?.$metadata?.httpStatusCode === 412;
}

export class S3Origin implements OriginLink {
  readonly kind = 's3';
  readonly peerIds: readonly string[] = [];
  private readonly inFlight = new Map<number, AbortController>();
  private callbacks: OriginCallbacks | undefined;
  private closed = false;

  constructor(
    private readonly client: S3Client,
    private readonly source: S3SourceRef,
    private readonly manifest: Manifest,
    private readonly download: TokenBucket,
  ) {}

  start(callbacks: OriginCallbacks): void {
    this.callbacks = callbacks;
  }

  request(index: number): void {
    const abort = new AbortController();
    this.inFlight.get(index)?.abort();
    this.inFlight.set(index, abort);
    this.fetchChunk(index, abort.signal).catch((err: unknown) => {
      if (abort.signal.aborted || this.closed) return;
      if (isEtagMismatch(err)) {
        this.callbacks?.fatal(new RevisionFetchError(`s3://${this.source.bucket}/${this.source.key} no longer has the ETag ${unquote(this.source.etag ?? '')} the signed intent names`));
      } else {
        this.callbacks?.failed(index, (err as Error).message);
      }
    }).finally(() => {
      if (this.inFlight.get(index) === abort) this.inFlight.delete(index);
    });
  }

  cancel(index: number): void {
    this.inFlight.get(index)?.abort();
    this.inFlight.delete(index);
  }

  close(): void {
    this.closed = true;
    for (const abort of this.inFlight.values()) abort.abort();
    this.inFlight.clear();
  }

  private async fetchChunk(index: number, signal: AbortSignal): Promise<void> {
    const start = chunkOffset(this.manifest, index);
    const length = chunkLength(this.manifest, index);
    const out = await this.client.send(new GetObjectCommand({ ...objectParams(this.source), Range: `bytes=${start}-${start + length - 1}` }), { abortSignal: signal });
    if (this.source.etag !== undefined && out.ETag !== undefined && unquote(out.ETag) !== unquote(this.source.etag)) {
      throw Object.assign(new Error('ETag mismatch'), { name: 'PreconditionFailed' });
    }
    let at = 0;
    for await (const part of out.Body as Readable) {
      const bytes = part as Buffer;
      await this.download.take(bytes.byteLength, signal);
      if (signal.aborted) return;
      this.callbacks?.piece(index, at, bytes);
      at += bytes.byteLength;
      if (at > length) throw new Error(`S3 returned more than the ${length} bytes asked for`);
    }
    if (at !== length) throw new Error(`S3 returned ${at} of ${length} bytes for chunk ${index}`);
  }
}

/** Whole-object fetch for S3 intents that carry no manifest: streamed to a temp file, hashed, then renamed. */
export async function fetchS3Object(client: S3Client, revision: RevisionRef, destFile: string, onProgress: (p: FetchProgress) => void, signal: AbortSignal): Promise<void> {
  const source = revision.source;
  if (source.kind !== 's3') throw new RevisionFetchError('not an S3 revision');
  await writeVerifiedBundle(revision, destFile, 'S3', async (write) => {
    const out = await client.send(new GetObjectCommand(objectParams(source)), { abortSignal: signal }).catch((err: unknown) => {
      if (isEtagMismatch(err)) throw new RevisionFetchError(`the S3 object's ETag is not the ${source.etag ?? ''} the signed intent names`);
      throw err;
    });
    for await (const part of out.Body as Readable) {
      onProgress({ bytes: await write(part as Buffer), total: revision.size, peers: 0 });
    }
  });
}
