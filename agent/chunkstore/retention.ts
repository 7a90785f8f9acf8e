// Retention of revision stores under one root (`<root>/<manifestHash>/`): keep at most `maxRevisions`
// (default 5, counting the current one, compatibility decision 8); never delete a pinned revision (the
// current one, the last successful one, any download in progress). Pinned revisions may push the total
// above the limit, as the CodeDeploy agent's last-successful rule does.

import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const DEFAULT_MAX_REVISIONS = 5;

export interface RevisionEntry {
  readonly id: string;
  /** Last time the revision was opened or written (ms since epoch); older ones go first. */
  readonly lastUsedMs: number;
}

export interface RetentionOptions {
  readonly maxRevisions?: number;
  /** Revision ids that must never be deleted. */
  readonly pinned?: Iterable<string>;
}

/** Which revisions to delete: the least recently used unpinned ones beyond `maxRevisions`. Pure. */
export function planRetention(entries: readonly RevisionEntry[], options: RetentionOptions = {}): string[] {
  const max = options.maxRevisions ?? DEFAULT_MAX_REVISIONS;
  if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`maxRevisions must be an integer of at least 1, got ${max}`);
  const extra = entries.length - max;
  if (extra <= 0) return [];
  const pinned = new Set(options.pinned ?? []);
  return entries
    .filter((e) => !pinned.has(e.id))
    .sort((a, b) => a.lastUsedMs - b.lastUsedMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, extra)
    .map((e) => e.id);
}

/** Revision stores under `root` (directories holding a manifest.json), with their directory mtime. */
export async function listRevisions(root: string): Promise<RevisionEntry[]> {
  const names = await readdir(root, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
  const entries: RevisionEntry[] = [];
  for (const dirent of names) {
    if (!dirent.isDirectory()) continue;
    const dir = join(root, dirent.name);
    const manifest = await stat(join(dir, 'manifest.json')).catch(() => undefined);
    if (manifest === undefined) continue;
    entries.push({ id: dirent.name, lastUsedMs: (await stat(dir)).mtimeMs });
  }
  return entries;
}

/** Applies `planRetention` to the stores under `root`; returns the ids deleted. */
export async function pruneRevisions(root: string, options: RetentionOptions = {}): Promise<string[]> {
  const doomed = planRetention(await listRevisions(root), options);
  for (const id of doomed) await rm(join(root, id), { recursive: true, force: true });
  return doomed;
}
