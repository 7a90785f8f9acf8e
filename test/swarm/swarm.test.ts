// Chunk swarm distribution end to end on a real sandbox fleet (3 agent processes): an S3 origin (s3rver on
// 127.0.0.1) with BUNDLE_* in hooks, a malicious peer serving corrupt chunks (dropped, deployment still
// succeeds), a manifest that does not match the signed hash (refused, DownloadBundle fails), and a host
// killed mid-download that resumes from the verified chunks on disk.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import '../../protocol/polyfills.ts';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { multiaddr } from '@multiformats/multiaddr';
import { peerIdFromString } from '@libp2p/peer-id';
import { startFleet, type TestFleet } from '../support/fleet.ts';
import { waitFor } from '../../coordinator/sandbox/processes.ts';
import { CoordinatorStore } from '../../coordinator/store/store.ts';
import { ensureRevisionManifest, manifestFile, readManifestBytes } from '../../coordinator/revisions/manifest.ts';
import { pushRevisionToS3 } from '../../coordinator/revisions/s3-push.ts';
import { buildManifestFromFile } from '../../agent/chunkstore/build-manifest.ts';
import { sha256Hex } from '../../agent/chunkstore/hash.ts';
import { encodeManifest, decodeManifest } from '../../protocol/chunks/manifest.ts';
import { createFleetNode, type FleetNode } from '../../agent/network/node.ts';
import { FileRevision } from '../../agent/swarm/held.ts';
import { serveChunks } from '../../agent/swarm/server.ts';
import { TokenBucket } from '../../agent/swarm/flow.ts';
import { ChunkSession } from '../../agent/swarm/session.ts';
import type { HostHealth } from '../../coordinator/status/fleet-view.ts';

interface S3rverInstance { run(): Promise<{ address: string; port: number }>; close(): Promise<void> }
const S3rver = createRequire(import.meta.url)('s3rver') as new (opts: Record<string, unknown>) => S3rverInstance;

const MiB = 1024 * 1024;
const BUCKET = 'convoy-bundles';

let fleet: TestFleet;
let s3: S3rverInstance;
let s3Endpoint: string;
let s3Dir: string;

async function agentConfig(name: string, change: (c: Record<string, unknown>) => void): Promise<void> {
  const file = path.join(fleet.dir, 'agents', name, 'agent.yaml');
  const config = parseYaml(await readFile(file, 'utf8')) as Record<string, unknown>;
  change(config);
  await writeFile(file, toYaml(config));
}

async function restart(names: string[]): Promise<void> {
  for (const n of names) fleet.killAgent(n);
  await new Promise((r) => setTimeout(r, 300));
  for (const n of names) fleet.restartAgent(n);
  const started = Date.now();
  await waitFor('restarted agents to heartbeat', 30_000, async () => {
    const { hosts } = await fleet.api.get<{ hosts: HostHealth[] }>('/v1/fleet');
    const fresh = hosts.filter((h) => names.includes(h.instanceName) && h.alive && h.uptimeMs < Date.now() - started + 500);
    return fresh.length === names.length ? true : undefined;
  });
}

async function agentLog(name: string): Promise<string> {
  return readFile(path.join(fleet.dir, 'agents', name, 'agent.log'), 'utf8').catch(() => '');
}

/** A revision dir with one random payload file and a hook that records the BUNDLE_* variables. */
let pushed = 0;
async function pushPayload(bytes: number): Promise<{ sha: string; payload: Buffer }> {
  // Base64 text: written as is by the fleet helper, and it deflates only to about 3/4 in the zip.
  const text = randomBytes(Math.ceil((bytes * 3) / 4)).toString('base64');
  const payload = Buffer.from(text);
  const dir = `opt/swarm${++pushed}`;
  lastDir = dir;
  const sha = await fleet.push({
    'appspec.yml': `version: 0.0\nos: linux\nfiles:\n  - source: payload.bin\n    destination: /${dir}\nhooks:\n  AfterInstall:\n    - location: hook.sh\n`,
    'payload.bin': text,
    'hook.sh': { mode: 0o755, text: `#!/bin/sh\nmkdir -p "$CONVOY_DESTINATION_ROOT/${dir}"\necho "$BUNDLE_BUCKET|$BUNDLE_KEY|$BUNDLE_ETAG" > "$CONVOY_DESTINATION_ROOT/${dir}/bundle-env"\n` },
  });
  return { sha, payload };
}

let lastDir = '';
async function installedPayload(name: string): Promise<string> {
  return sha256Hex(await readFile(path.join(fleet.destOf(name), lastDir, 'payload.bin')));
}

beforeAll(async () => {
  s3Dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-s3rver-'));
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3Dir, configureBuckets: [{ name: BUCKET }] });
  const { port } = await s3.run();
  s3Endpoint = `http://127.0.0.1:${port}`;
  fleet = await startFleet(3);
  // Return from deployment creation at once rather than waiting for a host to hold the revision.
  const coordinatorYaml = fleet.sandbox.configFile;
  const cconfig = parseYaml(await readFile(coordinatorYaml, 'utf8')) as Record<string, unknown>;
  cconfig.replicationTimeoutMs = 0;
  await writeFile(coordinatorYaml, toYaml(cconfig));
  fleet.killCoordinator();
  await waitFor('the old coordinator to exit', 10_000, async () => (await fleet.api.get('/v1/health').then(() => undefined, () => true)));
  await fleet.restartCoordinator();
  for (const name of ['agent-1', 'agent-2', 'agent-3']) {
    await agentConfig(name, (c) => { c.s3 = { endpoint: s3Endpoint, region: 'us-east-1', forcePathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }; });
  }
  await restart(['agent-1', 'agent-2', 'agent-3']);
}, 90_000);

afterAll(async () => {
  if (process.env.SWARM_DEBUG !== undefined && fleet !== undefined) {
    const { cp } = await import('node:fs/promises');
    await cp(fleet.dir, process.env.SWARM_DEBUG, { recursive: true, filter: (src) => !src.includes('/chunks/') && !src.includes('/bundles/') && !src.includes('deployment-root') && !src.includes('/revisions/') }).catch(() => undefined);
  }
  await fleet?.stop();
  await s3?.close();
  await rm(s3Dir, { recursive: true, force: true });
});

describe('chunk swarm distribution', () => {
  it('pushes to S3 and deploys to every host through the swarm, S3 serving only what no peer has', async () => {
    const { sha, payload } = await pushPayload(18 * MiB);
    const config = { ...fleet.config, s3: { endpoint: s3Endpoint, region: 'us-east-1', forcePathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } };
    const origin = await pushRevisionToS3(config, sha, `s3://${BUCKET}/apps/swarm.zip`);
    expect(origin.etag).toMatch(/^[0-9a-f]{32}$/);
    const id = await fleet.deploy({ revision: sha });
    const stored = await (await CoordinatorStore.open(fleet.config.dataDir)).getDeployment(id);
    expect(stored?.intent.revision.source).toMatchObject({ kind: 's3', bucket: BUCKET, key: 'apps/swarm.zip', etag: origin.etag });
    expect(stored?.intent.revision.manifestSha256).toMatch(/^[0-9a-f]{64}$/);
    const view = await fleet.waitFinal(id, 60_000);
    expect(view.status).toBe('Succeeded');
    const want = sha256Hex(payload);
    let fromOrigin = 0;
    for (const name of ['agent-1', 'agent-2', 'agent-3']) {
      expect(await installedPayload(name)).toBe(want);
      expect((await readFile(path.join(fleet.destOf(name), lastDir, 'bundle-env'), 'utf8')).trim()).toBe(`${BUCKET}|apps/swarm.zip|${origin.etag}`);
      const done = (await agentLog(name)).split('\n').filter((l) => l.includes('swarm download complete') && l.includes(sha.slice(0, 12)));
      expect(done).toHaveLength(1);
      fromOrigin += (JSON.parse(done[0] as string) as { fromOrigin: number }).fromOrigin;
    }
    // 18 MiB payload → 5 chunks of 4 MiB; the origin is asked about once per chunk (1.2× allowed).
    expect(fromOrigin).toBeLessThanOrEqual(6);
  }, 80_000);

  it('drops a peer that serves a corrupt chunk and still deploys verified bytes', async () => {
    const { sha, payload } = await pushPayload(14 * MiB);
    const store = await CoordinatorStore.open(fleet.config.dataDir);
    const meta = await store.findRevision(sha);
    const { manifestSha256 } = await ensureRevisionManifest(store, meta!);
    const manifestBytes = (await readManifestBytes(store, sha))!;
    const evil = await maliciousPeer(manifestBytes, store.revisionFile(sha, 'zip'));
    try {
      const { hosts } = await fleet.api.get<{ hosts: HostHealth[] }>('/v1/fleet');
      // Knock on every host's door for this revision until it dials back (as hosts of a deployment do).
      const knock = setInterval(() => {
        for (const h of hosts) evil.hello(h.peerId, h.addrs, sha, manifestSha256);
      }, 50);
      const id = await fleet.deploy({ revision: sha }).catch((err: unknown) => { clearInterval(knock); throw err; });
      const view = await fleet.waitFinal(id, 60_000).finally(() => clearInterval(knock));
      expect(view.status).toBe('Succeeded');
      expect(evil.servedChunks()).toBeGreaterThan(0);
      for (const name of ['agent-1', 'agent-2', 'agent-3']) {
        expect(await installedPayload(name)).toBe(sha256Hex(payload));
        const log = await agentLog(name);
        const drops = log.split('\n').filter((l) => l.includes('corrupt-chunk') && l.includes(evil.peerId));
        // Every host the peer served a chunk to detected the corruption and dropped it (once: never asked again).
        if (evil.servedTo().has(hosts.find((h) => h.instanceName === name)!.peerId)) expect(drops).toHaveLength(1);
      }
      expect(evil.servedTo().size).toBeGreaterThanOrEqual(1);
    } finally {
      await evil.stop();
    }
  }, 80_000);

  it('refuses a manifest that does not match the signed manifestSha256', async () => {
    const { sha } = await pushPayload(6 * MiB);
    const store = await CoordinatorStore.open(fleet.config.dataDir);
    const meta = await store.findRevision(sha);
    await ensureRevisionManifest(store, meta!);
    // The store now serves different (valid) manifest bytes than the hash it records and signs.
    const other = await buildManifestFromFile(store.revisionFile(sha, 'zip'), { bundleType: 'zip', chunkSize: MiB });
    await writeFile(manifestFile(store, sha), encodeManifest(other));
    const id = await fleet.deploy({ revision: sha });
    const view = await fleet.waitFinal(id, 60_000);
    expect(view.status).toBe('Failed');
    for (const host of view.hosts) {
      const download = host.events.find((e) => e.event === 'DownloadBundle');
      expect(download?.status).toBe('Failed');
      expect(download?.message).toMatch(/manifest refused/);
    }
  }, 60_000);

  it('resumes a download killed midway from the verified chunks on disk', async () => {
    await agentConfig('agent-1', (c) => { c.downloadBytesPerSec = 3 * 1000 * 1000; });
    await restart(['agent-1']);
    const { sha, payload } = await pushPayload(30 * MiB);
    const first = await fleet.deploy({ revision: sha, targets: [{ key: 'Name', value: 'agent-1' }] });
    const journal = path.join(fleet.dir, 'agents', 'agent-1', 'chunks', sha, 'journal');
    // Wait for at least 3 verified chunks (journal: 40-byte header, 8 bytes per chunk), then SIGKILL.
    await waitFor('3 verified chunks on agent-1', 30_000, async () => ((await stat(journal).catch(() => undefined))?.size ?? 0) >= 40 + 3 * 8 ? true : undefined);
    fleet.killAgent('agent-1');
    const verifiedAtKill = ((await stat(journal)).size - 40) / 8;
    await agentConfig('agent-1', (c) => { delete c.downloadBytesPerSec; });
    const logBefore = (await agentLog('agent-1')).length;
    fleet.restartAgent('agent-1');
    await fleet.waitFinal(first, 60_000).catch(() => undefined);
    const second = await fleet.deploy({ revision: sha, targets: [{ key: 'Name', value: 'agent-1' }] });
    expect((await fleet.waitFinal(second, 60_000)).status).toBe('Succeeded');
    expect(await installedPayload('agent-1')).toBe(sha256Hex(payload));
    const after = (await agentLog('agent-1')).slice(logBefore).split('\n');
    const complete = after.filter((l) => l.includes('swarm download complete') && l.includes(sha.slice(0, 12)));
    expect(complete).toHaveLength(1);
    const stats = JSON.parse(complete[0] as string) as { chunks: number; resumed: number; fromPeers: number; fromOrigin: number };
    expect(stats.resumed).toBeGreaterThanOrEqual(Math.min(verifiedAtKill, 3));
    expect(stats.fromPeers + stats.fromOrigin).toBe(stats.chunks - stats.resumed);
    expect(after.some((l) => l.includes('resuming download from verified chunks on disk'))).toBe(true);
  }, 90_000);
});

/** An in-process peer that claims every chunk of a revision and serves each with one byte flipped. */
async function maliciousPeer(manifestBytes: Uint8Array, bundlePath: string): Promise<{
  peerId: string; hello(peer: string, addrs: readonly string[], sha: string, manifest: string): void;
  servedChunks(): number; servedTo(): Set<string>; stop(): Promise<void>;
}> {
  const node: FleetNode = await createFleetNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [], sharedAddresses: ['/ip4/127.0.0.1'] });
  const manifest = decodeManifest(manifestBytes);
  class Corrupt extends FileRevision {
    override async readInto(target: Uint8Array, offset: number): Promise<void> {
      await super.readInto(target, offset);
      target[0] = (target[0] ?? 0) ^ 0xff;
    }
  }
  const held = new Corrupt(manifest, sha256Hex(manifestBytes), manifestBytes, bundlePath);
  let served = 0;
  const to = new Set<string>();
  await serveChunks(node, async (b, m) => (b === manifest.bundleSha256 && m === held.manifestHash ? held : undefined), {
    upload: new TokenBucket(undefined), log: () => undefined, onServed: (peer, n) => { served += n; to.add(peer); },
  });
  const open = new Map<string, ChunkSession>();
  return {
    peerId: node.peerId.toString(),
    hello(peer, addrs, sha, manifestHash) {
      if (open.has(peer) && !open.get(peer)!.isClosed) return;
      void node.peerStore.merge(peerIdFromString(peer), { multiaddrs: addrs.map((a) => multiaddr(a)) }).catch(() => undefined);
      open.set(peer, ChunkSession.open(node, { peerId: peer, addrs }, { v: 1, bundle: sha, manifest: manifestHash, wantManifest: false }, new TokenBucket(undefined), {}));
    },
    servedChunks: () => Math.ceil(served / manifest.chunkSize),
    servedTo: () => to,
    async stop() {
      for (const s of open.values()) s.close();
      await node.stop();
    },
  };
}

