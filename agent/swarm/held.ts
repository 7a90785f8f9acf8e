// What a host can serve: revisions it holds wholly or in part. A `HeldRevision` reads verified chunk bytes
// straight from the bundle file in PIECE_BYTES slices, so serving never holds a whole chunk in memory.
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { Bitfield } from '../../protocol/chunks/bitfield.ts';
import type { Manifest } from '../../protocol/chunks/manifest.ts';

export interface HeldRevision {
  readonly bundleSha256: string;
  readonly manifestHash: string;
  readonly manifest: Manifest;
  /** Canonical manifest bytes, sent to peers that ask for them. */
  readonly manifestBytes: Uint8Array;
  has(index: number): boolean;
  /** Verified chunks, bitfield wire form. */
  bitfield(): Uint8Array;
  /** Fills `target` with the bundle bytes at `offset` (only ever inside verified chunks). */
  readInto(target: Uint8Array, offset: number): Promise<void>;
  /** Subscribes to chunks verified from now on; returns the unsubscribe function. */
  onHave(listener: (index: number) => void): () => void;
}

/** Finds the revision a HELLO names, or undefined when this host holds none of it. */
export type RevisionLocator = (bundleSha256: string, manifestHash: string) => Promise<HeldRevision | undefined>;

/** A held revision backed by a bundle file; `has` says which chunks of it may be read. */
export class FileRevision implements HeldRevision {
  private handle: Promise<FileHandle> | undefined;
  private readonly listeners = new Set<(index: number) => void>();

  constructor(
    readonly manifest: Manifest,
    readonly manifestHash: string,
    readonly manifestBytes: Uint8Array,
    private readonly bundlePath: string,
    private readonly verified: { has(index: number): boolean; bitfield(): Uint8Array } = fullSet(manifest.chunks.length),
  ) {}

  get bundleSha256(): string {
    return this.manifest.bundleSha256;
  }

  has(index: number): boolean {
    return this.verified.has(index);
  }

  bitfield(): Uint8Array {
    return this.verified.bitfield();
  }

  async readInto(target: Uint8Array, offset: number): Promise<void> {
    this.handle ??= open(this.bundlePath, 'r');
    const handle = await this.handle;
    const length = target.byteLength;
    let at = 0;
    while (at < length) {
      const { bytesRead } = await handle.read(target, at, length - at, offset + at);
      if (bytesRead === 0) throw new Error(`bundle ${this.bundlePath} ends before ${offset + length}`);
      at += bytesRead;
    }
  }

  onHave(listener: (index: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells subscribed sessions that chunk `index` became available. */
  announce(index: number): void {
    for (const listener of this.listeners) listener(index);
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (handle !== undefined) await (await handle).close().catch(() => undefined);
  }
}

function fullSet(n: number): { has(index: number): boolean; bitfield(): Uint8Array } {
  const all = Bitfield.of(n, Array.from({ length: n }, (_, i) => i));
  const bytes = all.toBytes();
  return { has: (i) => all.has(i), bitfield: () => bytes };
}
