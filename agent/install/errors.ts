// Install failures. Every one names the offending path so an operator can act on the report alone.
// The agent reports all of them as UnknownError (code 5), as the CodeDeploy agent does.

export type InstallErrorCode =
  | 'FILE_EXISTS' // I01: DISALLOW and the destination exists
  | 'DUPLICATE_DESTINATION' // I02: two copies to one destination
  | 'FILE_OVER_DIRECTORY' // I03: a copy onto a path this install creates as a directory
  | 'DIRECTORY_OVER_FILE' // I04: a mkdir of a path this install copies a file to
  | 'INVALID_FILE_EXISTS_BEHAVIOR' // I05
  | 'DUPLICATE_PERMISSION' // I06
  | 'INVALID_PERMISSION' // E12-E14: pattern/except/default ACL on a file object
  | 'UNKNOWN_USER' // I07
  | 'UNKNOWN_GROUP' // I07
  | 'CONTEXT_FAILED' // I08
  | 'ACL_FAILED' // I09
  | 'TOOL_MISSING'
  | 'SOURCE_MISSING'
  | 'SOURCE_OUTSIDE_ARCHIVE'
  | 'INVALID_PATH'
  | 'INVALID_GROUP_ID'
  | 'UNSUPPORTED_FILE_TYPE'
  | 'CLEANUP_FAILED'
  | 'IO_ERROR';

export class InstallError extends Error {
  override readonly name = 'InstallError';
  constructor(
    readonly code: InstallErrorCode,
    message: string,
    /** The path the failure is about ('' when none). */
    readonly path = '',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Wraps an unexpected filesystem error so the message always names the path and the operation. */
export function ioError(op: string, path: string, err: unknown): InstallError {
  if (err instanceof InstallError) return err;
  return new InstallError('IO_ERROR', `${op} failed for ${path}: ${errorText(err)}`, path, { cause: err });
}
