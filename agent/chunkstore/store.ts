// On-disk store for one revision's chunks, under `<dir>/`:
//   manifest.json  canonical manifest bytes (written once, atomically)
//   bundle         the bundle, a sparse file of bundleSize bytes written at chunk offsets
//   journal        append-only list of verified chunks (see _journal.ts), fsynced per record
//   complete       marker holding bundleSha256, written once the whole-bundle hash matched
//
// Crash safety: a chunk's bytes are written and fdatasync'ed before its journal record is appended and
// fdatasync'ed, so after a crash every journaled chunk is whole; a chunk torn mid-write has no record and is
// fetched again. `open(..., { rehash: true })` also re-checks journaled chunks against the manifest.
//
// A chunk arrives either whole (`writeChunk`) or as it streams in (`beginChunk`): its pieces go to the file as
// they come (synchronously, see ChunkWriter.write), hashed on the way, and the chunk counts as verified only once
// the hash matched and the journal says so. At most one streaming writer per chunk, and a whole chunk written
// while one streams first stops it, so bytes from a second sender can never land over verified bytes.

import { createHash } from 'node:crypto';
import { constants as fsConstants, writeSync } from 'node:fs';
import { mkdir, open, readFile, rename, utimes, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Uint8ArrayList } from 'uint8arraylist';
import { Bitfield } from '../../protocol/chunks/bitfield.ts';
import { chunkLength, chunkOffset, decodeManifest, encodeManifest } from '../../protocol/chunks/manifest.ts';
import type { Manifest } from '../../protocol/chunks/manifest.ts';
import { HEADER_BYTES, journalHeader, journalRecord, parseJournal, readAll } from './_journal.ts';
import { manifestHashOf, sha256Hex } from './hash.ts';

const HASH_READ_BYTES = 1 << 20;

export type WriteChunkResult =
  | { readonly ok: true; readonly duplicate: boolean }
  | { readonly ok: false; readonly reason: 'index' | 'length' | 'hash'; readonly message: string };

export type CompleteResult =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly reason: 'incomplete'; readonly missing: number }
  /** The whole-bundle hash did not match; `badChunks` were found corrupt on disk and are no longer verified. */
  | { readonly ok: false; readonly reason: 'hash'; readonly badChunks: number[] };

export interface OpenOptions {
  /** Re-hash every journaled chunk on open and forget those that no longer match (disk corruption). */
  readonly rehash?: boolean;
}

export class ChunkStoreError extends Error {
  override readonly name = 'ChunkStoreError';
}

export class ChunkStore {
  readonly dir: string;
  readonly manifest: Manifest;
  readonly manifestHash: string;
  private readonly verified: Bitfield;
  private bundle: FileHandle;
  private journal: FileHandle;
  private journalBytes: number;
  private journalTail: Promise<void> = Promise.resolve();
  private readonly writing = new Map<number, Promise<WriteChunkResult>>();
  private readonly streaming = new Map<number, ChunkWriter>();
  private done: boolean;

  private constructor(dir: string, manifest: Manifest, bundle: FileHandle, journal: FileHandle, journalBytes: number, indices: number[], done: boolean) {
    this.dir = dir;
    this.manifest = manifest;
    this.manifestHash = manifestHashOf(manifest);
    this.verified = Bitfield.of(manifest.chunks.length, indices);
    this.bundle = bundle;
    this.journal = journal;
    this.journalBytes = journalBytes;
    this.done = done;
  }

  /** Opens the store in `dir`, creating it for `manifest` if needed. A store for another manifest is an error. */
  static async open(dir: string, manifest: Manifest, options: OpenOptions = {}): Promise<ChunkStore> {
    const hash = manifestHashOf(manifest);
    await mkdir(dir, { recursive: true });
    const manifestPath = join(dir, 'manifest.json');
    const existing = await readFile(manifestPath).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
    if (existing === undefined) {
      await writeDurably(dir, 'manifest.json', encodeManifest(manifest));
    } else if (manifestHashOf(decodeManifest(existing)) !== hash) {
      throw new ChunkStoreError(`Chunk store ${dir} holds another manifest than ${hash}`);
    }
    const bundle = await open(join(dir, 'bundle'), fsConstants.O_RDWR | fsConstants.O_CREAT);
    if ((await bundle.stat()).size !== manifest.bundleSize) {
      await bundle.truncate(manifest.bundleSize);
      await bundle.sync();
    }
    const journal = await open(join(dir, 'journal'), fsConstants.O_RDWR | fsConstants.O_CREAT);
    const parsed = parseJournal(await readAll(journal), manifest, hash);
    let journalBytes = parsed.validBytes;
    if (!parsed.headerOk) {
      await journal.truncate(0);
      await journal.write(journalHeader(hash), 0, HEADER_BYTES, 0);
      journalBytes = HEADER_BYTES;
    } else {
      await journal.truncate(parsed.validBytes);
    }
    await journal.sync();
    await fsyncDir(dir);
    const marker = await readFile(join(dir, 'complete'), 'utf8').catch(() => '');
    const store = new ChunkStore(dir, manifest, bundle, journal, journalBytes, parsed.indices, marker === manifest.bundleSha256);
    await utimes(dir, new Date(), new Date()).catch(() => undefined);
    if (options.rehash === true) {
      const bad = await store.findBadChunks();
      if (bad.length > 0) await store.forget(bad);
    }
    return store;
  }

  /** Opens an existing store from its own manifest.json. */
  static async openExisting(dir: string, options: OpenOptions = {}): Promise<ChunkStore> {
    return ChunkStore.open(dir, decodeManifest(await readFile(join(dir, 'manifest.json'))), options);
  }

  /** Creates (or completes) a store from a local bundle file, e.g. on the origin. */
  static async importBundle(dir: string, manifest: Manifest, bundlePath: string): Promise<ChunkStore> {
    const store = await ChunkStore.open(dir, manifest);
    const source = await open(bundlePath, 'r');
    try {
      for (let i = 0; i < manifest.chunks.length; i++) {
        if (store.verified.has(i)) continue;
        const bytes = await readExactly(source, chunkOffset(manifest, i), chunkLength(manifest, i));
        const result = await store.writeChunk(i, bytes);
        if (!result.ok) throw new ChunkStoreError(`Bundle ${bundlePath} does not match the manifest: ${result.message}`);
      }
    } finally {
      await source.close();
    }
    const done = await store.complete();
    if (!done.ok) throw new ChunkStoreError(`Bundle ${bundlePath} does not match the manifest's bundleSha256`);
    return store;
  }

  get bundlePath(): string {
    return join(this.dir, 'bundle');
  }

  /** True once `complete()` has checked the whole-bundle hash (and on reopen afterwards). */
  get isComplete(): boolean {
    return this.done;
  }

  /** Sorted indices of chunks verified and durable on disk: pass to the scheduler to resume. */
  verifiedChunks(): number[] {
    return [...this.verified.indices()];
  }

  isVerified(index: number): boolean {
    return this.verified.has(index);
  }

  /** Verified chunks in the scheduler's bitfield wire form, for `have` announcements. */
  bitfield(): Uint8Array {
    return this.verified.toBytes();
  }

  /**
   * Checks `bytes` against the manifest, then writes them durably at the chunk's offset and journals the
   * chunk as verified. The result's `ok` is the scheduler's `chunkReceived(…, ok)`.
   */
  writeChunk(index: number, bytes: Uint8Array): Promise<WriteChunkResult> {
    if (!this.verified.inRange(index)) {
      return Promise.resolve({ ok: false, reason: 'index', message: `Chunk index ${index} is outside 0..${this.manifest.chunks.length - 1}` });
    }
    const expectedLength = chunkLength(this.manifest, index);
    if (bytes.byteLength !== expectedLength) {
      return Promise.resolve({ ok: false, reason: 'length', message: `Chunk ${index} has ${bytes.byteLength} bytes, expected ${expectedLength}` });
    }
    if (sha256Hex(bytes) !== this.manifest.chunks[index]) {
      return Promise.resolve({ ok: false, reason: 'hash', message: `Chunk ${index} does not match its SHA-256 in the manifest` });
    }
    if (this.verified.has(index)) return Promise.resolve({ ok: true, duplicate: true });
    const pending = this.writing.get(index);
    if (pending !== undefined) return pending.then((r) => (r.ok ? { ok: true, duplicate: true } : r));
    const streaming = this.streaming.get(index);
    const write = (async () => {
      if (streaming !== undefined) await streaming.abort();
      await this.bundle.write(bytes, 0, bytes.byteLength, chunkOffset(this.manifest, index));
      return this.commit(index);
    })().finally(() => this.writing.delete(index));
    this.writing.set(index, write);
    return write;
  }

  /**
   * Starts receiving chunk `index` piece by piece, straight to disk. Undefined when the chunk is verified,
   * being written, or already streaming from another sender: buffer that sender's bytes and `writeChunk` them.
   */
  beginChunk(index: number): ChunkWriter | undefined {
    if (!this.verified.inRange(index) || this.verified.has(index) || this.writing.has(index) || this.streaming.has(index)) return undefined;
    const writer = new ChunkWriter(this.bundle, chunkOffset(this.manifest, index), chunkLength(this.manifest, index), this.manifest.chunks[index]!, index, {
      commit: () => {
        if (this.verified.has(index)) return Promise.resolve({ ok: true, duplicate: true } as const);
        const commit = this.commit(index).finally(() => this.writing.delete(index));
        this.writing.set(index, commit);
        return commit;
      },
      release: (w) => { if (this.streaming.get(index) === w) this.streaming.delete(index); },
    });
    this.streaming.set(index, writer);
    return writer;
  }

  /** Reads a verified chunk, for serving it to peers. */
  async readChunk(index: number): Promise<Uint8Array> {
    if (!this.verified.has(index)) throw new ChunkStoreError(`Chunk ${index} is not verified in ${this.dir}`);
    return readExactly(this.bundle, chunkOffset(this.manifest, index), chunkLength(this.manifest, index));
  }

  /**
   * Checks the whole bundle against `bundleSha256` once every chunk is verified. On a match it writes the
   * `complete` marker; on a mismatch it re-hashes each chunk and forgets the bad ones so they are fetched again.
   */
  async complete(): Promise<CompleteResult> {
    if (this.done) return { ok: true, path: this.bundlePath };
    const missing = this.manifest.chunks.length - this.verified.count;
    if (missing > 0) return { ok: false, reason: 'incomplete', missing };
    await this.bundle.sync();
    const hash = createHash('sha256');
    const buffer = Buffer.alloc(HASH_READ_BYTES);
    for (let at = 0; at < this.manifest.bundleSize; ) {
      const { bytesRead } = await this.bundle.read(buffer, 0, Math.min(HASH_READ_BYTES, this.manifest.bundleSize - at), at);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      at += bytesRead;
    }
    if (hash.digest('hex') === this.manifest.bundleSha256) {
      await writeDurably(this.dir, 'complete', Buffer.from(this.manifest.bundleSha256));
      this.done = true;
      return { ok: true, path: this.bundlePath };
    }
    const badChunks = await this.findBadChunks();
    await this.forget(badChunks);
    return { ok: false, reason: 'hash', badChunks };
  }

  async close(): Promise<void> {
    await this.journalTail;
    await Promise.all([this.bundle.close(), this.journal.close()]);
  }

  /** The chunk's bytes are in the file and match: make them durable, then journal the chunk as verified. */
  private async commit(index: number): Promise<WriteChunkResult> {
    await this.bundle.datasync();
    const append = this.journalTail.then(async () => {
      const record = journalRecord(this.manifest, index);
      await this.journal.write(record, 0, record.byteLength, this.journalBytes);
      await this.journal.datasync();
      this.journalBytes += record.byteLength;
    });
    this.journalTail = append.catch(() => undefined);
    await append;
    this.verified.set(index);
    return { ok: true, duplicate: false };
  }

  private async findBadChunks(): Promise<number[]> {
    const bad: number[] = [];
    for (const index of this.verified.indices()) {
      const bytes = await readExactly(this.bundle, chunkOffset(this.manifest, index), chunkLength(this.manifest, index));
      if (sha256Hex(bytes) !== this.manifest.chunks[index]) bad.push(index);
    }
    return bad;
  }

  /** Unmarks chunks by rewriting the journal atomically (temp file, fsync, rename, fsync dir). */
  private async forget(indices: number[]): Promise<void> {
    if (indices.length === 0) return;
    await this.journalTail;
    for (const index of indices) this.verified.clear(index);
    const records = [...this.verified.indices()].map((i) => journalRecord(this.manifest, i));
    const content = Buffer.concat([journalHeader(this.manifestHash), ...records]);
    await this.journal.close();
    await writeDurably(this.dir, 'journal', content);
    this.journal = await open(join(this.dir, 'journal'), fsConstants.O_RDWR);
    this.journalBytes = content.byteLength;
  }
}

interface WriterOwner {
  commit(): Promise<WriteChunkResult>;
  release(writer: ChunkWriter): void;
}

/** One chunk streaming to disk from one sender, in order: see ChunkStore.beginChunk. */
export class ChunkWriter {
  private readonly hash = createHash('sha256');
  private received = 0;
  private error: Error | undefined;
  /** finish() or abort() was called: no more bytes are taken. */
  private closed = false;

  constructor(
    private readonly bundle: FileHandle,
    private readonly offset: number,
    private readonly length: number,
    private readonly expected: string,
    private readonly index: number,
    private readonly owner: WriterOwner,
  ) {}

  /**
   * The next bytes of the chunk, hashed and written to the bundle before this returns. The write is
   * synchronous on purpose: bytes handed to the thread pool stay referenced until it has written them, long
   * enough for V8 to move the network's buffers to the old generation, where only a full collection frees them;
   * written at once, they die young. A 256 KiB write into the page cache takes about a millisecond here, and a
   * disk that falls behind slows the reads off the network instead of piling bytes up in memory
   * (docs/distribution.md, "Pieces are written as they arrive"). Refused (false) after finish or abort, or
   * past the chunk's end (the writer is unchanged).
   */
  write(bytes: Uint8Array | Uint8ArrayList): boolean {
    const n = bytes.byteLength;
    if (this.closed || this.received + n > this.length) return false;
    const at = this.offset + this.received;
    this.received += n;
    const parts = bytes instanceof Uint8Array ? [bytes] : [...bytes];
    for (const part of parts) this.hash.update(part);
    if (this.error !== undefined) return true; // finish() reports it
    try {
      writeAllAtSync(this.bundle.fd, parts, at);
    } catch (err) {
      this.error = err instanceof Error ? err : new Error(String(err));
    }
    return true;
  }

  /** Every byte arrived: checks the hash and, on a match, commits the chunk as verified. */
  async finish(): Promise<WriteChunkResult> {
    this.closed = true;
    try {
      if (this.error !== undefined) throw this.error;
      if (this.received !== this.length) {
        return { ok: false, reason: 'length', message: `Chunk ${this.index} has ${this.received} bytes, expected ${this.length}` };
      }
      if (this.hash.digest('hex') !== this.expected) {
        return { ok: false, reason: 'hash', message: `Chunk ${this.index} does not match its SHA-256 in the manifest` };
      }
      return await this.owner.commit();
    } finally {
      this.owner.release(this);
    }
  }

  /** Gives the chunk up: no further bytes are written (the ones taken are on disk already). */
  async abort(): Promise<void> {
    this.closed = true;
    this.owner.release(this);
  }
}

function writeAllAtSync(fd: number, parts: readonly Uint8Array[], position: number): void {
  let at = position;
  for (const part of parts) {
    for (let done = 0; done < part.byteLength;) {
      const written = writeSync(fd, part, done, part.byteLength - done, at + done);
      if (written === 0) throw new ChunkStoreError(`No bytes written at ${at + done}`);
      done += written;
    }
    at += part.byteLength;
  }
}

async function readExactly(handle: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const buffer = Buffer.alloc(length);
  let at = 0;
  while (at < length) {
    const { bytesRead } = await handle.read(buffer, at, length - at, offset + at);
    if (bytesRead === 0) throw new ChunkStoreError(`Unexpected end of file reading ${length} bytes at ${offset}`);
    at += bytesRead;
  }
  return buffer;
}

/** Writes `name` in `dir` via a temp file, fsync, rename and directory fsync. */
async function writeDurably(dir: string, name: string, content: Uint8Array): Promise<void> {
  const temp = join(dir, `.${name}.tmp`);
  await writeFile(temp, content);
  const handle = await open(temp, 'r+');
  await handle.sync();
  await handle.close();
  await rename(temp, join(dir, name));
  await fsyncDir(dir);
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
