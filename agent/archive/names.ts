import { ArchiveError } from './errors.ts';

// Control characters break the line-based cleanup and log files; backslashes are path separators on
// Windows tools and in the agent's Windows sibling, so they are refused rather than guessed at.
const FORBIDDEN = /[\u0000-\u001f\u007f\\]/;
const DRIVE = /^[A-Za-z]:/;
const MAX_COMPONENT_BYTES = 255;

/**
 * Splits an archive entry name into safe path components relative to the target directory.
 * Returns [] for names that denote the root itself (".", "./"), which callers treat as a no-op.
 */
export function entryParts(name: string): string[] {
  if (name.length === 0) throw new ArchiveError('BAD_NAME', name, 'empty name');
  if (name.startsWith('/')) throw new ArchiveError('ABSOLUTE_PATH', name, 'absolute path');
  if (DRIVE.test(name)) throw new ArchiveError('ABSOLUTE_PATH', name, 'Windows drive path');
  if (FORBIDDEN.test(name)) throw new ArchiveError('BAD_NAME', name, 'contains a control character or backslash');
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    // Refuse every "..", even "a/../b" that stays inside: no legitimate bundle needs it.
    if (part === '..') throw new ArchiveError('ENTRY_ESCAPES', name, "contains a '..' component");
    if (Buffer.byteLength(part) > MAX_COMPONENT_BYTES) {
      throw new ArchiveError('BAD_NAME', name, `a path component is longer than ${MAX_COMPONENT_BYTES} bytes`);
    }
    parts.push(part);
  }
  return parts;
}

/**
 * Accepts a symlink target only if it provably stays inside the extraction root:
 * relative, any ".." only at the start and not climbing above the root from the link's directory.
 * ".." after a name is refused because that name may itself be a link (`x -> l/..` with `l -> ..`).
 */
export function checkLinkTarget(entry: string, linkParts: readonly string[], target: string): void {
  if (target.length === 0) throw new ArchiveError('BAD_NAME', entry, 'symlink has an empty target');
  if (FORBIDDEN.test(target)) {
    throw new ArchiveError('BAD_NAME', entry, 'symlink target contains a control character or backslash');
  }
  if (target.startsWith('/') || DRIVE.test(target)) {
    throw new ArchiveError('SYMLINK_ESCAPES', entry, `symlink target '${target}' is absolute`);
  }
  let depth = linkParts.length - 1;
  let sawName = false;
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') {
      sawName = true;
      continue;
    }
    if (sawName) {
      throw new ArchiveError('SYMLINK_ESCAPES', entry, `symlink target '${target}' has '..' after a name`);
    }
    depth -= 1;
    if (depth < 0) throw new ArchiveError('SYMLINK_ESCAPES', entry, `symlink target '${target}' leaves the bundle`);
  }
}

/** Strict UTF-8 decode; undefined when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Masks setuid/setgid/sticky: a bundle must never hand out privileges. */
export function safeMode(mode: number | undefined, fallback: number): number {
  return mode === undefined ? fallback : mode & 0o777;
}
