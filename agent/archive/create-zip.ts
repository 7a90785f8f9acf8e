import { createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { ArchiveError } from './errors.ts';

// Local-time fields plus forceDosTimestamp (no UTC extra field) give identical bytes in every time zone.
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

interface Item {
  rel: string;
  abs: string;
  kind: 'dir' | 'file' | 'symlink';
  perms: number;
}

/**
 * Zips a directory reproducibly (`convoy push`): entries sorted by code point, fixed mtime, unix
 * modes kept (setuid/setgid dropped), symlinks stored as links. Same tree, same bytes.
 */
export async function createZipFromDirectory(dir: string, outFile: string): Promise<{ bytes: number }> {
  const root = await fsp.realpath(dir);
  const outAbs = path.resolve(outFile);
  const items = await walk(root, '', outAbs);
  const zip = new ZipFile();
  for (const it of items) {
    const base = { mtime: FIXED_MTIME, forceDosTimestamp: true };
    if (it.kind === 'dir') {
      zip.addEmptyDirectory(`${it.rel}/`, { ...base, mode: S_IFDIR | it.perms });
    } else if (it.kind === 'file') {
      zip.addFile(it.abs, it.rel, { ...base, mode: S_IFREG | it.perms, compress: true });
    } else {
      const target = Buffer.from(await fsp.readlink(it.abs));
      zip.addBuffer(target, it.rel, { ...base, mode: S_IFLNK | 0o777, compress: false });
    }
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(outFile));
  return { bytes: (await fsp.stat(outFile)).size };
}

async function walk(root: string, relDir: string, skip: string): Promise<Item[]> {
  const dirents = await fsp.readdir(path.join(root, relDir), { withFileTypes: true });
  dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const items: Item[] = [];
  for (const d of dirents) {
    const rel = relDir === '' ? d.name : `${relDir}/${d.name}`;
    const abs = path.join(root, rel);
    if (abs === skip) continue; // the zip being written inside the tree
    const st = await fsp.lstat(abs);
    const perms = st.mode & 0o777;
    if (st.isDirectory()) {
      items.push({ rel, abs, kind: 'dir', perms }, ...(await walk(root, rel, skip)));
    } else if (st.isFile()) {
      items.push({ rel, abs, kind: 'file', perms });
    } else if (st.isSymbolicLink()) {
      items.push({ rel, abs, kind: 'symlink', perms });
    } else {
      throw new ArchiveError('UNSUPPORTED_ENTRY', rel, 'only files, directories and symlinks can be bundled');
    }
  }
  return items;
}
