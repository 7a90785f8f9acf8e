// The host's cache of verified bundles, by content hash. A host starts fetching a revision as soon as it
// accepts the intent, while it waits for its rollout slot, so a host granted a slot later finds the bytes
// already here (and the fleet no longer needs the coordinator). DownloadBundle still runs in its place in
// the lifecycle: it takes the verified bundle from the cache.
import { statSync, utimesSync } from 'node:fs';
import { readdir, rm, stat, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { RevisionRef } from '../../protocol/messages/intent.ts';
import type { FetchHints, FetchProgress, RevisionSource } from './revision-source.ts';

export class BundleCache {
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(
    private readonly dir: string,
    private readonly source: RevisionSource,
    private readonly keep: number,
  ) {}

  fileFor(revision: Pick<RevisionRef, 'sha256' | 'bundleType'>): string {
    return path.join(this.dir, `${revision.sha256}.${revision.bundleType}`);
  }

  /** The verified bundle's path, fetching it once however many callers ask at the same time. */
  ensure(revision: RevisionRef, onProgress: (p: FetchProgress) => void, signal: AbortSignal, hints?: FetchHints): Promise<string> {
    const existing = this.inflight.get(revision.sha256);
    if (existing) return existing;
    const file = this.fileFor(revision);
    const job = (async () => {
      if (await this.holds(revision)) {
        utimesSync(file, new Date(), new Date()); // most recently used is kept longest
        return file;
      }
      await mkdir(this.dir, { recursive: true });
      await this.source.fetch(revision, file, onProgress, signal, hints);
      await this.prune(revision.sha256);
      return file;
    })();
    this.inflight.set(revision.sha256, job);
    job.then(() => this.inflight.delete(revision.sha256), () => this.inflight.delete(revision.sha256));
    return job;
  }

  /** A verified bundle is only ever renamed into place complete, so presence with the right size is enough. */
  async holds(revision: Pick<RevisionRef, 'sha256' | 'bundleType' | 'size'>): Promise<boolean> {
    // Synchronous: asked between a grant and the first hook (lifecycle/steps.ts), and a stat is microseconds.
    try {
      const info = statSync(this.fileFor(revision));
      return info.isFile() && info.size === revision.size;
    } catch {
      return false;
    }
  }

  async locate(sha256: string): Promise<string | undefined> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const name = names.find((n) => n.startsWith(`${sha256}.`) && !n.endsWith('.partial'));
    return name === undefined ? undefined : path.join(this.dir, name);
  }

  /** Keeps the `keep` most recently used bundles (max_revisions). */
  private async prune(justAdded: string): Promise<void> {
    const names = (await readdir(this.dir)).filter((n) => /^[0-9a-f]{64}\.(zip|tar|tgz)$/.test(n));
    const entries = await Promise.all(names.map(async (n) => ({ n, mtime: (await stat(path.join(this.dir, n))).mtimeMs })));
    entries.sort((a, b) => b.mtime - a.mtime);
    for (const { n } of entries.slice(this.keep)) {
      if (!n.startsWith(justAdded) && !this.inflight.has(n.slice(0, 64))) await rm(path.join(this.dir, n), { force: true });
    }
  }
}
