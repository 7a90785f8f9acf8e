import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createZipFromDirectory, extractBundle } from './index.ts';
import { sandbox, tree, type Sandbox } from './testing.ts';

let sb: Sandbox;
let src: string;
beforeEach(async () => {
  sb = await sandbox();
  src = path.join(sb.base, 'archives', 'src');
  await fsp.mkdir(path.join(src, 'scripts'), { recursive: true });
  await fsp.mkdir(path.join(src, 'empty'), { mode: 0o750 });
  await fsp.chmod(path.join(src, 'empty'), 0o750);
  await fsp.writeFile(path.join(src, 'appspec.yml'), 'version: 0.0\nos: linux\n');
  await fsp.writeFile(path.join(src, 'scripts', 'start.sh'), '#!/bin/sh\n');
  await fsp.chmod(path.join(src, 'scripts', 'start.sh'), 0o755);
  await fsp.writeFile(path.join(src, 'Ünïcode.txt'), 'ü'.repeat(1000));
  await fsp.chmod(path.join(src, 'Ünïcode.txt'), 0o600);
  await fsp.symlink('scripts/start.sh', path.join(src, 'start'));
});
afterEach(async () => {
  await sb.cleanup();
});

describe('createZipFromDirectory', () => {
  it('round-trips modes, empty directories, unicode names and symlinks', async () => {
    const out = path.join(sb.base, 'archives', 'out.zip');
    const { bytes } = await createZipFromDirectory(src, out);
    expect(bytes).toBe((await fsp.stat(out)).size);
    const result = await extractBundle(out, 'zip', sb.target);
    expect(result.strippedTopLevel).toBeUndefined();
    expect(await tree(sb.target)).toEqual(await tree(src));
    expect((await fsp.stat(path.join(sb.target, 'empty'))).mode & 0o777).toBe(0o750);
    expect(await fsp.readFile(path.join(sb.target, 'start'), 'utf8')).toBe('#!/bin/sh\n');
  });

  it('is deterministic: same tree, same bytes, whatever the mtimes', async () => {
    const a = path.join(sb.base, 'archives', 'a.zip');
    const b = path.join(sb.base, 'archives', 'b.zip');
    await createZipFromDirectory(src, a);
    await fsp.utimes(path.join(src, 'appspec.yml'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    await createZipFromDirectory(src, b);
    expect((await fsp.readFile(a)).equals(await fsp.readFile(b))).toBe(true);
  });

  it('skips the output file when it is written inside the tree', async () => {
    const out = path.join(src, 'bundle.zip');
    await createZipFromDirectory(src, out);
    await extractBundle(out, 'zip', sb.target);
    expect(await fsp.readdir(sb.target)).not.toContain('bundle.zip');
  });
});
