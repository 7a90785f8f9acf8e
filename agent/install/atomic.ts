// Atomic small-file writes: a reader sees the old content or the new, never a torn file.
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const tmp = tempName(file);
  const handle = await open(tmp, 'w', 0o644);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await syncDirectory(path.dirname(file));
}

/**
 * Atomic but not flushed: after a crash the file may hold its previous content. For files the agent
 * itself never reads back (written for tools and people that read CodeDeploy's layout), on the hand-over
 * path, where two fsyncs cost milliseconds. Synchronous: two system calls, no event-loop turns.
 */
export function writeFileAtomicUnsynced(file: string, content: string): void {
  const tmp = tempName(file);
  writeFileSync(tmp, content, { mode: 0o644 });
  try {
    renameSync(tmp, file);
  } catch (err) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw err;
  }
}

function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
}

/** Makes the rename itself durable; best effort (some filesystems refuse fsync on directories). */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (handle === undefined) return;
  await handle.sync().catch(() => {});
  await handle.close();
}
