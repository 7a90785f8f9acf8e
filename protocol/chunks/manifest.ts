// The chunk manifest: how a revision bundle is split into fixed-size chunks, each named by its SHA-256.
// Pure: hashing is passed in (`Sha256Fn`) so protocol/ imports nothing from node:*.
//
// Canonical bytes are UTF-8 JSON with keys sorted and no whitespace. `manifestHash` is the SHA-256 of those
// bytes, and is what a signed deployment intent carries. `decodeManifest` accepts only canonical bytes, so one
// manifest has exactly one encoding and one hash.

import {
  BUNDLE_TYPES,
  CHUNK_HASH_HEX_LENGTH,
  MANIFEST_VERSION,
  MAX_CHUNKS,
  MAX_CHUNK_SIZE,
  MAX_MANIFEST_BYTES,
  MIN_CHUNK_SIZE,
} from './constants.ts';
import type { BundleType } from './constants.ts';

export interface Manifest {
  readonly version: 1;
  /** Lowercase hex SHA-256 of the whole bundle. */
  readonly bundleSha256: string;
  readonly bundleSize: number;
  readonly bundleType: BundleType;
  /** Size of every chunk but the last, which holds the remainder. */
  readonly chunkSize: number;
  /** Lowercase hex SHA-256 of each chunk, in order. */
  readonly chunks: readonly string[];
}

/** A SHA-256 implementation: returns the 32-byte digest or its lowercase hex. */
export type Sha256Fn = (bytes: Uint8Array) => Uint8Array | string;

export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  constructor(
    /** The field at fault (`chunks[3]`, `bundleSize`, …) or `manifest` for the document as a whole. */
    readonly field: string,
    readonly reason: string,
  ) {
    super(`Invalid manifest: ${field}: ${reason}`);
  }
}

const HEX64 = /^[0-9a-f]{64}$/;
const KEYS = ['bundleSha256', 'bundleSize', 'bundleType', 'chunkSize', 'chunks', 'version'] as const;

export function chunkCountFor(bundleSize: number, chunkSize: number): number {
  return Math.ceil(bundleSize / chunkSize);
}

/** Byte length of chunk `index` (the last chunk may be short). */
export function chunkLength(manifest: Manifest, index: number): number {
  const start = index * manifest.chunkSize;
  return Math.min(manifest.chunkSize, manifest.bundleSize - start);
}

/** Byte offset of chunk `index` in the bundle. */
export function chunkOffset(manifest: Manifest, index: number): number {
  return index * manifest.chunkSize;
}

/** Canonical bytes: sorted keys, no whitespace. Validates first, so invalid manifests never get a hash. */
export function encodeManifest(manifest: Manifest): Uint8Array {
  validateManifest(manifest);
  const ordered = {
    bundleSha256: manifest.bundleSha256,
    bundleSize: manifest.bundleSize,
    bundleType: manifest.bundleType,
    chunkSize: manifest.chunkSize,
    chunks: [...manifest.chunks],
    version: manifest.version,
  };
  return new TextEncoder().encode(JSON.stringify(ordered));
}

/** Lowercase hex SHA-256 of the canonical bytes. */
export function manifestHash(manifest: Manifest, sha256: Sha256Fn): string {
  return toHex(sha256(encodeManifest(manifest)));
}

/** Parses and validates canonical manifest bytes; throws `ManifestError` naming the field at fault. */
export function decodeManifest(bytes: Uint8Array): Manifest {
  if (bytes.byteLength > MAX_MANIFEST_BYTES) {
    throw new ManifestError('manifest', `${bytes.byteLength} bytes exceeds the limit of ${MAX_MANIFEST_BYTES}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ManifestError('manifest', 'not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ManifestError('manifest', 'not valid JSON');
  }
  const manifest = validateManifest(parsed);
  const canonical = encodeManifest(manifest);
  if (!bytesEqual(canonical, bytes)) {
    throw new ManifestError('manifest', 'bytes are not in canonical form (sorted keys, no whitespace)');
  }
  return manifest;
}

/** Checks every field of an untrusted value and returns it typed as a Manifest. */
export function validateManifest(value: unknown): Manifest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ManifestError('manifest', 'must be a JSON object');
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(KEYS as readonly string[]).includes(key)) throw new ManifestError(key, 'unknown field');
  }
  for (const key of KEYS) {
    if (!(key in record)) throw new ManifestError(key, 'missing');
  }
  if (record.version !== MANIFEST_VERSION) {
    throw new ManifestError('version', `must be ${MANIFEST_VERSION}, got ${JSON.stringify(record.version)}`);
  }
  const bundleSha256 = record.bundleSha256;
  if (typeof bundleSha256 !== 'string' || !HEX64.test(bundleSha256)) {
    throw new ManifestError('bundleSha256', 'must be 64 lowercase hex characters');
  }
  const bundleType = record.bundleType;
  if (typeof bundleType !== 'string' || !(BUNDLE_TYPES as readonly string[]).includes(bundleType)) {
    throw new ManifestError('bundleType', `must be one of ${BUNDLE_TYPES.join(', ')}`);
  }
  const chunkSize = record.chunkSize;
  if (!Number.isSafeInteger(chunkSize) || !isPowerOfTwo(chunkSize as number)) {
    throw new ManifestError('chunkSize', 'must be an integer power of two');
  }
  if ((chunkSize as number) < MIN_CHUNK_SIZE || (chunkSize as number) > MAX_CHUNK_SIZE) {
    throw new ManifestError('chunkSize', `must be between ${MIN_CHUNK_SIZE} and ${MAX_CHUNK_SIZE}`);
  }
  const bundleSize = record.bundleSize;
  if (!Number.isSafeInteger(bundleSize) || (bundleSize as number) < 1) {
    throw new ManifestError('bundleSize', 'must be a positive integer');
  }
  const expected = chunkCountFor(bundleSize as number, chunkSize as number);
  if (expected > MAX_CHUNKS) {
    throw new ManifestError('bundleSize', `needs ${expected} chunks, more than the limit of ${MAX_CHUNKS}`);
  }
  const chunks = record.chunks;
  if (!Array.isArray(chunks)) throw new ManifestError('chunks', 'must be an array');
  if (chunks.length !== expected) {
    throw new ManifestError('chunks', `has ${chunks.length} entries, bundleSize/chunkSize needs ${expected}`);
  }
  chunks.forEach((hash: unknown, i) => {
    if (typeof hash !== 'string' || !HEX64.test(hash)) {
      throw new ManifestError(`chunks[${i}]`, 'must be 64 lowercase hex characters');
    }
  });
  return {
    version: MANIFEST_VERSION,
    bundleSha256,
    bundleSize: bundleSize as number,
    bundleType: bundleType as BundleType,
    chunkSize: chunkSize as number,
    chunks: chunks as string[],
  };
}

/** Lowercase hex of a digest given as bytes or (any-case) hex. */
export function toHex(digest: Uint8Array | string): string {
  if (typeof digest === 'string') return digest.toLowerCase();
  let out = '';
  for (const byte of digest) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** True when `digest` (bytes or hex) is the SHA-256 named by `expectedHex`. */
export function digestMatches(digest: Uint8Array | string, expectedHex: string): boolean {
  const hex = toHex(digest);
  return hex.length === CHUNK_HASH_HEX_LENGTH && hex === expectedHex;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && Number.isSafeInteger(n) && 2 ** Math.round(Math.log2(n)) === n;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
