// The coordinator as the air-gapped origin: serves the chunk protocol from its revision store (bundle file
// plus the manifest stored beside it), holding every chunk. Agents ask it only for chunks no reachable peer
// has (the scheduler's origin policy); `uploadBytesPerSec` shapes its egress.
import type { Logger } from 'pino';
import { sha256Hex } from '../../agent/chunkstore/hash.ts';
import type { FleetNode } from '../../agent/network/node.ts';
import { TokenBucket } from '../../agent/swarm/flow.ts';
import { FileRevision, type HeldRevision } from '../../agent/swarm/held.ts';
import { serveChunks } from '../../agent/swarm/server.ts';
import { decodeManifest } from '../../protocol/chunks/manifest.ts';
import type { CoordinatorStore } from '../store/store.ts';
import { readManifestBytes } from '../revisions/manifest.ts';

export interface SeedingOptions {
  readonly uploadBytesPerSec?: number;
}

export interface CoordinatorSeeding {
  readonly bytesServed: number;
}

export async function startCoordinatorSeeding(node: FleetNode, store: CoordinatorStore, logger: Logger, opts: SeedingOptions = {}): Promise<CoordinatorSeeding> {
  const held = new Map<string, FileRevision>();
  const stats = { bytesServed: 0 };
  const log = logger.child({ component: 'seeder' });
  const locate = async (bundleSha256: string, manifestHash: string): Promise<HeldRevision | undefined> => {
    const cached = held.get(bundleSha256);
    if (cached !== undefined && cached.manifestHash === manifestHash) return cached;
    const bytes = await readManifestBytes(store, bundleSha256);
    const bundle = await store.locateBundle(bundleSha256);
    if (bytes === undefined || bundle === undefined) return undefined;
    const actual = sha256Hex(bytes);
    // Serve what is on file even when it is not the manifest asked for: the requester checks the bytes
    // against the signed hash and refuses them, which names the fault (a damaged or tampered store).
    if (actual !== manifestHash) log.warn({ revision: bundleSha256, stored: actual, asked: manifestHash }, 'stored manifest does not match the requested hash');
    const revision = new FileRevision(decodeManifest(bytes), actual, bytes, bundle);
    await cached?.close();
    held.set(bundleSha256, revision);
    return revision;
  };
  await serveChunks(node, locate, {
    upload: new TokenBucket(opts.uploadBytesPerSec),
    log: (level, obj, msg) => log[level](obj, msg),
    onServed: (_peer, n) => { stats.bytesServed += n; },
  });
  return stats;
}
