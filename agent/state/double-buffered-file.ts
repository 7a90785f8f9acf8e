// Durable state written in place: the file holds two fixed-size regions and each write goes to the one
// not holding the newest state, then fdatasync. A region carries a sequence number and a SHA-256 over its
// contents, so a torn write is detected and the other (older, last acknowledged) region is used. No
// rename and no directory fsync per write: only the file's data blocks and the disk cache are flushed,
// which on ext4 avoids waiting for a journal commit that other processes' writes may have filled. Measured
// here, this class against writeFileDurable, 10 processes writing 3 KB states at once: p50 1.3 ms against
// 3.8 ms for temp file + fsync + rename + directory fsync.
// A state that outgrows its region moves the file to larger regions once, through a temp file + rename.
import { createHash } from 'node:crypto';
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { writeFileDurable } from './durable-file.ts';

const MAGIC = 0x43565931; // "CVY1"
const HEADER_BYTES = 4 + 8 + 4 + 32; // magic, sequence, payload length, sha256(sequence ‖ length ‖ payload)
const MIN_REGION_BYTES = 64 * 1024;

export class DoubleBufferedFile {
  private tail: Promise<void> = Promise.resolve();
  private legacy: string | undefined;

  private constructor(
    private readonly file: string,
    private exists: boolean,
    private regionBytes: number,
    /** Sequence of the newest valid region; the next write goes to region (seq + 1) % 2. */
    private seq: bigint,
  ) {}

  /**
   * Opens `file` (it may not exist yet) and returns the newest intact state in it, if any. `legacy` is
   * a plain file an older agent wrote whole: read when `file` does not exist, removed after the first write.
   */
  static async open(file: string, legacy?: string): Promise<{ file: DoubleBufferedFile; contents: Uint8Array | undefined }> {
    const bytes = await readIfExists(file);
    if (bytes === undefined) {
      const old = legacy === undefined ? undefined : await readIfExists(legacy);
      const created = new DoubleBufferedFile(file, false, 0, 0n);
      if (old !== undefined) created.legacy = legacy;
      return { file: created, contents: old };
    }
    if (bytes.length < 2 * HEADER_BYTES || bytes.length % 2 !== 0) throw new Error(`State file ${file} has an impossible size (${bytes.length} bytes)`);
    const regionBytes = bytes.length / 2;
    const regions = [readRegion(bytes.subarray(0, regionBytes)), readRegion(bytes.subarray(regionBytes))];
    const newest = regions.filter((r) => r !== undefined).sort((a, b) => (a.seq > b.seq ? -1 : 1))[0];
    if (newest === undefined) throw new Error(`State file ${file} has no intact copy (both regions fail their checksum)`);
    return { file: new DoubleBufferedFile(file, true, regionBytes, newest.seq), contents: newest.payload };
  }

  /**
   * Resolves once `contents` is on disk (fdatasync); a crash before that leaves the previous state.
   * Writes are applied one at a time in call order, so the newest call always ends up on disk.
   */
  write(contents: Uint8Array): Promise<void> {
    const done = this.tail.then(() => this.writeNow(contents));
    this.tail = done.catch(() => undefined);
    return done;
  }

  private async writeNow(contents: Uint8Array): Promise<void> {
    const seq = this.seq + 1n;
    const region = encodeRegion(seq, contents);
    if (!this.exists || region.length > this.regionBytes) {
      await this.relocate(seq, region);
    } else {
      writeInPlace(this.file, region, Number(seq % 2n) * this.regionBytes);
    }
    this.seq = seq;
  }

  /** Resolves once the writes already asked for are done. */
  close(): Promise<void> {
    return this.tail;
  }

  /** First write, or a state too big for its region: a new file with room to spare, swapped in atomically. */
  private async relocate(seq: bigint, region: Uint8Array): Promise<void> {
    let regionBytes = Math.max(MIN_REGION_BYTES, this.regionBytes);
    while (regionBytes < region.length) regionBytes *= 2;
    const image = new Uint8Array(2 * regionBytes);
    image.set(region, Number(seq % 2n) * regionBytes);
    await writeFileDurable(this.file, image);
    this.exists = true;
    this.regionBytes = regionBytes;
    if (this.legacy !== undefined) await rm(this.legacy, { force: true });
    this.legacy = undefined;
  }
}

/**
 * Synchronous on purpose: the write lands in the page cache and the fdatasync flushes one small region
 * (measured here ~0.4 ms). Done async, open, write, datasync and close each wait for an event-loop turn,
 * and on a busy agent those turns, not the disk, made a persist take 5-25 ms on the hand-over path.
 * Opened per write: no descriptor outlives a write, so an owner that never closes leaks nothing.
 */
function writeInPlace(file: string, region: Uint8Array, position: number): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, region, 0, region.length, position);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function encodeRegion(seq: bigint, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC);
  view.setBigUint64(4, seq);
  view.setUint32(12, payload.length);
  out.set(payload, HEADER_BYTES);
  out.set(digest(out.subarray(4, 16), payload), 16);
  return out;
}

function readRegion(region: Uint8Array): { seq: bigint; payload: Uint8Array } | undefined {
  const view = new DataView(region.buffer, region.byteOffset, region.byteLength);
  if (view.getUint32(0) !== MAGIC) return undefined;
  const length = view.getUint32(12);
  if (HEADER_BYTES + length > region.length) return undefined;
  const payload = region.subarray(HEADER_BYTES, HEADER_BYTES + length);
  const expected = digest(region.subarray(4, 16), payload);
  const actual = region.subarray(16, HEADER_BYTES);
  for (let i = 0; i < expected.length; i++) if (expected[i] !== actual[i]) return undefined;
  return { seq: view.getBigUint64(4), payload };
}

function digest(header: Uint8Array, payload: Uint8Array): Uint8Array {
  return createHash('sha256').update(header).update(payload).digest();
}

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
