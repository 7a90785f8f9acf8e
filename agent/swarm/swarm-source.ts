// The RevisionSource that replaces the whole-bundle seed fetch: fetches the manifest from any peer holding
// the revision and checks it against the intent's signed manifestSha256 before trusting a single chunk hash,
// then downloads chunks from peers (targets of the deployment, hosts that dial us) and from the origin
// (the coordinator's revision store over the same protocol, or S3 ranged GETs) only for chunks no reachable
// peer has. Chunks land in a resumable ChunkStore under <rootDir>/chunks/<sha256>; the bundle at destFile
// appears only once the whole file hashes to the intent's sha256.
import { link, copyFile, rename, rm } from 'node:fs/promises';
import { sha256Hex } from '../chunkstore/hash.ts';
import { decodeManifest, ManifestError } from '../../protocol/chunks/manifest.ts';
import type { Manifest } from '../../protocol/chunks/manifest.ts';
import type { RevisionRef } from '../../protocol/messages/intent.ts';
import { RevisionFetchError, type FetchProgress, type RevisionSource } from '../fetch/revision-source.ts';
import { seedFetchSource } from '../fetch/seed-fetch.ts';
import { sleep } from './flow.ts';
import { SwarmDownload } from './download.ts';
import type { OriginLink } from './origin.ts';
import { SeedOrigin } from './origin.ts';
import { ChunkSession, type SessionTarget } from './session.ts';
import type { AgentSwarm } from './swarm.ts';
import type { Hello } from './wire.ts';

export interface SwarmSourceOptions {
  /** More peer ids of deployment targets for this revision (e.g. from accepted intents), besides `hints.peers`. */
  readonly targetsOf?: (bundleSha256: string) => readonly string[];
  /** How long to keep asking peers for the manifest when none holds it yet. */
  readonly manifestTimeoutMs?: number;
}

// The AWS SDK adds about 10 MiB to an agent's resident memory; it is loaded only for revisions in S3.
const loadS3 = (): Promise<typeof import('../fetch/s3-origin.ts')> => import('../fetch/s3-origin.ts');

const MANIFEST_ASK_TIMEOUT_MS = 4000;
const MANIFEST_ASK_PARALLEL = 8;

export function swarmSource(swarm: AgentSwarm, opts: SwarmSourceOptions): RevisionSource {
  return {
    async fetch(revision, destFile, onProgress, signal, hints) {
      const manifestHash = revision.manifestSha256;
      if (manifestHash === undefined) return legacyFetch(swarm, revision, destFile, onProgress, signal);
      const targets = [...new Set([...(hints?.peers ?? []), ...(opts.targetsOf?.(revision.sha256) ?? [])])].sort();
      const manifest = await resolveManifest(swarm, revision, manifestHash, targets, opts.manifestTimeoutMs ?? 60_000, signal);
      const entry = await swarm.catalog.acquire(manifest);
      const store = entry.store;
      const hello: Hello = { v: 1, bundle: revision.sha256, manifest: manifestHash, wantManifest: false };
      if (!store.isComplete) {
        const rank = Math.max(0, targets.indexOf(swarm.selfId));
        const origin = await originFor(swarm, revision, manifest, hello);
        const download = new SwarmDownload({
          node: swarm.node, selfId: swarm.selfId, entry, hello,
          origin,
          rank, hosts: Math.max(1, targets.length), download: swarm.download, log: swarm.log, onProgress, signal,
        });
        for (const peer of targets) download.addPeer(peer, swarm.addrs.get(peer));
        swarm.active.set(revision.sha256, download);
        const resumed = store.verifiedChunks().length;
        swarm.log(resumed > 0 ? 'info' : 'debug', { revision: revision.sha256.slice(0, 12), resumed, chunks: manifest.chunks.length }, resumed > 0 ? 'resuming download from verified chunks on disk' : 'starting swarm download');
        onProgress({ bytes: resumed === 0 ? 0 : Math.min(manifest.bundleSize, resumed * manifest.chunkSize), total: manifest.bundleSize, peers: 0 });
        try {
          const stats = await download.run();
          swarm.log('info', { revision: revision.sha256.slice(0, 12), ...stats }, 'swarm download complete');
        } finally {
          if (swarm.active.get(revision.sha256) === download) swarm.active.delete(revision.sha256);
        }
      }
      const done = await store.complete();
      if (!done.ok) {
        throw new RevisionFetchError(done.reason === 'hash'
          ? `bundle hash mismatch after download; ${done.badChunks.length} corrupt chunks forgotten, retry the deployment`
          : `bundle incomplete: ${done.missing} chunks missing`);
      }
      await placeBundle(done.path, destFile);
      onProgress({ bytes: manifest.bundleSize, total: manifest.bundleSize, peers: 0 });
      const pinned = [revision.sha256, ...swarm.active.keys()];
      const pruned = await swarm.catalog.prune(swarm.options.maxRevisions, pinned).catch(() => []);
      if (pruned.length > 0) swarm.log('info', { pruned }, 'revision stores pruned (maxRevisions)');
    },
  };
}

async function originFor(swarm: AgentSwarm, revision: RevisionRef, manifest: Manifest, hello: Hello): Promise<OriginLink> {
  const source = revision.source;
  if (source.kind === 's3') {
    const { S3Origin, s3ClientFor } = await loadS3();
    return new S3Origin(s3ClientFor(swarm.options.s3, source), source, manifest, swarm.download);
  }
  return new SeedOrigin(swarm.node, source.peers, hello, manifest, swarm.download);
}

/** Hard link (same inode, no copy) when possible; the store's bundle is already verified. */
async function placeBundle(from: string, destFile: string): Promise<void> {
  const partial = `${destFile}.partial`;
  await rm(partial, { force: true });
  try {
    await link(from, partial);
  } catch {
    await copyFile(from, partial);
  }
  await rename(partial, destFile);
}

/**
 * The manifest whose SHA-256 is the signed `manifestHash`: from disk when a previous attempt stored it,
 * else from the first peer that serves matching bytes. A peer serving other bytes is refused and logged;
 * when every reachable holder served a mismatching manifest the download fails.
 */
async function resolveManifest(swarm: AgentSwarm, revision: RevisionRef, manifestHash: string, targets: readonly string[], timeoutMs: number, signal: AbortSignal): Promise<Manifest> {
  const local = await swarm.catalog.localManifest(revision.sha256, manifestHash);
  if (local !== undefined) return checkManifest(decodeManifest(local), revision);
  const deadline = Date.now() + timeoutMs;
  const hello: Hello = { v: 1, bundle: revision.sha256, manifest: manifestHash, wantManifest: true };
  for (let round = 0; ; round++) {
    const candidates = new Map<string, SessionTarget>();
    if (revision.source.kind === 'seed') for (const p of revision.source.peers) candidates.set(p.peerId, p);
    for (const peer of swarm.node.getPeers()) {
      const id = peer.toString();
      if (!candidates.has(id)) candidates.set(id, { peerId: id });
    }
    for (const t of targets) {
      if (t !== swarm.selfId && !candidates.has(t)) candidates.set(t, { peerId: t, ...(swarm.addrs.has(t) ? { addrs: swarm.addrs.get(t) } : {}) });
    }
    const refused: string[] = [];
    // A few at a time: asked one by one, N peers that do not hold it yet and answer only at the ask
    // timeout make one round last N × 4 s before the seed is asked again.
    const list = [...candidates.values()];
    for (let i = 0; i < list.length; i += MANIFEST_ASK_PARALLEL) {
      signal.throwIfAborted();
      const batch = list.slice(i, i + MANIFEST_ASK_PARALLEL);
      const answers = await Promise.all(batch.map((target) => askManifest(swarm, target, hello)));
      for (const [j, bytes] of answers.entries()) {
        if (bytes === undefined) continue;
        const target = batch[j]!;
        const got = sha256Hex(bytes);
        if (got !== manifestHash) {
          swarm.log('warn', { peer: target.peerId, got, expected: manifestHash }, 'manifest refused: its SHA-256 does not match the signed manifestSha256');
          refused.push(`${target.peerId.slice(-8)} served ${got.slice(0, 12)}`);
          continue;
        }
        try {
          return checkManifest(decodeManifest(bytes), revision);
        } catch (err) {
          throw new RevisionFetchError(`manifest refused: ${(err as Error).message}`);
        }
      }
    }
    if (refused.length > 0) {
      throw new RevisionFetchError(`manifest refused: no peer served a manifest matching the signed manifestSha256 ${manifestHash.slice(0, 12)} (${refused.join('; ')})`);
    }
    if (Date.now() > deadline) throw new RevisionFetchError(`no reachable peer holds the manifest of revision ${revision.sha256.slice(0, 12)}`);
    await sleep(Math.min(2000, 250 * 2 ** round), signal);
  }
}

function checkManifest(manifest: Manifest, revision: RevisionRef): Manifest {
  if (manifest.bundleSha256 !== revision.sha256 || manifest.bundleSize !== revision.size || manifest.bundleType !== revision.bundleType) {
    throw new ManifestError('manifest', `describes ${manifest.bundleSha256.slice(0, 12)} (${manifest.bundleSize} bytes, ${manifest.bundleType}), not the intent's revision`);
  }
  return manifest;
}

function askManifest(swarm: AgentSwarm, target: SessionTarget, hello: Hello): Promise<Uint8Array | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (value: Uint8Array | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.close();
      resolve(value);
    };
    const session = ChunkSession.open(swarm.node, target, hello, swarm.download, {
      onManifest: (bytes) => done(Uint8Array.from(bytes)),
      onBitfield: () => done(undefined),
      onError: () => done(undefined),
      onClose: () => done(undefined),
    }, MANIFEST_ASK_TIMEOUT_MS);
    const timer = setTimeout(() => done(undefined), MANIFEST_ASK_TIMEOUT_MS);
  });
}

async function legacyFetch(swarm: AgentSwarm, revision: RevisionRef, destFile: string, onProgress: (p: FetchProgress) => void, signal: AbortSignal): Promise<void> {
  if (revision.source.kind === 's3') {
    const { fetchS3Object, s3ClientFor } = await loadS3();
    return fetchS3Object(s3ClientFor(swarm.options.s3, revision.source), revision, destFile, onProgress, signal);
  }
  return seedFetchSource(swarm.node).fetch(revision, destFile, onProgress, signal);
}
