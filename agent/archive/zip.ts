import type { Readable } from 'node:stream';
import { openPromise, type Entry, type ZipFile } from 'yauzl';
import { ArchiveError, toArchiveError } from './errors.ts';
import { decodeUtf8, safeMode } from './names.ts';
import type { TargetWriter } from './writer.ts';

type Kind = 'file' | 'dir' | 'symlink';

interface Planned {
  entry: Entry;
  name: string;
  parts: string[];
  kind: Kind;
  mode: number;
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const MADE_BY_UNIX = 3;
/** Link targets longer than PATH_MAX cannot be created anyway. */
const MAX_LINK_TARGET = 4096;

/** Extracts a zip: first the whole central directory is vetted, then entries are streamed one by one. */
export async function extractZip(archivePath: string, writer: TargetWriter): Promise<void> {
  let zip: ZipFile;
  try {
    // decodeStrings:false hands us raw name bytes so we judge the encoding ourselves.
    zip = await openPromise(archivePath, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true });
  } catch (err) {
    throw toArchiveError(err, undefined, 'not a readable zip archive');
  }
  zip.on('error', () => undefined); // errors also reach the iterator / stream callbacks
  try {
    if (zip.entryCount > writer.limits.maxEntries) {
      throw new ArchiveError('TOO_MANY_ENTRIES', undefined,
        `archive declares ${zip.entryCount} entries, more than maxEntries=${writer.limits.maxEntries}`);
    }
    const planned = await planEntries(zip, writer);
    for (const p of planned) await extractOne(zip, p, writer);
  } finally {
    zip.close();
  }
}

async function planEntries(zip: ZipFile, writer: TargetWriter): Promise<Planned[]> {
  const planned: Planned[] = [];
  let current: string | undefined;
  try {
    for await (const entry of zip.eachEntry()) {
      const name = entryName(entry);
      current = name;
      const p = planOne(entry, name, writer);
      if (p) planned.push(p);
    }
  } catch (err) {
    throw toArchiveError(err, current, 'zip central directory is corrupt');
  }
  return planned;
}

function entryName(entry: Entry): string {
  const raw = entry.fileNameRaw;
  const name = decodeUtf8(raw);
  // Names are UTF-8 (flagged or not); CP437 names that are pure ASCII are UTF-8 too.
  if (name === undefined) {
    throw new ArchiveError('BAD_NAME_ENCODING', raw.toString('utf8'), `name bytes 0x${raw.toString('hex')} are not valid UTF-8`);
  }
  return name;
}

function planOne(entry: Entry, name: string, writer: TargetWriter): Planned | undefined {
  if (entry.isEncrypted()) throw new ArchiveError('UNSUPPORTED_ENTRY', name, 'entry is encrypted');
  if (!entry.canDecodeFileData()) {
    throw new ArchiveError('UNSUPPORTED_ENTRY', name, `compression method ${entry.compressionMethod} is not supported`);
  }
  const unix = entry.versionMadeBy >> 8 === MADE_BY_UNIX;
  const attrs = unix ? entry.externalFileAttributes >>> 16 : 0;
  const kind = entryKind(name, attrs & S_IFMT);
  const parts = writer.admit(name);
  if (kind === 'file') writer.declare(name, entry.uncompressedSize, entry.compressedSize);
  if (kind === 'symlink' && entry.uncompressedSize > MAX_LINK_TARGET) {
    throw new ArchiveError('UNSUPPORTED_ENTRY', name, `symlink target is longer than ${MAX_LINK_TARGET} bytes`);
  }
  if (kind === 'dir' && entry.uncompressedSize > 0) throw new ArchiveError('CORRUPT', name, 'directory entry carries data');
  // Zips from non-unix tools carry no mode; fall back to what unzip would use.
  const hasMode = unix && (attrs & 0o777) !== 0;
  const mode = safeMode(hasMode ? attrs : undefined, kind === 'dir' ? 0o755 : 0o644);
  return { entry, name, parts, kind, mode };
}

function entryKind(name: string, type: number): Kind {
  if (name.endsWith('/')) return 'dir';
  if (type === S_IFLNK) return 'symlink';
  if (type === S_IFDIR) return 'dir';
  if (type === S_IFREG || type === 0) return 'file';
  throw new ArchiveError('UNSUPPORTED_ENTRY', name, `unix file type 0o${type.toString(8)} (device, fifo or socket) is not allowed`);
}

async function extractOne(zip: ZipFile, p: Planned, writer: TargetWriter): Promise<void> {
  if (p.kind === 'dir') return writer.directory(p.name, p.parts, p.mode);
  const open = async (): Promise<Readable> => {
    try {
      return await zip.openReadStreamPromise(p.entry);
    } catch (err) {
      throw toArchiveError(err, p.name, 'cannot read entry data');
    }
  };
  const size = { declared: p.entry.uncompressedSize, compressed: p.entry.compressedSize };
  if (p.kind === 'file') return writer.file(p.name, p.parts, p.mode, open, size);
  const target = decodeUtf8(await readSmall(await open(), p.name));
  if (target === undefined) throw new ArchiveError('BAD_NAME_ENCODING', p.name, 'symlink target is not valid UTF-8');
  return writer.symlink(p.name, p.parts, target);
}

async function readSmall(stream: Readable, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of stream) {
      n += (chunk as Buffer).length;
      if (n > MAX_LINK_TARGET) throw new ArchiveError('UNSUPPORTED_ENTRY', name, `symlink target is longer than ${MAX_LINK_TARGET} bytes`);
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    stream.destroy();
    throw toArchiveError(err, name, 'cannot read symlink target');
  }
  return Buffer.concat(chunks);
}
