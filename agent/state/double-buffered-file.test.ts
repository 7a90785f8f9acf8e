import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, stat, writeFile, access } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DoubleBufferedFile } from './double-buffered-file.ts';

const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('DoubleBufferedFile', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-dbf-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('returns nothing for a missing file and the last write after reopening', async () => {
    const name = path.join(dir, 's.dat');
    const first = await DoubleBufferedFile.open(name);
    expect(first.contents).toBeUndefined();
    for (const v of ['one', 'two', 'three']) await first.file.write(bytes(v));
    await first.file.close();
    const again = await DoubleBufferedFile.open(name);
    expect(text(again.contents)).toBe('three');
    await again.file.write(bytes('four'));
    await again.file.close();
    expect(text((await DoubleBufferedFile.open(name)).contents)).toBe('four');
  });

  it('falls back to the older copy when the newest region is torn, and refuses a file with none intact', async () => {
    const name = path.join(dir, 's.dat');
    const { file } = await DoubleBufferedFile.open(name);
    await file.write(bytes('older')); // sequence 1: region 1
    await file.write(bytes('newest')); // sequence 2: region 0
    await file.close();
    const image = await readFile(name);
    image[48] = image[48]! ^ 0xff; // flip a payload byte of region 0, as a torn write would leave it
    await writeFile(name, image);
    const reopened = await DoubleBufferedFile.open(name);
    expect(text(reopened.contents)).toBe('older');
    await reopened.file.close();
    const half = image.length / 2;
    image[half + 48] = image[half + 48]! ^ 0xff;
    await writeFile(name, image);
    await expect(DoubleBufferedFile.open(name)).rejects.toThrow(/no intact copy/);
  });

  it('grows its regions when the state outgrows them, keeping the contents', async () => {
    const name = path.join(dir, 's.dat');
    const { file } = await DoubleBufferedFile.open(name);
    await file.write(bytes('small'));
    const small = (await stat(name)).size;
    const big = 'x'.repeat(200 * 1024);
    await file.write(bytes(big));
    await file.close();
    expect((await stat(name)).size).toBeGreaterThan(small);
    expect(text((await DoubleBufferedFile.open(name)).contents)).toBe(big);
  });

  it('applies concurrent writes in call order', async () => {
    const name = path.join(dir, 's.dat');
    const { file } = await DoubleBufferedFile.open(name);
    await Promise.all(Array.from({ length: 20 }, (_, i) => file.write(bytes(`v${i}`))));
    await file.close();
    expect(text((await DoubleBufferedFile.open(name)).contents)).toBe('v19');
  });

  it('reads a legacy whole-file state and removes it after the first write', async () => {
    const name = path.join(dir, 's.dat');
    const legacy = path.join(dir, 's.json');
    await writeFile(legacy, '{"old":true}');
    const { file, contents } = await DoubleBufferedFile.open(name, legacy);
    expect(text(contents)).toBe('{"old":true}');
    await file.write(bytes('{"new":true}'));
    await file.close();
    await expect(access(legacy)).rejects.toThrow();
    expect(text((await DoubleBufferedFile.open(name, legacy)).contents)).toBe('{"new":true}');
  });
});
