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
    // Connected first, so opening the session is one stream handshake and fits the deadline even on a busy
    // machine; the deadline is then well in the past before the chunk is asked for.
    await client.dial(server.getMultiaddrs()[0]!);
    const dialTimeoutMs = 1000;
    const hello: Hello = { v: 1, bundle: held.bundleSha256, manifest: held.manifestHash, wantManifest: false };
    let closed: Error | undefined | 'open' = 'open';
    let received = 0;
    let settle!: (what: string) => void;
    let next = new Promise<string>((resolve) => { settle = resolve; });
    const session = ChunkSession.open(client, { peerId: server.peerId.toString(), addrs: server.getMultiaddrs().map(String) }, hello, new TokenBucket(undefined), {
      onBitfield: () => settle('bitfield'),
      onPiece: (index, _offset, bytes) => {
        expect(index).toBe(1);
        received += bytes.byteLength;
        if (received === CHUNK) settle('chunk');
      },
      onClose: (err) => { closed = err; settle(`closed: ${err?.message ?? 'no error'}`); },
    }, dialTimeoutMs);
    expect(await next).toBe('bitfield');
    next = new Promise<string>((resolve) => { settle = resolve; });
    // Past the deadline (a real timer: it is libp2p's own signal handling under test).
    await new Promise((r) => setTimeout(r, dialTimeoutMs * 2.5));
    expect(closed).toBe('open');
    expect(session.isClosed).toBe(false);
    session.request(1);
    expect(await next).toBe('chunk');
    session.close();
  });
});
