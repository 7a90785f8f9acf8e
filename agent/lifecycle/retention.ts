// Old deployment dirs of a deployment group (`:max_revisions:`, agent reference §4.2, compatibility
// decision 8). `<deployment-root>/<groupId>/<deploymentId>/` dirs pile up, one per deployment; this keeps
// the newest `keep` of them, counting the protected ones (the current deployment and the last successful
// install), and never deletes a protected dir, even when that leaves more than `keep` (keep 1 with a
// last-successful dir that is not the current one leaves two, as the CodeDeploy agent does).
//
// Age is the dir's mtime (what the CodeDeploy agent sorts by), ties broken by name so the result is
// deterministic. A deployment dir's mtime moves when the agent creates or removes an entry directly in it
// (bundle, deployment-archive, logs), all of which happens while that deployment runs, so mtime order is
// deployment order. Only real directories are considered: a stray file or symlink in the group dir is
// neither counted nor deleted.
import { lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';

/** The CodeDeploy agent's default `:max_revisions:`. */
export const DEFAULT_MAX_REVISIONS = 5;

/**
 * Deletes the oldest deployment dirs of `groupId` under `deploymentRootDir` (`<rootDir>/deployment-root`)
 * beyond the newest `keep`, never one listed in `protect` (deployment root dirs, compared after
 * `path.resolve`). Returns the removed dirs, oldest first. A missing group dir removes nothing.
 */
export async function pruneRevisions(
  deploymentRootDir: string,
  groupId: string,
  keep: number,
  protect: readonly string[],
): Promise<string[]> {
  if (!Number.isSafeInteger(keep) || keep < 1) throw new RangeError(`keep (max_revisions) must be an integer of at least 1, got ${keep}`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(groupId) || groupId === 'deployment-instructions') {
    throw new RangeError(`invalid deployment group id (${groupId}): it must be one plain path component`);
  }
  const groupDir = path.join(path.resolve(deploymentRootDir), groupId);
  let names: string[];
  try {
    names = await readdir(groupDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const protectedSet = new Set(protect.map((p) => path.resolve(p)));
  const dirs: { dir: string; name: string; mtimeMs: number }[] = [];
  for (const name of names) {
    const dir = path.join(groupDir, name);
    const info = await lstat(dir).catch(() => undefined);
    if (info?.isDirectory()) dirs.push({ dir, name, mtimeMs: info.mtimeMs });
  }
  const plan = planPrune(dirs, keep, protectedSet);
  const removed: string[] = [];
  for (const dir of plan) {
    await rm(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

/** Pure part: which of `dirs` to delete, oldest first. */
export function planPrune(
  dirs: readonly { dir: string; name: string; mtimeMs: number }[],
  keep: number,
  protectedDirs: ReadonlySet<string>,
): string[] {
  const isProtected = (d: { dir: string }) => protectedDirs.has(d.dir);
  const protectedCount = dirs.filter(isProtected).length;
  const newestFirst = dirs
    .filter((d) => !isProtected(d))
    .sort((a, b) => b.mtimeMs - a.mtimeMs || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
  const room = Math.max(0, keep - protectedCount);
  return newestFirst.slice(room).reverse().map((d) => d.dir);
}
