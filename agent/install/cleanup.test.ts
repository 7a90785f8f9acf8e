import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CleanupWriter, parseCleanup, replayCleanup } from './cleanup.ts';
import type { InstallLogger } from './logger.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'convoy-cleanup-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});
const warnings: string[] = [];
const logger: InstallLogger = { info: () => {}, warn: (_o, msg) => void warnings.push(msg ?? '') };
const p = (rel: string): string => path.join(dir, rel);

describe('cleanup file (reference §3.5, checklist 157)', () => {
  it('parses lines; a last line without newline is a torn write and is dropped', () => {
    expect(parseCleanup('')).toEqual([]);
    expect(parseCleanup('/a\n/b\n')).toEqual(['/a', '/b']);
    expect(parseCleanup('/a\n/b\n/tor')).toEqual(['/a', '/b']);
  });

  it('replays in reverse: files deleted, empty dirs removed, non-empty dirs and missing paths ignored', async () => {
    await mkdir(p('d/sub'), { recursive: true });
    await writeFile(p('d/sub/f'), 'x');
    await writeFile(p('d/script-made'), 'kept');
    await mkdir(p('e'));
    const file = p('g-cleanup');
    await writeFile(file, ['d', 'd/sub', 'd/sub/f', 'e', 'gone'].map(p).join('\n') + '\n' + p('e/torn'));
    expect(await replayCleanup(file, logger)).toBe(5);
    expect(existsSync(p('d/sub'))).toBe(false);
    expect(existsSync(p('e'))).toBe(false);
    expect(await readFile(p('d/script-made'), 'utf8')).toBe('kept');
    expect(existsSync(file)).toBe(false);
  });

  it('unlinks a symlink without following it, even one pointing at a directory', async () => {
    await mkdir(p('target'));
    await writeFile(p('target/keep'), 'k');
    await symlink(p('target'), p('link'));
    await writeFile(p('c'), p('link') + '\n');
    await replayCleanup(p('c'), logger);
    expect(existsSync(p('link'))).toBe(false);
    expect(existsSync(p('target/keep'))).toBe(true);
  });

  it('no cleanup file -> nothing to do', async () => {
    expect(await replayCleanup(p('absent'), logger)).toBe(0);
  });

  it('semanage entries remove the context rule (warns when semanage is absent)', async () => {
    await writeFile(p('c'), `semanage\0${p('f')}\n`);
    warnings.length = 0;
    await replayCleanup(p('c'), logger);
    expect(existsSync(p('c'))).toBe(false);
    if (warnings.length > 0) expect(warnings[0]).toContain('semanage');
  });

  it('the writer records one path per line, semanage entries NUL-separated', async () => {
    const w = await CleanupWriter.create(p('w'));
    await w.record('/a');
    await w.recordContext('/b');
    await w.close();
    expect(await readFile(p('w'), 'utf8')).toBe('/a\nsemanage\0/b\n');
    expect(parseCleanup(await readFile(p('w'), 'utf8'))).toEqual(['/a', 'semanage\0/b']);
  });
});
