// Copy semantics (§3.8): mode and timestamps preserved (owner too when root), symlinks recreated as links.
import { chmod, copyFile, lchown, lstat, lutimes, readlink, symlink, unlink, utimes } from 'node:fs/promises';
import { errorText, InstallError, ioError } from './errors.ts';
import { isMissing } from './generate-files.ts';

export async function copyEntry(source: string, destination: string): Promise<void> {
  let info;
  try {
    info = await lstat(source);
  } catch (err) {
    if (!isMissing(err)) throw ioError('lstat', source, err);
    throw new InstallError('SOURCE_MISSING', `source ${source} does not exist in the revision (destination ${destination})`, source);
  }
  await removeExisting(destination);
  try {
    if (info.isSymbolicLink()) {
      await symlink(await readlink(source), destination);
      await lutimes(destination, info.atimeMs / 1000, info.mtimeMs / 1000);
      if (isRoot()) await lchown(destination, info.uid, info.gid);
      return;
    }
    if (!info.isFile()) {
      throw new InstallError('UNSUPPORTED_FILE_TYPE', `source ${source} is not a regular file, directory or symlink`, source);
    }
    await copyFile(source, destination);
    // chown before chmod: chown clears setuid/setgid bits.
    if (isRoot()) await lchown(destination, info.uid, info.gid);
    await chmod(destination, info.mode & 0o7777);
    await utimes(destination, info.atimeMs / 1000, info.mtimeMs / 1000);
  } catch (err) {
    if (err instanceof InstallError) throw err;
    throw new InstallError('IO_ERROR', `copying ${source} to ${destination} failed: ${errorText(err)}`, destination, { cause: err });
  }
}

/** OVERWRITE: unlink first so a symlink at the destination is replaced, never written through. */
async function removeExisting(destination: string): Promise<void> {
  let existing;
  try {
    existing = await lstat(destination);
  } catch (err) {
    if (isMissing(err)) return;
    throw ioError('lstat', destination, err);
  }
  if (existing.isDirectory()) {
    throw new InstallError('FILE_OVER_DIRECTORY', `cannot install a file at ${destination}: a directory is there`, destination);
  }
  await unlink(destination).catch((err: unknown) => {
    throw ioError('unlink', destination, err);
  });
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}
