import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import * as tar from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ZipFile } from 'yazl';
import { extractBundle } from './index.ts';
import { PRISTINE, rawTar, rawZip, sandbox, tree, type Sandbox } from './testing.ts';

let sb: Sandbox;
beforeEach(async () => {
  sb = await sandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

async function yazlZip(add: (z: ZipFile) => void): Promise<Buffer> {
  const z = new ZipFile();
  add(z);
  z.end();
  return buffer(z.outputStream);
}

/** A small revision tree on disk, used as the source for tar and tgz. */
async function writeSourceTree(dir: string): Promise<void> {
  await fsp.mkdir(path.join(dir, 'scripts'), { recursive: true });
  await fsp.mkdir(path.join(dir, 'web/static/css'), { recursive: true });
  await fsp.writeFile(path.join(dir, 'appspec.yml'), 'version: 0.0\nos: linux\n');
  await fsp.writeFile(path.join(dir, 'scripts/start.sh'), '#!/bin/sh\necho start\n', { mode: 0o755 });
  await fsp.writeFile(path.join(dir, 'web/static/css/site.css'), 'body{}');
  await fsp.chmod(path.join(dir, 'web/static/css/site.css'), 0o640);
  await fsp.symlink('static/css/site.css', path.join(dir, 'web/current.css'));
}

const SOURCE_TREE = [
  'file appspec.yml 644',
  'dir scripts',
  'file scripts/start.sh 755',
  'dir web',
  'link web/current.css -> static/css/site.css',
  'dir web/static',
  'dir web/static/css',
  'file web/static/css/site.css 640',
];

describe('extractBundle happy paths', () => {
  it('extracts a zip with modes, nested directories and an inner symlink', async () => {
    const bytes = await yazlZip((z) => {
      z.addBuffer(Buffer.from('version: 0.0\n'), 'appspec.yml', { mode: 0o100644 });
      z.addBuffer(Buffer.from('#!/bin/sh\n'), 'scripts/start.sh', { mode: 0o100755 });
      z.addBuffer(Buffer.from('x'.repeat(5000)), 'deep/a/b/c/data.txt', { mode: 0o100600 });
      z.addBuffer(Buffer.from('suid'), 'bin/tool', { mode: 0o104755 });
      z.addBuffer(Buffer.from('deep/a/b/c/data.txt'), 'latest', { mode: 0o120777, compress: false });
      z.addEmptyDirectory('empty/', { mode: 0o40750 });
    });
    const result = await extractBundle(await sb.archive('r.zip', bytes), 'zip', sb.target);
    expect(result).toEqual({ entries: 6, bytes: 13 + 10 + 5000 + 4 });
    expect(await tree(sb.target)).toEqual([
      'file appspec.yml 644',
      'dir bin',
      'file bin/tool 755', // setuid dropped
      'dir deep',
      'dir deep/a',
      'dir deep/a/b',
      'dir deep/a/b/c',
      'file deep/a/b/c/data.txt 600',
      'dir empty',
      'link latest -> deep/a/b/c/data.txt',
      'dir scripts',
      'file scripts/start.sh 755',
    ]);
    expect(await fsp.readFile(path.join(sb.target, 'latest'), 'utf8')).toBe('x'.repeat(5000));
    expect((await fsp.stat(path.join(sb.target, 'empty'))).mode & 0o777).toBe(0o750);
    expect(await sb.outside()).toEqual(PRISTINE);
  });

  it('uses default modes for zips written by non-unix tools', async () => {
    const bytes = rawZip([
      { name: 'dir/', host: 0 },
      { name: 'dir/readme.txt', data: 'hello', host: 0, mode: 0 },
    ]);
    await extractBundle(await sb.archive('dos.zip', bytes), 'zip', sb.target);
    expect(await tree(sb.target)).toEqual(['dir dir', 'file dir/readme.txt 644']);
  });

  it.each([
    ['tar', false],
    ['tgz', true],
  ] as const)('extracts a %s built by node-tar from a real tree', async (type, gzip) => {
    const src = path.join(sb.base, 'archives', 'src');
    await writeSourceTree(src);
    const file = path.join(sb.base, 'archives', `r.${type}`);
    await tar.create({ file, cwd: src, gzip, portable: true }, ['.']);
    const result = await extractBundle(file, type, sb.target);
    expect(result.bytes).toBe(23 + 21 + 6);
    expect(result.strippedTopLevel).toBeUndefined();
    expect(await tree(sb.target)).toEqual(SOURCE_TREE);
    expect(await sb.outside()).toEqual(PRISTINE);
  });

  it('masks setuid/setgid from tar modes', async () => {
    const bytes = rawTar([{ name: 'bin/su', data: 'x', mode: 0o6755 }]);
    await extractBundle(await sb.archive('suid.tar', bytes), 'tar', sb.target);
    expect(await tree(sb.target)).toEqual(['dir bin', 'file bin/su 755']);
  });
});

describe('top-level folder stripping', () => {
  it('moves the contents of a single folder holding the appspec up (GitHub style)', async () => {
    const bytes = await yazlZip((z) => {
      z.addEmptyDirectory('repo-abc123/');
      z.addBuffer(Buffer.from('version: 0.0\n'), 'repo-abc123/appspec.yml', { mode: 0o100644 });
      z.addBuffer(Buffer.from('#!/bin/sh\n'), 'repo-abc123/scripts/run.sh', { mode: 0o100755 });
      // A child named like its parent must survive the move.
      z.addBuffer(Buffer.from('same name'), 'repo-abc123/repo-abc123');
      z.addBuffer(Buffer.from('scripts/run.sh'), 'repo-abc123/run', { mode: 0o120777 });
    });
    const result = await extractBundle(await sb.archive('gh.zip', bytes), 'zip', sb.target);
    expect(result.strippedTopLevel).toBe('repo-abc123');
    expect(await tree(sb.target)).toEqual([
      'file appspec.yml 644',
      'file repo-abc123 664',
      'link run -> scripts/run.sh',
      'dir scripts',
      'file scripts/run.sh 755',
    ]);
  });

  it('strips a tgz top folder too', async () => {
    const src = path.join(sb.base, 'archives', 'src');
    await writeSourceTree(path.join(src, 'myapp-1.2'));
    const file = path.join(sb.base, 'archives', 'r.tgz');
    await tar.create({ file, cwd: src, gzip: true }, ['myapp-1.2']);
    const result = await extractBundle(file, 'tgz', sb.target);
    expect(result.strippedTopLevel).toBe('myapp-1.2');
    expect(await tree(sb.target)).toEqual(SOURCE_TREE);
  });

  it('does not strip when the appspec is at the root or there are several top-level entries', async () => {
    const rootSpec = await yazlZip((z) => {
      z.addBuffer(Buffer.from('v'), 'appspec.yml');
      z.addBuffer(Buffer.from('v'), 'app/appspec.yml');
    });
    expect((await extractBundle(await sb.archive('a.zip', rootSpec), 'zip', sb.target)).strippedTopLevel).toBeUndefined();
    const two = await yazlZip((z) => {
      z.addBuffer(Buffer.from('v'), 'app/appspec.yml');
      z.addBuffer(Buffer.from('r'), 'README');
    });
    const t2 = path.join(sb.base, 'parent', 'target2');
    expect((await extractBundle(await sb.archive('b.zip', two), 'zip', t2)).strippedTopLevel).toBeUndefined();
    expect(await tree(t2)).toEqual(['file README 664', 'dir app', 'file app/appspec.yml 664']);
  });

  it('does not strip a folder without an appspec', async () => {
    const bytes = await yazlZip((z) => z.addBuffer(Buffer.from('v'), 'only/file.txt'));
    expect((await extractBundle(await sb.archive('c.zip', bytes), 'zip', sb.target)).strippedTopLevel).toBeUndefined();
    expect(await tree(sb.target)).toEqual(['dir only', 'file only/file.txt 664']);
  });
});
