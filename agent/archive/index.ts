import { promises as fsp } from 'node:fs';
import { ArchiveError, toArchiveError } from './errors.ts';
import { checkLimits, DEFAULT_EXTRACT_LIMITS, type ExtractLimits } from './limits.ts';
import { stripTopLevel } from './strip.ts';
import { extractTar } from './tar.ts';
import { TargetWriter } from './writer.ts';
import { extractZip } from './zip.ts';

export { ArchiveError, type ArchiveErrorCode } from './errors.ts';
export { DEFAULT_EXTRACT_LIMITS, RATIO_MIN_BYTES, type ExtractLimits } from './limits.ts';
export { createZipFromDirectory } from './create-zip.ts';

export type BundleType = 'zip' | 'tar' | 'tgz';

export interface ExtractResult {
  /** Archive entries processed (files, directories, symlinks). */
  entries: number;
  /** File bytes written. */
  bytes: number;
  /** Name of the single top-level folder whose contents were moved up, if that happened. */
  strippedTopLevel?: string;
}

/**
 * Extracts a revision bundle into targetDir, refusing anything that could write outside it or
 * exhaust the disk. On ArchiveError targetDir may hold a partial tree; the caller deletes it.
 */
export async function extractBundle(
  archivePath: string,
  bundleType: BundleType,
  targetDir: string,
  limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS,
): Promise<ExtractResult> {
  checkLimits(limits);
  if (bundleType !== 'zip' && bundleType !== 'tar' && bundleType !== 'tgz') {
    throw new RangeError(`bundle type must be zip, tar or tgz, got '${String(bundleType)}'`);
  }
  try {
    const { size } = await fsp.stat(archivePath);
    await fsp.mkdir(targetDir, { recursive: true });
    const root = await fsp.realpath(targetDir);
    const writer = new TargetWriter(root, limits, size);
    if (bundleType === 'zip') await extractZip(archivePath, writer);
    else await extractTar(archivePath, bundleType === 'tgz', writer);
    await writer.finish();
    const stripped = await stripTopLevel(root, writer.links);
    const result: ExtractResult = { entries: writer.entries, bytes: writer.bytes };
    if (stripped !== undefined) result.strippedTopLevel = stripped;
    return result;
  } catch (err) {
    if (err instanceof ArchiveError) throw err;
    throw toArchiveError(err, undefined, `extracting ${bundleType} bundle ${archivePath} failed`);
  }
}
