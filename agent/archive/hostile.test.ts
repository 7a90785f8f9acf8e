import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { printable } from './errors.ts';
import { ArchiveError, DEFAULT_EXTRACT_LIMITS, extractBundle, type BundleType, type ExtractLimits } from './index.ts';
import { PRISTINE, rawTar, rawZip, sandbox, type RawTarEntry, type RawZipEntry, type Sandbox } from './testing.ts';

let sb: Sandbox;
beforeEach(async () => {
  sb = await sandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

const LINK = 0o120777;

/** Extracts and asserts: an ArchiveError with this code (and entry), and nothing beside the target. */
async function refused(
  type: BundleType,
  bytes: Buffer,
  code: string,
  entry?: string,
  limits?: Partial<ExtractLimits>,
): Promise<ArchiveError> {
  const file = await sb.archive(`bad.${type}`, bytes);
  const err = await extractBundle(file, type, sb.target, { ...DEFAULT_EXTRACT_LIMITS, ...limits }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ArchiveError);
  const ae = err as ArchiveError;
  expect(ae.name).toBe('ArchiveError');
  expect({ code: ae.code, message: ae.message }).toMatchObject({ code });
  if (entry !== undefined) {
    expect(ae.entry).toBe(entry);
    expect(ae.message).toContain(printable(entry));
  }
  expect(await sb.outside()).toEqual(PRISTINE);
  return ae;
}

const zip = (...entries: RawZipEntry[]): Buffer => rawZip(entries);
const tarOf = (...entries: RawTarEntry[]): Buffer => rawTar(entries);

describe('path escapes', () => {
  it.each([
    ['../evil', 'ENTRY_ESCAPES'],
    ['ok/../../evil', 'ENTRY_ESCAPES'],
    ['../sentinel/keep.txt', 'ENTRY_ESCAPES'],
    ['C:/evil', 'ABSOLUTE_PATH'],
    ['c:evil', 'ABSOLUTE_PATH'],
    ['..\\evil', 'BAD_NAME'],
    ['\\\\server\\share\\evil', 'BAD_NAME'],
    ['line\nbreak', 'BAD_NAME'],
  ])('zip entry %j → %s', async (name, code) => {
    await refused('zip', zip({ name: 'fine.txt', data: 'ok' }, { name, data: 'evil' }), code, name);
  });

  it('zip absolute path pointing beside the target', async () => {
    const name = path.join(sb.base, 'parent', 'abs-evil');
    await refused('zip', zip({ name, data: 'evil' }), 'ABSOLUTE_PATH', name);
  });

  it.each([
    ['../evil', 'ENTRY_ESCAPES'],
    ['/tmp/convoy-abs-evil', 'ABSOLUTE_PATH'],
    ['a\\..\\..\\evil', 'BAD_NAME'],
  ])('tar entry %j → %s', async (name, code) => {
    await refused('tar', tarOf({ name, data: 'evil' }), code, name);
    await expect(fsp.access('/tmp/convoy-abs-evil')).rejects.toThrow();
  });

  it('tgz entry escaping through ..', async () => {
    await refused('tgz', gzipSync(tarOf({ name: 'x/../../../evil', data: 'evil' })), 'ENTRY_ESCAPES', 'x/../../../evil');
  });
});

describe('symlinks', () => {
  it.each([
    ['../sentinel', 'SYMLINK_ESCAPES'],
    ['sub/../../x', 'SYMLINK_ESCAPES'],
    ['/etc', 'SYMLINK_ESCAPES'],
    ['C:/Windows', 'SYMLINK_ESCAPES'],
    ['', 'BAD_NAME'],
  ])('zip link target %j → %s', async (target, code) => {
    await refused('zip', zip({ name: 'l', data: target, mode: LINK }), code, 'l');
  });

  it('tar link with an absolute target', async () => {
    await refused('tar', tarOf({ name: 'l', type: '2', linkname: '/etc/passwd' }), 'SYMLINK_ESCAPES', 'l');
  });

  it('a link climbing out through another link (x -> l/.., l -> ..) is refused', async () => {
    await refused('zip', zip({ name: 'x', data: 'l/..', mode: LINK }, { name: 'l', data: '..', mode: LINK }), 'SYMLINK_ESCAPES', 'x');
  });

  it('never writes through a link created earlier in the archive (a -> /etc, then a/passwd)', async () => {
    await refused('tar', tarOf({ name: 'a', type: '2', linkname: '/etc' }, { name: 'a/passwd', data: 'x' }), 'SYMLINK_ESCAPES', 'a');
  });

  it('never writes through an inner link either (a -> sub, then a/x)', async () => {
    const bytes = zip({ name: 'sub/keep', data: 'k' }, { name: 'a', data: 'sub', mode: LINK }, { name: 'a/x', data: 'x' });
    await refused('zip', bytes, 'THROUGH_SYMLINK', 'a/x');
    await expect(fsp.access(path.join(sb.target, 'sub', 'x'))).rejects.toThrow();
  });

  it('never writes through a link already planted in the target', async () => {
    await fsp.mkdir(sb.target, { recursive: true });
    await fsp.symlink('../sentinel', path.join(sb.target, 'planted'));
    await refused('tar', tarOf({ name: 'planted/keep.txt', data: 'overwritten' }), 'THROUGH_SYMLINK', 'planted/keep.txt');
    expect(await fsp.readFile(path.join(sb.base, 'parent', 'sentinel', 'keep.txt'), 'utf8')).toBe('sentinel');
  });

  it('never replaces a planted link at the final component', async () => {
    await fsp.mkdir(sb.target, { recursive: true });
    await fsp.symlink('../sentinel/keep.txt', path.join(sb.target, 'f'));
    await refused('zip', zip({ name: 'f', data: 'overwritten' }), 'PATH_CONFLICT', 'f');
    expect(await fsp.readFile(path.join(sb.base, 'parent', 'sentinel', 'keep.txt'), 'utf8')).toBe('sentinel');
  });

  it('refuses to strip a top folder when a link inside it would then escape', async () => {
    const bytes = zip({ name: 'top/appspec.yml', data: 'v' }, { name: 'top/l', data: '../top/appspec.yml', mode: LINK });
    await refused('zip', bytes, 'SYMLINK_ESCAPES', 'top/l');
  });
});

describe('entry types and duplicates', () => {
  it('tar hard links are refused', async () => {
    await refused('tar', tarOf({ name: 'a', data: 'x' }, { name: 'b', type: '1', linkname: 'a' }), 'HARDLINK', 'b');
  });

  it.each([
    ['3', 'character device'],
    ['4', 'block device'],
    ['6', 'fifo'],
  ])('tar type %s (%s) is refused', async (type) => {
    await refused('tar', tarOf({ name: 'dev', type }), 'UNSUPPORTED_ENTRY', 'dev');
  });

  it.each([
    [0o020644, 'character device'],
    [0o010644, 'fifo'],
    [0o140644, 'socket'],
  ])('zip unix type %o (%s) is refused', async (mode) => {
    await refused('zip', zip({ name: 'dev', mode }), 'UNSUPPORTED_ENTRY', 'dev');
  });

  it.each([
    ['zip', zip({ name: 'a.txt', data: '1' }, { name: './a.txt', data: '2' })],
    ['tar', tarOf({ name: 'd/a.txt', data: '1' }, { name: 'd//a.txt', data: '2' })],
  ] as const)('%s duplicate path is refused', async (type, bytes) => {
    const err = await refused(type, bytes, 'DUPLICATE_ENTRY');
    expect(err.message).toContain('a.txt');
  });

  it('a directory entry and a file with the same path are duplicates', async () => {
    await refused('zip', zip({ name: 'x/' }, { name: 'x', data: 'f' }), 'DUPLICATE_ENTRY', 'x');
  });

  it('a file used as a directory is a path conflict', async () => {
    await refused('tar', tarOf({ name: 'a', data: 'f' }, { name: 'a/b', data: 'g' }), 'PATH_CONFLICT', 'a/b');
  });

  it('encrypted zip entries are refused', async () => {
    const bytes = zip({ name: 'secret', data: 'x'.repeat(20), deflate: true });
    bytes.writeUInt16LE(0x801, 6); // local header flags
    const cd = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bytes.writeUInt16LE(0x801, cd + 8);
    await refused('zip', bytes, 'UNSUPPORTED_ENTRY', 'secret');
  });
});

describe('size limits and bombs', () => {
  const big = Buffer.alloc(4 * 1024 * 1024); // zeros: deflate ratio ≈ 1000

  it('zip entry over maxEntryBytes (declared)', async () => {
    await refused('zip', zip({ name: 'big', data: 'x'.repeat(200) }), 'ENTRY_TOO_LARGE', 'big', { maxEntryBytes: 100 });
    await expect(fsp.readdir(sb.target)).resolves.toEqual([]); // refused before any byte was written
  });

  it('tar entry over maxEntryBytes', async () => {
    await refused('tar', tarOf({ name: 'big', data: 'x'.repeat(200) }), 'ENTRY_TOO_LARGE', 'big', { maxEntryBytes: 100 });
  });

  it.each(['zip', 'tar'] as const)('%s total over maxTotalBytes', async (type) => {
    const entries = ['a', 'b', 'c'].map((name) => ({ name, data: 'x'.repeat(100) }));
    const bytes = type === 'zip' ? rawZip(entries) : rawTar(entries);
    await refused(type, bytes, 'TOTAL_TOO_LARGE', 'c', { maxTotalBytes: 250 });
  });

  it('zip with a highly compressible entry breaks the ratio limit before streaming', async () => {
    const err = await refused('zip', zip({ name: 'bomb', data: big, deflate: true }), 'RATIO_EXCEEDED', 'bomb');
    expect(err.message).toContain('maxCompressionRatio=200');
  });

  it('zip whose data is larger than declared stops with CORRUPT', async () => {
    await refused('zip', zip({ name: 'liar', data: big, deflate: true, declaredSize: 1000 }), 'CORRUPT', 'liar', {
      maxCompressionRatio: 10_000,
    });
    const st = await fsp.stat(path.join(sb.target, 'liar')).catch(() => undefined);
    expect(st?.size ?? 0).toBeLessThanOrEqual(1000);
  });

  it('tgz bomb is refused from its tar header before any data is written', async () => {
    const huge = Buffer.alloc(16 * 1024 * 1024);
    const err = await refused('tgz', gzipSync(tarOf({ name: 'bomb', data: huge })), 'RATIO_EXCEEDED', 'bomb');
    expect(err.message).toMatch(/archive declares 16777216 bytes from a \d+-byte file/);
    await expect(fsp.readdir(sb.target)).resolves.toEqual([]);
  });

  it('tgz entry over maxEntryBytes is refused from its header', async () => {
    const err = await refused('tgz', gzipSync(tarOf({ name: 'big', data: big })), 'ENTRY_TOO_LARGE', 'big', {
      maxEntryBytes: 1024 * 1024,
      maxCompressionRatio: 100_000,
    });
    expect(err.message).toContain('maxEntryBytes=1048576');
  });

  it.each(['zip', 'tar'] as const)('%s with too many entries', async (type) => {
    const entries = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, data: name }));
    const bytes = type === 'zip' ? rawZip(entries) : rawTar(entries);
    const err = await refused(type, bytes, 'TOO_MANY_ENTRIES', undefined, { maxEntries: 3 });
    expect(err.message).toContain('maxEntries=3');
  });
});

describe('name encoding', () => {
  it('zip name with invalid UTF-8 bytes', async () => {
    const err = await refused('zip', zip({ name: Buffer.from([0x66, 0xff, 0x66]), data: 'x' }), 'BAD_NAME_ENCODING');
    expect(err.message).toContain('66ff66');
  });

  it('zip CP437 name with a non-ASCII byte and no UTF-8 flag', async () => {
    await refused('zip', zip({ name: Buffer.from([0x63, 0x61, 0x66, 0x82]), data: 'x', utf8Flag: false }), 'BAD_NAME_ENCODING');
  });

  it('zip UTF-8 names are accepted with or without the flag', async () => {
    const file = await sb.archive('ok.zip', zip({ name: 'café/naïve.txt', data: 'x', utf8Flag: false }, { name: '日本.txt', data: 'y' }));
    await extractBundle(file, 'zip', sb.target);
    expect((await fsp.readdir(sb.target)).sort()).toEqual(['café', '日本.txt']);
  });

  it('tar name with invalid UTF-8 bytes', async () => {
    await refused('tar', tarOf({ name: Buffer.from([0x61, 0xfe, 0x62]), data: 'x' }), 'BAD_NAME_ENCODING');
  });
});

describe('corrupt and truncated archives', () => {
  const good = rawZip([{ name: 'a.txt', data: 'hello '.repeat(100), deflate: true }, { name: 'b.txt', data: 'b' }]);
  const goodTar = rawTar([{ name: 'a.txt', data: 'hello '.repeat(200) }, { name: 'b.txt', data: 'b' }]);

  it.each([
    ['zip cut in half', 'zip', good.subarray(0, good.length >> 1)],
    ['zip missing its last byte', 'zip', good.subarray(0, good.length - 1)],
    ['random bytes as zip', 'zip', Buffer.from('this is not a zip file at all, not even close..')],
    ['empty zip file', 'zip', Buffer.alloc(0)],
    ['tar cut inside an entry', 'tar', goodTar.subarray(0, 700)],
    ['random bytes as tar', 'tar', Buffer.alloc(2048, 0x41)],
    ['tgz cut in half', 'tgz', (() => { const g = gzipSync(goodTar); return g.subarray(0, g.length >> 1); })()],
    ['tar given as tgz', 'tgz', goodTar],
  ] as const)('%s → CORRUPT', async (_label, type, bytes) => {
    const err = await refused(type, Buffer.from(bytes), 'CORRUPT');
    expect(err.message).not.toMatch(/^\s+at /m); // a message, not a stack
  });

  it('zip with corrupted deflate data → CORRUPT naming the entry', async () => {
    const bytes = Buffer.from(good);
    for (let i = 40; i < 60; i++) bytes[i] = 0xff;
    await refused('zip', bytes, 'CORRUPT', 'a.txt');
  });

  it('tar header with a bad checksum → CORRUPT', async () => {
    const bytes = Buffer.from(goodTar);
    bytes[0] = 0x7a; // changes the name without fixing the checksum
    await refused('tar', bytes, 'CORRUPT');
  });

  it('a missing archive is an IO error', async () => {
    const err = await extractBundle(path.join(sb.base, 'nope.zip'), 'zip', sb.target).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArchiveError);
    expect((err as ArchiveError).code).toBe('IO');
  });
});
