// Test-only helpers: raw archive writers for inputs that yazl / node-tar refuse to produce, and a
// sandbox that proves nothing was written beside the target directory.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';

export interface RawZipEntry {
  name: string | Buffer;
  data?: Buffer | string;
  /** Full unix mode including the file type bits, e.g. 0o100644 or 0o120777. */
  mode?: number;
  deflate?: boolean;
  utf8Flag?: boolean;
  /** Lie about the uncompressed size in both headers. */
  declaredSize?: number;
  /** Version-made-by host byte; 3 = unix, 0 = MS-DOS. */
  host?: number;
}

/** Builds a zip byte by byte so names and sizes can be anything. */
export function rawZip(entries: RawZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = typeof e.name === 'string' ? Buffer.from(e.name, 'utf8') : e.name;
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : (e.data ?? Buffer.alloc(0));
    const body = e.deflate ? deflateRawSync(data) : data;
    const usize = e.declaredSize ?? data.length;
    const flags = e.utf8Flag === false ? 0 : 0x800;
    const method = e.deflate ? 8 : 0;
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(usize, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(((e.host ?? 3) << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(usize, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

export interface RawTarEntry {
  name: string | Buffer;
  /** ustar type flag: '0' file, '1' hard link, '2' symlink, '3' char dev, '5' dir, '6' fifo. */
  type?: string;
  data?: Buffer | string;
  linkname?: string;
  mode?: number;
}

/** Builds a ustar archive byte by byte (names up to 100 bytes). */
export function rawTar(entries: RawTarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : (e.data ?? Buffer.alloc(0));
    const h = Buffer.alloc(512);
    const name = typeof e.name === 'string' ? Buffer.from(e.name) : e.name;
    name.copy(h, 0, 0, 100);
    h.write(`${(e.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100, 'ascii');
    h.write('0000000\0', 108, 'ascii');
    h.write('0000000\0', 116, 'ascii');
    h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
    h.write('00000000000\0', 136, 'ascii');
    h.write(e.type ?? '0', 156, 'ascii');
    if (e.linkname) h.write(e.linkname, 157, 'utf8');
    h.write('ustar\u000000', 257, 'ascii');
    h.write('        ', 148, 'ascii');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export interface Sandbox {
  base: string;
  target: string;
  /** Writes bytes to an archive file inside the sandbox and returns its path. */
  archive(name: string, bytes: Buffer): Promise<string>;
  /** Every path under base except the target subtree and the archives, as "kind path" lines. */
  outside(): Promise<string[]>;
  cleanup(): Promise<void>;
}

export async function sandbox(): Promise<Sandbox> {
  const base = await fsp.realpath(await fsp.mkdtemp(path.join(os.tmpdir(), 'convoy-archive-')));
  const target = path.join(base, 'parent', 'target');
  await fsp.mkdir(path.join(base, 'archives'));
  await fsp.mkdir(path.join(base, 'parent', 'sentinel'), { recursive: true });
  await fsp.writeFile(path.join(base, 'parent', 'sentinel', 'keep.txt'), 'sentinel');
  const list = async (dir: string, out: string[]): Promise<string[]> => {
    for (const d of await fsp.readdir(dir, { withFileTypes: true })) {
      const abs = path.join(dir, d.name);
      if (abs === target || abs === path.join(base, 'archives')) continue;
      out.push(`${d.isSymbolicLink() ? 'link' : d.isDirectory() ? 'dir' : 'file'} ${path.relative(base, abs)}`);
      if (d.isDirectory()) await list(abs, out);
    }
    return out.sort();
  };
  return {
    base,
    target,
    archive: async (name, bytes) => {
      const p = path.join(base, 'archives', name);
      await fsp.writeFile(p, bytes);
      return p;
    },
    outside: () => list(base, []),
    cleanup: async () => {
      await fsp.chmod(base, 0o700);
      await fsp.rm(base, { recursive: true, force: true });
    },
  };
}

/** What `outside()` returns for an untouched sandbox. */
export const PRISTINE = ['dir parent', 'dir parent/sentinel', 'file parent/sentinel/keep.txt'];

/** Relative paths and kinds of everything under dir, e.g. "file a/b.txt 644" or "link l -> x". */
export async function tree(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  const names = (await fsp.readdir(path.join(dir, rel))).sort();
  for (const name of names) {
    const r = rel === '' ? name : `${rel}/${name}`;
    const abs = path.join(dir, r);
    const st = await fsp.lstat(abs);
    if (st.isSymbolicLink()) out.push(`link ${r} -> ${await fsp.readlink(abs)}`);
    else if (st.isDirectory()) out.push(`dir ${r}`, ...(await tree(dir, r)));
    else out.push(`file ${r} ${(st.mode & 0o7777).toString(8)}`);
  }
  return out;
}
