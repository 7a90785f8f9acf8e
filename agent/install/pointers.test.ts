import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InstallError, readLastSuccessfulInstall, readMostRecentInstall, writeLastSuccessfulInstall, writeMostRecentInstall } from './index.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'convoy-pointers-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('install pointers (decision 7)', () => {
  it('absent before the first install', async () => {
    expect(await readLastSuccessfulInstall(dir, 'dg')).toBeUndefined();
  });

  it('writes the deployment root without newline, atomically, and reads it back', async () => {
    await writeLastSuccessfulInstall(dir, 'dg', '/root/dg/d-1');
    await writeLastSuccessfulInstall(dir, 'dg', '/root/dg/d-2');
    expect(await readFile(path.join(dir, 'dg_last_successful_install'), 'utf8')).toBe('/root/dg/d-2');
    expect(await readLastSuccessfulInstall(dir, 'dg')).toBe('/root/dg/d-2');
    expect(await readdir(dir)).toEqual(['dg_last_successful_install']); // no temp file left behind
  });

  it('tolerates a trailing newline written by hand; keeps most-recent separate', async () => {
    await writeFile(path.join(dir, 'dg_last_successful_install'), '/root/dg/d-9\n');
    await writeMostRecentInstall(dir, 'dg', '/root/dg/d-10');
    expect(await readLastSuccessfulInstall(dir, 'dg')).toBe('/root/dg/d-9');
    expect(await readMostRecentInstall(dir, 'dg')).toBe('/root/dg/d-10');
  });

  it('rejects unsafe group ids and roots with newlines', async () => {
    await expect(writeLastSuccessfulInstall(dir, '../escape', '/x')).rejects.toBeInstanceOf(InstallError);
    await expect(writeLastSuccessfulInstall(dir, 'dg', '/x\n/y')).rejects.toMatchObject({ code: 'INVALID_PATH' });
  });
});
