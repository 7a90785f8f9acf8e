import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, stat, utimes, writeFile, mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chunkLength, chunkOffset, decodeManifest, manifestHash } from '../../protocol/chunks/manifest.ts';
import type { Manifest } from '../../protocol/chunks/manifest.ts';
import { buildManifestFromFile } from './build-manifest.ts';
import { manifestHashOf, sha256 } from './hash.ts';
import { listRevisions, planRetention, pruneRevisions } from './retention.ts';
import { ChunkStore } from './store.ts';
import { Uint8ArrayList } from 'uint8arraylist';

const CHUNK = 4096;
let root: string;
let bundlePath: string;
let bundle: Buffer;
let manifest: Manifest;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'convoy-chunkstore-'));
  bundle = randomBytes(CHUNK * 5 + 1234);
  bundlePath = join(root, 'src.tgz');
  await writeFile(bundlePath, bundle);
  manifest = await buildManifestFromFile(bundlePath, { bundleType: 'tgz', chunkSize: CHUNK });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const chunk = (i: number): Buffer => bundle.subarray(chunkOffset(manifest, i), chunkOffset(manifest, i) + chunkLength(manifest, i));

describe('buildManifestFromFile()', () => {
  it('hashes each chunk and the whole bundle, with a short last chunk', () => {
    expect(manifest.chunks).toHaveLength(6);
    expect(manifest.bundleSize).toBe(bundle.byteLength);
    expect(manifest.bundleSha256).toBe(createHash('sha256').update(bundle).digest('hex'));
    expect(manifest.chunks[5]).toBe(createHash('sha256').update(bundle.subarray(CHUNK * 5)).digest('hex'));
    expect(chunkLength(manifest, 5)).toBe(1234);
    expect(manifestHashOf(manifest)).toBe(manifestHash(manifest, sha256));
  });

  it('gives the same chunk hashes whatever the read buffer boundaries (chunk larger than the read buffer)', async () => {
    const big = randomBytes((1 << 21) + 17);
    const path = join(root, 'big.tar');
    await writeFile(path, big);
    const m = await buildManifestFromFile(path, { bundleType: 'tar', chunkSize: 1 << 21 });
    expect(m.chunks).toEqual([
      createHash('sha256').update(big.subarray(0, 1 << 21)).digest('hex'),
      createHash('sha256').update(big.subarray(1 << 21)).digest('hex'),
    ]);
  });

  it('rejects an empty file (a bundle has at least one byte)', async () => {
    const path = join(root, 'empty.zip');
    await writeFile(path, '');
    await expect(buildManifestFromFile(path, { bundleType: 'zip', chunkSize: CHUNK })).rejects.toThrow(/bundleSize/);
  });
});

describe('ChunkStore', () => {
  it('writes chunks in any order, serves them back and completes with the whole-bundle hash', async () => {
    const dir = join(root, 'rev');
    const store = await ChunkStore.open(dir, manifest);
    expect(store.verifiedChunks()).toEqual([]);
    for (const i of [3, 0, 5, 1, 4, 2]) expect(await store.writeChunk(i, chunk(i))).toEqual({ ok: true, duplicate: false });
    expect(await store.writeChunk(3, chunk(3))).toEqual({ ok: true, duplicate: true });
    expect(Buffer.from(await store.readChunk(5))).toEqual(chunk(5));
    expect(await store.complete()).toEqual({ ok: true, path: join(dir, 'bundle') });
    expect(await readFile(join(dir, 'bundle'))).toEqual(bundle);
    expect(decodeManifest(await readFile(join(dir, 'manifest.json')))).toEqual(manifest);
    await store.close();
    const again = await ChunkStore.openExisting(dir);
    expect(again.isComplete).toBe(true);
    expect(again.verifiedChunks()).toEqual([0, 1, 2, 3, 4, 5]);
    await again.close();
  });

  it('rejects a chunk with the wrong hash, the wrong length or a bad index, and does not mark it', async () => {
    const store = await ChunkStore.open(join(root, 'rev'), manifest);
    const corrupt = Buffer.from(chunk(1));
    corrupt[7] = (corrupt[7] ?? 0) ^ 1;
    expect(await store.writeChunk(1, corrupt)).toMatchObject({ ok: false, reason: 'hash' });
    expect(await store.writeChunk(1, chunk(1).subarray(1))).toMatchObject({ ok: false, reason: 'length' });
    expect(await store.writeChunk(6, chunk(1))).toMatchObject({ ok: false, reason: 'index' });
    expect(store.verifiedChunks()).toEqual([]);
    await expect(store.readChunk(1)).rejects.toThrow(/not verified/);
    expect(await store.complete()).toEqual({ ok: false, reason: 'incomplete', missing: 6 });
    await store.close();
  });

  it('handles concurrent writes of the same and different chunks', async () => {
    const store = await ChunkStore.open(join(root, 'rev'), manifest);
    const results = await Promise.all([0, 0, 1, 2, 3, 4, 5, 5].map((i) => store.writeChunk(i, chunk(i))));
    expect(results.filter((r) => r.ok && !r.duplicate)).toHaveLength(6);
    await store.close();
    const again = await ChunkStore.open(join(root, 'rev'), manifest);
    expect(again.verifiedChunks()).toEqual([0, 1, 2, 3, 4, 5]);
    expect((await again.complete()).ok).toBe(true);
    await again.close();
  });

  it('resumes after a crash mid-download: keeps verified chunks, discards a torn chunk and a torn journal record', async () => {
    const dir = join(root, 'rev');
    const store = await ChunkStore.open(dir, manifest);
    await store.writeChunk(0, chunk(0));
    await store.writeChunk(4, chunk(4));
    // Crash while chunk 2 was being written: half its bytes reached the bundle file, and a partial journal
    // record (what a torn append leaves) follows the good records.
    const bundleFile = await open(join(dir, 'bundle'), 'r+');
    await bundleFile.write(chunk(2).subarray(0, CHUNK / 2), 0, CHUNK / 2, chunkOffset(manifest, 2));
    await bundleFile.close();
    const journalSize = (await stat(join(dir, 'journal'))).size;
    const journalFile = await open(join(dir, 'journal'), 'a');
    await journalFile.write(Buffer.from([0, 0, 0, 2, 0xaa]));
    await journalFile.close();
    await store.close(); // the process is gone; nothing else is flushed

    const resumed = await ChunkStore.open(dir, manifest);
    expect(resumed.verifiedChunks()).toEqual([0, 4]);
    expect((await stat(join(dir, 'journal'))).size).toBe(journalSize);
    for (const i of [1, 2, 3, 5]) expect((await resumed.writeChunk(i, chunk(i))).ok).toBe(true);
    expect(await resumed.complete()).toMatchObject({ ok: true });
    await resumed.close();
    const again = await ChunkStore.open(dir, manifest);
    expect(again.verifiedChunks()).toEqual([0, 1, 2, 3, 4, 5]);
    await again.close();
  });

  it('ignores zeros a crash left at the end of the journal', async () => {
    const dir = join(root, 'rev');
    const store = await ChunkStore.open(dir, manifest);
    await store.writeChunk(1, chunk(1));
    await store.close();
    const journalFile = await open(join(dir, 'journal'), 'a');
    await journalFile.write(Buffer.alloc(16));
    await journalFile.close();
    const resumed = await ChunkStore.open(dir, manifest);
    expect(resumed.verifiedChunks()).toEqual([1]);
    await resumed.close();
  });

  it('rehash on open forgets a journaled chunk whose bytes were corrupted on disk', async () => {
    const dir = join(root, 'rev');
    const store = await ChunkStore.open(dir, manifest);
    for (let i = 0; i < 6; i++) await store.writeChunk(i, chunk(i));
    await store.close();
    const bundleFile = await open(join(dir, 'bundle'), 'r+');
    await bundleFile.write(Buffer.from([0xff ^ (chunk(3)[0] ?? 0)]), 0, 1, chunkOffset(manifest, 3));
    await bundleFile.close();
    const plain = await ChunkStore.open(dir, manifest);
    expect(plain.verifiedChunks()).toEqual([0, 1, 2, 3, 4, 5]);
    // complete() catches it through the whole-bundle hash and forgets the bad chunk.
    expect(await plain.complete()).toEqual({ ok: false, reason: 'hash', badChunks: [3] });
    expect(plain.verifiedChunks()).toEqual([0, 1, 2, 4, 5]);
    await plain.close();
    const rehashed = await ChunkStore.open(dir, manifest, { rehash: true });
    expect(rehashed.verifiedChunks()).toEqual([0, 1, 2, 4, 5]);
    expect((await rehashed.writeChunk(3, chunk(3))).ok).toBe(true);
    expect((await rehashed.complete()).ok).toBe(true);
    await rehashed.close();
  });

  it('refuses to open a directory that holds another manifest', async () => {
    const dir = join(root, 'rev');
    await (await ChunkStore.open(dir, manifest)).close();
    const other = { ...manifest, bundleType: 'tar' as const };
    await expect(ChunkStore.open(dir, other)).rejects.toThrow(/another manifest/);
  });

  it('importBundle() builds a complete store from a local file', async () => {
    const store = await ChunkStore.importBundle(join(root, 'origin'), manifest, bundlePath);
    expect(store.isComplete).toBe(true);
    expect(Buffer.from(await store.readChunk(2))).toEqual(chunk(2));
    await store.close();
    const wrong = join(root, 'wrong.tgz');
    await writeFile(wrong, randomBytes(bundle.byteLength));
    await expect(ChunkStore.importBundle(join(root, 'origin2'), manifest, wrong)).rejects.toThrow(/does not match/);
  });
});

describe('ChunkStore streaming writes (beginChunk)', () => {
  /** Chunk i split into `parts` pieces, each piece a Uint8ArrayList of two buffers, as chunk sessions deliver them. */
  const pieces = (bytes: Uint8Array, parts: number): Uint8ArrayList[] => {
    const out: Uint8ArrayList[] = [];
    const step = Math.ceil(bytes.byteLength / parts);
    for (let at = 0; at < bytes.byteLength; at += step) {
      const piece = Buffer.from(bytes.subarray(at, Math.min(at + step, bytes.byteLength)));
      const half = piece.byteLength >> 1;
      out.push(new Uint8ArrayList(piece.subarray(0, half), piece.subarray(half)));
    }
    return out;
  };

  it('streams a chunk to disk piece by piece, verifies it and journals it so a reopen resumes with it', async () => {
    const dir = join(root, 'store');
    const store = await ChunkStore.open(dir, manifest);
    const writer = store.beginChunk(2)!;
    for (const p of pieces(chunk(2), 5)) expect(writer.write(p)).toBe(true);
    expect(store.isVerified(2)).toBe(false);
    expect(await writer.finish()).toEqual({ ok: true, duplicate: false });
    expect(store.isVerified(2)).toBe(true);
    expect(Buffer.from(await store.readChunk(2)).equals(chunk(2))).toBe(true);
    expect(store.beginChunk(2)).toBeUndefined(); // verified: nothing more to stream
    await store.close();
    const reopened = await ChunkStore.open(dir, manifest, { rehash: true });
    expect(reopened.verifiedChunks()).toEqual([2]);
    await reopened.close();
  });

  it('a piece is in the file when write returns, so the network\'s buffers are free at once (they die young)', async () => {
    const dir = join(root, 'store');
    const store = await ChunkStore.open(dir, manifest);
    const writer = store.beginChunk(3)!;
    const offset = chunkOffset(manifest, 3);
    let at = 0;
    for (const p of pieces(chunk(3), 4)) {
      const bytes = p.subarray();
      expect(writer.write(p)).toBe(true);
      const onDisk = readFileSync(join(dir, 'bundle')).subarray(offset + at, offset + at + bytes.byteLength);
      expect(onDisk.equals(bytes)).toBe(true);
      for (const part of p) part.fill(0xee); // the caller reuses its buffers: nothing may read them later
      at += bytes.byteLength;
    }
    expect(await writer.finish()).toEqual({ ok: true, duplicate: false });
    expect(Buffer.from(await store.readChunk(3)).equals(chunk(3))).toBe(true);
    await store.close();
  });

  it('a streamed chunk that fails its hash or comes short is not verified, and the chunk can be fetched again', async () => {
    const store = await ChunkStore.open(join(root, 'store'), manifest);
    const bad = Buffer.from(chunk(1));
    bad.writeUInt8(bad.readUInt8(100) ^ 0xff, 100);
    const w1 = store.beginChunk(1)!;
    for (const p of pieces(bad, 3)) w1.write(p);
    expect(await w1.finish()).toMatchObject({ ok: false, reason: 'hash' });
    const w2 = store.beginChunk(1)!;
    w2.write(chunk(1).subarray(0, 10));
    expect(await w2.finish()).toMatchObject({ ok: false, reason: 'length' });
    expect(store.isVerified(1)).toBe(false);
    const w3 = store.beginChunk(1)!;
    expect(w3.write(Buffer.concat([chunk(1), Buffer.from([1])]))).toBe(false); // past the chunk's end
    for (const p of pieces(chunk(1), 2)) w3.write(p);
    expect(await w3.finish()).toEqual({ ok: true, duplicate: false });
    await store.close();
  });

  it('one streaming writer per chunk; a whole chunk from another sender stops it, and its later bytes never land', async () => {
    const store = await ChunkStore.open(join(root, 'store'), manifest);
    const liar = store.beginChunk(0)!;
    expect(store.beginChunk(0)).toBeUndefined(); // a second sender's bytes are buffered instead
    const garbage = Buffer.alloc(chunkLength(manifest, 0), 0xee);
    liar.write(garbage.subarray(0, 1000));
    expect(await store.writeChunk(0, chunk(0))).toEqual({ ok: true, duplicate: false });
    expect(liar.write(garbage.subarray(1000, 2000))).toBe(false);
    expect(await liar.finish()).toMatchObject({ ok: false, reason: 'length' });
    expect(Buffer.from(await store.readChunk(0)).equals(chunk(0))).toBe(true);
    await store.close();
  });
});

describe('retention', () => {
  const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, lastUsedMs: 1000 + i }));

  it('planRetention() keeps the newest maxRevisions (default 5)', () => {
    expect(planRetention(entries(5))).toEqual([]);
    expect(planRetention(entries(7))).toEqual(['r0', 'r1']);
    expect(planRetention(entries(7), { maxRevisions: 1 })).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
  });

  it('planRetention() never deletes a pinned revision, even if that keeps more than the limit', () => {
    expect(planRetention(entries(7), { pinned: ['r0'] })).toEqual(['r1', 'r2']);
    expect(planRetention(entries(3), { maxRevisions: 1, pinned: ['r0', 'r2'] })).toEqual(['r1']);
    expect(planRetention(entries(2), { maxRevisions: 1, pinned: ['r0', 'r1'] })).toEqual([]);
  });

  it('planRetention() rejects a limit below 1', () => {
    expect(() => planRetention(entries(2), { maxRevisions: 0 })).toThrow(RangeError);
  });

  it('pruneRevisions() deletes the least recently used unpinned stores on disk', async () => {
    const revs = join(root, 'revisions');
    for (let i = 0; i < 4; i++) {
      const dir = join(revs, `rev${i}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'manifest.json'), '{}');
      await utimes(dir, new Date(1_000_000 + i * 1000), new Date(1_000_000 + i * 1000));
    }
    await mkdir(join(revs, 'not-a-store'));
    expect((await listRevisions(revs)).map((e) => e.id).sort()).toEqual(['rev0', 'rev1', 'rev2', 'rev3']);
    expect(await pruneRevisions(revs, { maxRevisions: 2, pinned: ['rev0'] })).toEqual(['rev1', 'rev2']);
    expect((await listRevisions(revs)).map((e) => e.id).sort()).toEqual(['rev0', 'rev3']);
    expect(await pruneRevisions(join(root, 'missing'))).toEqual([]);
  });
});
