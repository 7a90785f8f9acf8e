// SHA-256 helpers for the chunk store (node:crypto), shaped to plug into protocol/chunks' `Sha256Fn`.

import { createHash } from 'node:crypto';
import { manifestHash } from '../../protocol/chunks/manifest.ts';
import type { Manifest } from '../../protocol/chunks/manifest.ts';

export function sha256(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest();
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Hex SHA-256 of the manifest's canonical bytes: the value a signed intent carries. */
export function manifestHashOf(manifest: Manifest): string {
  return manifestHash(manifest, sha256);
}
