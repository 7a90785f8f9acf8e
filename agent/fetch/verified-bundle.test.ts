import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeVerifiedBundle } from './verified-bundle.ts';

const data = new TextEncoder().encode('a revision bundle');
const revision = { sha256: createHash('sha256').update(data).digest('hex'), size: data.length };

async function dest(): Promise<string> {
  return path.join(await mkdtemp(path.join(os.tmpdir(), 'convoy-verified-')), 'bundle.zip');
}

describe('writeVerifiedBundle()', () => {
  it('renames the file into place when size and hash match, reporting running totals', async () => {
    const file = await dest();
    const totals: number[] = [];
    await writeVerifiedBundle(revision, file, 'test', async (write) => {
      totals.push(await write(data.subarray(0, 5)), await write(data.subarray(5)));
    });
    expect(totals).toEqual([5, data.length]);
    expect(await readFile(file)).toEqual(Buffer.from(data));
    expect(await readdir(path.dirname(file))).toEqual(['bundle.zip']);
  });

  it.each([
    ['a hash mismatch', (w: (b: Uint8Array) => Promise<number>) => w(new TextEncoder().encode('A revision bundle')), /content hash mismatch/],
    ['a short body', (w: (b: Uint8Array) => Promise<number>) => w(data.subarray(1)), /test sent 16 of 17 bytes/],
    ['an oversized body', async (w: (b: Uint8Array) => Promise<number>) => { await w(data); await w(data); }, /test sent more than the 17 bytes/],
  ])('refuses %s and leaves nothing behind', async (_name, fill, reason) => {
    const file = await dest();
    await expect(writeVerifiedBundle(revision, file, 'test', async (w) => { await fill(w); })).rejects.toThrow(reason);
    expect(await readdir(path.dirname(file))).toEqual([]);
  });
});
