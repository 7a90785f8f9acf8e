// The revisions a host holds on disk, one ChunkStore per revision under `<rootDir>/chunks/<bundleSha256>/`.
// One open store per revision per process: downloads and the chunk server share it, so a chunk verified by
// the download is announced (HAVE) to every session serving that revision. Retention keeps the newest
// `maxRevisions` stores and never deletes a pinned one (current download, last deployed revision).
import { readFile, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { ChunkStore, ChunkStoreError } from '../chunkstore/store.ts';
import { sha256Hex } from '../chunkstore/hash.ts';
import { pruneRevisions } from '../chunkstore/retention.ts';
import { decodeManifest, encodeManifest } from '../../protocol/chunks/manifest.ts';
import type { Manifest } from '../../protocol/chunks/manifest.ts';
import { FileRevision, type HeldRevision } from './held.ts';

export interface HeldStore {
  readonly store: ChunkStore;
  readonly held: FileRevision;
}

const HEX64 = /^[0-9a-f]{64}$/;

export class RevisionCatalog {
  private readonly entries = new Map<string, Promise<HeldStore | undefined>>();

  constructor(readonly root: string) {}

  dirOf(bundleSha256: string): string {
    return path.join(this.root, bundleSha256);
  }

  /** The held revision a HELLO names, opening its store from disk when needed. */
  readonly locate = async (bundleSha256: string, manifestHash: string): Promise<HeldRevision | undefined> => {
    if (!HEX64.test(bundleSha256)) return undefined;
    let entry = this.entries.get(bundleSha256);
    if (entry === undefined) {
      const manifestBytes = await readFile(path.join(this.dirOf(bundleSha256), 'manifest.json')).catch(() => undefined);
      if (manifestBytes === undefined || sha256Hex(manifestBytes) !== manifestHash) return undefined;
      entry = this.entries.get(bundleSha256) ?? this.openEntry(decodeManifest(manifestBytes), manifestBytes);
      this.entries.set(bundleSha256, entry);
    }
    const opened = await entry.catch(() => undefined);
    return opened !== undefined && opened.held.manifestHash === manifestHash ? opened.held : undefined;
  };

  /** Reads a manifest already on disk for this revision, if its hash is `manifestHash`. */
  async localManifest(bundleSha256: string, manifestHash: string): Promise<Uint8Array | undefined> {
    const bytes = await readFile(path.join(this.dirOf(bundleSha256), 'manifest.json')).catch(() => undefined);
    return bytes !== undefined && sha256Hex(bytes) === manifestHash ? bytes : undefined;
  }

  /** Opens (creating if needed) the store for a verified manifest, for a download. */
  async acquire(manifest: Manifest): Promise<HeldStore> {
    const sha = manifest.bundleSha256;
    const bytes = encodeManifest(manifest);
    const existing = this.entries.get(sha);
    if (existing !== undefined) {
      const opened = await existing.catch(() => undefined);
      if (opened !== undefined && opened.held.manifestHash === sha256Hex(bytes)) return opened;
      await this.close(sha);
    }
    const entry = this.openEntry(manifest, bytes);
    this.entries.set(sha, entry);
    const opened = await entry;
    if (opened === undefined) throw new ChunkStoreError(`cannot open the chunk store for ${sha}`);
    return opened;
  }

  /** Deletes the stores beyond `maxRevisions` (least recently used first), except pinned ones. */
  async prune(maxRevisions: number, pinned: Iterable<string>): Promise<string[]> {
    const keep = new Set(pinned);
    for (const sha of this.entries.keys()) {
      const dir = this.dirOf(sha);
      if (keep.has(sha)) await touch(dir);
    }
    const deleted = await pruneRevisions(this.root, { maxRevisions, pinned: keep });
    for (const sha of deleted) await this.close(sha);
    return deleted;
  }

  async closeAll(): Promise<void> {
    for (const sha of [...this.entries.keys()]) await this.close(sha);
  }

  private async close(sha: string): Promise<void> {
    const entry = this.entries.get(sha);
    this.entries.delete(sha);
    const opened = await entry?.catch(() => undefined);
    if (opened !== undefined) {
      await opened.held.close();
      await opened.store.close().catch(() => undefined);
    }
  }

  private async openEntry(manifest: Manifest, manifestBytes: Uint8Array): Promise<HeldStore | undefined> {
    const dir = this.dirOf(manifest.bundleSha256);
    let store: ChunkStore;
    try {
      store = await ChunkStore.open(dir, manifest);
    } catch (err) {
      if (!(err instanceof ChunkStoreError)) throw err;
      // The directory holds another manifest of the same bundle (another chunk size): start over.
      await rm(dir, { recursive: true, force: true });
      store = await ChunkStore.open(dir, manifest);
    }
    const held = new FileRevision(manifest, store.manifestHash, manifestBytes, store.bundlePath, {
      has: (i) => store.isVerified(i),
      bitfield: () => store.bitfield(),
    });
    return { store, held };
  }
}

async function touch(dir: string): Promise<void> {
  await stat(dir).then(() => utimes(dir, new Date(), new Date())).catch(() => undefined);
}
