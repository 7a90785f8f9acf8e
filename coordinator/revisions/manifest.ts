// Chunk manifests of the coordinator's revisions, stored beside the bundle as
// revisions/<sha256>.manifest.json (canonical bytes). The manifest's SHA-256 is recorded in the revision's
// meta (`manifestSha256`) when it is built, and that recorded value is what goes into signed intents; agents
// refuse any manifest bytes that do not hash to it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildManifestFromFile } from '../../agent/chunkstore/build-manifest.ts';
import { sha256Hex } from '../../agent/chunkstore/hash.ts';
import { readJsonIfExists, writeFileDurable } from '../../agent/state/durable-file.ts';
import { DEFAULT_CHUNK_SIZE } from '../../protocol/chunks/constants.ts';
import { decodeManifest, encodeManifest } from '../../protocol/chunks/manifest.ts';
import type { Manifest } from '../../protocol/chunks/manifest.ts';
import type { RevisionRef } from '../../protocol/messages/intent.ts';
import type { CoordinatorStore, RevisionMeta } from '../store/store.ts';

/**
 * Chunk size of the manifests the coordinator builds: 4 MiB. The bench (scripts/bench/swarm.ts,
 * docs/distribution.md) compared 1, 4 and 16 MiB on a 256 MiB revision.
 */
export const REVISION_CHUNK_SIZE = DEFAULT_CHUNK_SIZE;

/** Where an S3-pushed revision lives; kept in the revision meta under `s3Origin`. */
export interface S3Origin {
  readonly bucket: string;
  readonly key: string;
  readonly version?: string;
  readonly etag?: string;
  readonly region?: string;
  readonly endpoint?: string;
}

/** Fields this module adds to a revision's meta JSON. */
export interface DistributionMeta {
  manifestSha256?: string;
  s3Origin?: S3Origin;
}

function metaFile(store: CoordinatorStore, sha256: string): string {
  return path.join(store.dataDir, 'revisions', `${sha256}.json`);
}

export function manifestFile(store: CoordinatorStore, sha256: string): string {
  return path.join(store.dataDir, 'revisions', `${sha256}.manifest.json`);
}

export async function readDistributionMeta(store: CoordinatorStore, sha256: string): Promise<(RevisionMeta & DistributionMeta) | undefined> {
  return readJsonIfExists<RevisionMeta & DistributionMeta>(metaFile(store, sha256));
}

/** Merges `fields` into the revision's meta JSON (written durably). */
export async function updateDistributionMeta(store: CoordinatorStore, sha256: string, fields: DistributionMeta): Promise<void> {
  const meta = await readDistributionMeta(store, sha256);
  if (meta === undefined) throw new Error(`Revision ${sha256} is not in the revision store`);
  await writeFileDurable(metaFile(store, sha256), JSON.stringify({ ...meta, ...fields }, null, 2));
}

/** The stored manifest bytes of a revision, if any. */
export async function readManifestBytes(store: CoordinatorStore, sha256: string): Promise<Uint8Array | undefined> {
  return readFile(manifestFile(store, sha256)).catch(() => undefined);
}

/**
 * Builds the revision's manifest from its bundle if it has none yet (streaming, one pass), stores it beside
 * the bundle and records its hash in the meta. Returns the recorded hash.
 */
export async function ensureRevisionManifest(store: CoordinatorStore, meta: RevisionMeta, chunkSize = REVISION_CHUNK_SIZE): Promise<{ manifestSha256: string; manifest: Manifest }> {
  const current = await readDistributionMeta(store, meta.sha256);
  const existing = await readManifestBytes(store, meta.sha256);
  if (current?.manifestSha256 !== undefined && existing !== undefined) {
    return { manifestSha256: current.manifestSha256, manifest: decodeManifest(existing) };
  }
  const manifest = await buildManifestFromFile(store.revisionFile(meta.sha256, meta.bundleType), { bundleType: meta.bundleType, chunkSize });
  if (manifest.bundleSha256 !== meta.sha256) throw new Error(`Revision file ${meta.sha256} does not hash to its name (got ${manifest.bundleSha256})`);
  const bytes = encodeManifest(manifest);
  await writeFileDurable(manifestFile(store, meta.sha256), bytes);
  const manifestSha256 = sha256Hex(bytes);
  await updateDistributionMeta(store, meta.sha256, { manifestSha256 });
  return { manifestSha256, manifest };
}

/** The intent's revision source and manifest hash for a stored revision: S3 when it was pushed there, else the seed. */
export async function revisionDistribution(store: CoordinatorStore, meta: RevisionMeta, seed: { peerId: string; addrs: string[] }): Promise<Pick<RevisionRef, 'source' | 'manifestSha256'>> {
  const { manifestSha256 } = await ensureRevisionManifest(store, meta);
  const s3 = (await readDistributionMeta(store, meta.sha256))?.s3Origin;
  const source: RevisionRef['source'] = s3 !== undefined ? { kind: 's3', ...s3 } : { kind: 'seed', peers: [seed] };
  return { source, manifestSha256 };
}
