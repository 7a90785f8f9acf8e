// Path normalisation for appspec destinations/objects and archive sources.
import path from 'node:path';
import { InstallError } from './errors.ts';

/**
 * Absolute, normalised form of an appspec destination or permission object. The agent resolves relative
 * paths against its own cwd, which is `/` under the shipped systemd unit; Convoy always uses `/` so the
 * result never depends on how the agent was started. With `destinationRoot`, the result is re-rooted
 * under it (sandbox rebasing), which `..` cannot escape because resolution happens first.
 */
export function destinationPath(value: string, destinationRoot?: string): string {
  const text = String(value);
  assertRecordable(text);
  const abs = path.resolve('/', text);
  return destinationRoot === undefined ? abs : path.resolve(destinationRoot, '.' + abs);
}

/** `<archive>/<source>`; a leading `/` or `./` stays inside the archive, `..` may not leave it. */
export function sourcePath(archiveDir: string, source: string): string {
  const root = path.resolve(archiveDir);
  const text = String(source);
  assertRecordable(text);
  const abs = path.resolve(root, '.' + path.sep + text);
  const rel = path.relative(root, abs);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new InstallError('SOURCE_OUTSIDE_ARCHIVE', `files source (${text}) points outside the revision`, text);
  }
  return abs;
}

/**
 * The cleanup file is one path per line, so a newline in a path could make a later cleanup delete a path
 * this install never created. NUL cannot occur in a real path.
 */
export function assertRecordable(p: string): void {
  if (p.includes('\n') || p.includes('\0') || p.includes('\r')) {
    throw new InstallError('INVALID_PATH', `path contains a newline or NUL character: ${JSON.stringify(p)}`, p);
  }
}
