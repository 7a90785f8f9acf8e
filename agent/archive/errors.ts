/** Stable codes the agent reports upstream; never rename one, only add. */
export type ArchiveErrorCode =
  | 'ABSOLUTE_PATH'
  | 'ENTRY_ESCAPES'
  | 'BAD_NAME'
  | 'BAD_NAME_ENCODING'
  | 'SYMLINK_ESCAPES'
  | 'THROUGH_SYMLINK'
  | 'HARDLINK'
  | 'DUPLICATE_ENTRY'
  | 'PATH_CONFLICT'
  | 'ENTRY_TOO_LARGE'
  | 'TOTAL_TOO_LARGE'
  | 'RATIO_EXCEEDED'
  | 'TOO_MANY_ENTRIES'
  | 'UNSUPPORTED_ENTRY'
  | 'CORRUPT'
  | 'IO';

export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
  readonly code: ArchiveErrorCode;
  /** Entry name as found in the archive (undefined for archive-level problems). */
  readonly entry: string | undefined;

  constructor(code: ArchiveErrorCode, entry: string | undefined, message: string, options?: { cause?: unknown }) {
    super(entry === undefined ? message : `entry '${printable(entry)}': ${message}`, options);
    this.code = code;
    this.entry = entry;
  }
}

/** Names may hold control characters; keep messages on one readable line. */
export function printable(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Converts a stray low-level error (yauzl, zlib, fs) into an ArchiveError. */
export function toArchiveError(err: unknown, entry: string | undefined, what: string): ArchiveError {
  if (err instanceof ArchiveError) return err;
  const e = err as NodeJS.ErrnoException | undefined;
  const detail = e?.message ?? String(err);
  if (e?.syscall !== undefined) {
    return new ArchiveError('IO', entry, `${what}: ${e.code ?? 'error'} (${detail})`, { cause: err });
  }
  return new ArchiveError('CORRUPT', entry, `${what}: ${detail}`, { cause: err });
}
