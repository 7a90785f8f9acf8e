// The `<groupId>-cleanup` file: what the previous install created, removed at the next Install (§3.5).
import { lstat, open, readFile, rmdir, unlink, type FileHandle } from 'node:fs/promises';
import { errorText, InstallError } from './errors.ts';
import { isMissing } from './generate-files.ts';
import type { InstallLogger } from './logger.ts';
import { findOnPath, runTool } from './system.ts';

const SEMANAGE_PREFIX = 'semanage\0';

/** Parses a cleanup file's text into entries, newest last; a last line without newline was torn and is dropped. */
export function parseCleanup(text: string): string[] {
  const lines = text.split('\n');
  lines.pop(); // either '' after the final newline, or a torn line
  return lines.filter((l) => l !== '');
}

/** Replays and deletes the cleanup file. Returns how many entries were processed (0 when there is none). */
export async function replayCleanup(file: string, logger: InstallLogger): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isMissing(err)) return 0;
    throw new InstallError('CLEANUP_FAILED', `cannot read cleanup file ${file}: ${errorText(err)}`, file, { cause: err });
  }
  const entries = parseCleanup(text);
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i] ?? '';
    if (entry.startsWith(SEMANAGE_PREFIX)) await removeContext(entry.slice(SEMANAGE_PREFIX.length), logger);
    else await removePath(entry);
  }
  await unlink(file).catch((err: unknown) => {
    if (!isMissing(err)) throw new InstallError('CLEANUP_FAILED', `cannot delete ${file}: ${errorText(err)}`, file);
  });
  return entries.length;
}

/** Symlink: unlink (never follow). Directory: rmdir, kept when not empty. File: delete. Missing: nothing. */
async function removePath(p: string): Promise<void> {
  try {
    const info = await lstat(p);
    if (info.isDirectory()) await rmdir(p);
    else await unlink(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (isMissing(err) || code === 'ENOTEMPTY' || code === 'EEXIST') return;
    throw new InstallError('CLEANUP_FAILED', `cleanup could not remove ${p}: ${errorText(err)}`, p, { cause: err });
  }
}

/** A stale SELinux rule is harmless, so failing to delete one warns rather than blocking the deployment. */
async function removeContext(p: string, logger: InstallLogger): Promise<void> {
  const semanage = await findOnPath('semanage');
  if (semanage === undefined) {
    logger.warn({ path: p }, 'semanage not installed; cannot remove the SELinux file context rule');
    return;
  }
  const r = await runTool(semanage, ['fcontext', '-d', p]);
  if (r.code !== 0) logger.warn({ path: p, output: r.output }, 'semanage fcontext -d failed');
}

/** Appends one entry per line as instructions run; `close()` fsyncs so a crash never loses recorded paths. */
export class CleanupWriter {
  private constructor(
    private readonly handle: FileHandle,
    readonly file: string,
  ) {}

  static async create(file: string): Promise<CleanupWriter> {
    return new CleanupWriter(await open(file, 'w', 0o600), file);
  }

  async record(path: string): Promise<void> {
    await this.handle.write(path + '\n');
  }

  async recordContext(path: string): Promise<void> {
    await this.record(SEMANAGE_PREFIX + path);
  }

  async close(): Promise<void> {
    try {
      await this.handle.sync();
    } finally {
      await this.handle.close();
    }
  }
}
