// Builds a chunk manifest from a bundle file in one streaming pass: memory stays bounded by the read
// buffer (at most 1 MiB), whatever the bundle size.

import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { DEFAULT_CHUNK_SIZE, MANIFEST_VERSION } from '../../protocol/chunks/constants.ts';
import type { BundleType } from '../../protocol/chunks/constants.ts';
import { validateManifest } from '../../protocol/chunks/manifest.ts';
import type { Manifest } from '../../protocol/chunks/manifest.ts';

const READ_BUFFER_MAX = 1 << 20;

export interface BuildManifestOptions {
  readonly bundleType: BundleType;
  /** Default 4 MiB. Must be a power of two between 4 KiB and 64 MiB. */
  readonly chunkSize?: number;
}

export async function buildManifestFromFile(path: string, options: BuildManifestOptions): Promise<Manifest> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const whole = createHash('sha256');
  const chunks: string[] = [];
  let current: Hash | undefined;
  let inChunk = 0;
  let size = 0;
  const stream = createReadStream(path, { highWaterMark: Math.min(chunkSize, READ_BUFFER_MAX) });
  for await (const data of stream as AsyncIterable<Buffer>) {
    whole.update(data);
    size += data.byteLength;
    let at = 0;
    while (at < data.byteLength) {
      current ??= createHash('sha256');
      const take = Math.min(chunkSize - inChunk, data.byteLength - at);
      current.update(data.subarray(at, at + take));
      at += take;
      inChunk += take;
      if (inChunk === chunkSize) {
        chunks.push(current.digest('hex'));
        current = undefined;
        inChunk = 0;
      }
    }
  }
  if (current !== undefined) chunks.push(current.digest('hex'));
  return validateManifest({
    version: MANIFEST_VERSION,
    bundleSha256: whole.digest('hex'),
    bundleSize: size,
    bundleType: options.bundleType,
    chunkSize,
    chunks,
  });
}
