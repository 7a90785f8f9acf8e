// A chunk session outlives its dial deadline: the deadline bounds opening the stream, not the transfer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { createFleetNode, type FleetNode } from '../network/node.ts';
import { buildManifestFromFile } from '../chunkstore/build-manifest.ts';
import { sha256Hex } from '../chunkstore/hash.ts';
import { encodeManifest } from '../../protocol/chunks/manifest.ts';
import { TokenBucket } from './flow.ts';
import { FileRevision } from './held.ts';
import { serveChunks } from './server.ts';
import { ChunkSession } from './session.ts';
import type { Hello } from './wire.ts';

const CHUNK = 64 * 1024;
let dir: string;
let server: FleetNode;
let client: FleetNode;
let held: FileRevision;

const node = async (): Promise<FleetNode> => createFleetNode({
  privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [], sharedAddresses: ['/ip4/127.0.0.1'],
});

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-session-'));
  const bundle = path.join(dir, 'bundle.zip');
  await writeFile(bundle, randomBytes(3 * CHUNK));
  const manifest = await buildManifestFromFile(bundle, { bundleType: 'zip', chunkSize: CHUNK });
  const manifestBytes = encodeManifest(manifest);
  held = new FileRevision(manifest, sha256Hex(manifestBytes), manifestBytes, bundle);
  [server, client] = await Promise.all([node(), node()]);
  await serveChunks(server, async (b, m) => (b === held.bundleSha256 && m === held.manifestHash ? held : undefined), {
    upload: new TokenBucket(undefined), log: () => undefined,
  });
});

afterAll(async () => {
  await Promise.all([server?.stop(), client?.stop()]);
  await held?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('ChunkSession', () => {
  it('stays open and keeps serving after its dial deadline has passed', async () => {
    const dialTimeoutMs = 200;
    const hello: Hello = { v: 1, bundle: held.bundleSha256, manifest: held.manifestHash, wantManifest: false };
    let closed: Error | undefined | 'open' = 'open';
    let announced!: () => void;
    const bitfield = new Promise<void>((resolve) => { announced = resolve; });
    const pieces: { index: number; bytes: number }[] = [];
    let gotChunk!: () => void;
    const chunk = new Promise<void>((resolve) => { gotChunk = resolve; });
    const session = ChunkSession.open(client, { peerId: server.peerId.toString(), addrs: server.getMultiaddrs().map(String) }, hello, new TokenBucket(undefined), {
      onBitfield: () => announced(),
      onPiece: (index, _offset, bytes) => {
        pieces.push({ index, bytes: bytes.byteLength });
        if (pieces.reduce((n, p) => n + p.bytes, 0) === CHUNK) gotChunk();
      },
      onClose: (err) => { closed = err; },
    }, dialTimeoutMs);
    await bitfield;
    // Past the deadline (a real timer: it is libp2p's own signal handling under test).
    await new Promise((r) => setTimeout(r, dialTimeoutMs * 3));
    expect(closed).toBe('open');
    expect(session.isClosed).toBe(false);
    session.request(1);
    await chunk;
    expect(pieces.every((p) => p.index === 1)).toBe(true);
    session.close();
  });
});
