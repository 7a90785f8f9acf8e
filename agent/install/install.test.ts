import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readFile, readlink, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appspec, cleanupLines, sandbox, tree, type Sandbox } from './fixtures.test-util.ts';
import { InstallError, install, type InstallOptions } from './index.ts';

let sb: Sandbox;
beforeEach(async () => {
  sb = await sandbox();
});
afterEach(async () => {
  await sb.remove();
});

const GROUP = 'dg-1';
function opts(spec: InstallOptions['appspec'], extra: Partial<InstallOptions> = {}): InstallOptions {
  return { archiveDir: sb.archive, instructionsDir: sb.instructions, groupId: GROUP, appspec: spec, destinationRoot: sb.dest, ...extra };
}
async function failure(p: Promise<unknown>): Promise<InstallError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InstallError);
  return err as InstallError;
}
const cleanupFile = (): string => path.join(sb.instructions, `${GROUP}-cleanup`);
const scenarioSpec = appspec([
  { source: 'app', destination: '/d/app' },
  { source: 'conf/c.conf', destination: '/d/etc/x' },
]);

describe('install: end-to-end scenarios (reference §3.9)', () => {
  beforeEach(async () => {
    await tree(sb.archive, { 'app/a.txt': 'a', 'app/sub/b.txt': 'b', 'conf/c.conf': 'c' });
  });

  it('1: installs a directory and a file mapping and records every target, parents first', async () => {
    const result = await install(opts(scenarioSpec));
    expect(result).toEqual({ copied: 3, directories: 5, cleanupFile: cleanupFile() });
    expect(await readFile(sb.at('d/etc/x/c.conf'), 'utf8')).toBe('c');
    const lines = (await cleanupLines(cleanupFile())).map((l) => path.relative(sb.dest, l));
    expect([...lines].sort()).toEqual(['d', 'd/app', 'd/app/a.txt', 'd/app/sub', 'd/app/sub/b.txt', 'd/etc', 'd/etc/x', 'd/etc/x/c.conf'].sort());
    for (const line of lines) expect(lines.indexOf(path.dirname(line))).toBeLessThan(lines.indexOf(line));
  });

  it('2: a redeploy first removes what the previous install created', async () => {
    await install(opts(scenarioSpec));
    await writeFile(sb.at('d/app/a.txt'), 'edited');
    await tree(sb.archive, { 'app/a.txt': 'a2' });
    await rm(path.join(sb.archive, 'app/sub'), { recursive: true });
    await install(opts(scenarioSpec));
    expect(existsSync(sb.at('d/app/sub'))).toBe(false);
    expect(await readFile(sb.at('d/app/a.txt'), 'utf8')).toBe('a2');
  });

  it('3: DISALLOW fails on a foreign file after cleanup; no cleanup file remains', async () => {
    await install(opts(scenarioSpec));
    await writeFile(sb.at('d/app/manual.txt'), 'hand made');
    await tree(sb.archive, { 'app/manual.txt': 'bundle' });
    const err = await failure(install(opts(scenarioSpec)));
    expect(err.code).toBe('FILE_EXISTS');
    expect(err.message).toContain(sb.at('d/app/manual.txt'));
    expect(existsSync(sb.at('d/app/a.txt'))).toBe(false);
    expect(await readFile(sb.at('d/app/manual.txt'), 'utf8')).toBe('hand made');
    expect(existsSync(cleanupFile())).toBe(false);
  });

  it('4-6: RETAIN keeps a foreign file unrecorded; appspec OVERWRITE beats it; the next cleanup removes it', async () => {
    await mkdir(sb.at('d/app'), { recursive: true });
    await writeFile(sb.at('d/app/manual.txt'), 'hand made');
    await tree(sb.archive, { 'app/manual.txt': 'bundle' });
    await install(opts(scenarioSpec, { deploymentFileExistsBehavior: 'RETAIN' }));
    expect(await readFile(sb.at('d/app/manual.txt'), 'utf8')).toBe('hand made');
    expect(await cleanupLines(cleanupFile())).not.toContain(sb.at('d/app/manual.txt'));

    const overwrite = { ...scenarioSpec, fileExistsBehavior: 'OVERWRITE' as const };
    await install(opts(overwrite, { deploymentFileExistsBehavior: 'RETAIN' }));
    expect(await readFile(sb.at('d/app/manual.txt'), 'utf8')).toBe('bundle');
    expect(await cleanupLines(cleanupFile())).toContain(sb.at('d/app/manual.txt'));

    await install(opts(appspec([{ source: 'conf/c.conf', destination: '/d/app' }])));
    expect(existsSync(sb.at('d/app/manual.txt'))).toBe(false);
    expect(existsSync(sb.at('d/app/c.conf'))).toBe(true);
  });

  it('7: source "/" installs the whole bundle, appspec included', async () => {
    await tree(sb.archive, { 'appspec.yml': 'version: 0.0\nos: linux\n' });
    await install(opts(appspec([{ source: '/', destination: '/opt/all' }])));
    expect(existsSync(sb.at('opt/all/appspec.yml'))).toBe(true);
    expect(existsSync(sb.at('opt/all/app/sub/b.txt'))).toBe(true);
  });

  it('8: two directory sources with the same file into one destination -> DUPLICATE_DESTINATION', async () => {
    await tree(sb.archive, { 'one/f.txt': '1', 'two/f.txt': '2' });
    const err = await failure(install(opts(appspec([
      { source: 'one', destination: '/d' },
      { source: 'two', destination: '/d' },
    ]))));
    expect(err.code).toBe('DUPLICATE_DESTINATION');
    expect(err.message).toContain(sb.at('d/f.txt'));
  });

  it('9: a file mapping whose destination is an installed file -> DIRECTORY_OVER_FILE', async () => {
    await tree(sb.archive, { 'one/f.txt': '1' });
    const err = await failure(install(opts(appspec([
      { source: 'one', destination: '/d' },
      { source: 'conf/c.conf', destination: '/d/f.txt' },
    ]))));
    expect(err.code).toBe('DIRECTORY_OVER_FILE');
    expect(err.path).toBe(sb.at('d/f.txt'));
  });
});

describe('install: file rules (checklist §8.4)', () => {
  it('140/150: no files -> empty instruction list; shapes of copy and mkdir', async () => {
    await install(opts(appspec([])));
    expect(JSON.parse(await readFile(path.join(sb.instructions, `${GROUP}-install.json`), 'utf8'))).toEqual({ instructions: [] });
    await tree(sb.archive, { src1: '1' });
    await install(opts(appspec([{ source: 'src1', destination: 'dst1' }])));
    const json = JSON.parse(await readFile(path.join(sb.instructions, `${GROUP}-install.json`), 'utf8'));
    expect(json).toEqual({
      instructions: [
        { type: 'mkdir', directory: sb.at('dst1') },
        { type: 'copy', source: path.join(sb.archive, 'src1'), destination: sb.at('dst1/src1') },
      ],
    });
  });

  it('141/146: files go into their destination; missing ancestors are created top-down', async () => {
    await tree(sb.archive, { src1: '1', src2: '2' });
    await mkdir(sb.at('dst1'), { recursive: true });
    await install(opts(appspec([
      { source: 'src1', destination: '/dst1/foo/bar' },
      { source: 'src2', destination: 'dst2/' },
    ])));
    expect(await readFile(sb.at('dst1/foo/bar/src1'), 'utf8')).toBe('1');
    expect(await readFile(sb.at('dst2/src2'), 'utf8')).toBe('2');
    expect(await cleanupLines(cleanupFile())).toEqual(
      ['dst1/foo', 'dst1/foo/bar', 'dst1/foo/bar/src1', 'dst2', 'dst2/src2'].map(sb.at),
    );
  });

  it('142-145: file_exists_behavior precedence and invalid values', async () => {
    await tree(sb.archive, { src2: 'new' });
    await tree(sb.dest, { 'dst2/src2': 'old' });
    const files = [{ source: 'src2', destination: '/dst2' }];
    const disallow = appspec(files, { fileExistsBehavior: 'DISALLOW' });
    expect((await failure(install(opts(disallow, { deploymentFileExistsBehavior: 'OVERWRITE' })))).code).toBe('FILE_EXISTS');
    const weird = await failure(install(opts(appspec(files), { deploymentFileExistsBehavior: 'SOMETHING_WEIRD' })));
    expect(weird.code).toBe('INVALID_FILE_EXISTS_BEHAVIOR');
    await install(opts(appspec(files, { fileExistsBehavior: 'RETAIN' }), { deploymentFileExistsBehavior: 'OVERWRITE' }));
    expect(await readFile(sb.at('dst2/src2'), 'utf8')).toBe('old');
    await install(opts(appspec(files), { deploymentFileExistsBehavior: 'overwrite' }));
    expect(await readFile(sb.at('dst2/src2'), 'utf8')).toBe('new');
  });

  it('145: an invalid deployment-level value goes unnoticed when nothing exists', async () => {
    await tree(sb.archive, { src: 's' });
    await install(opts(appspec([{ source: 'src', destination: '/x' }]), { deploymentFileExistsBehavior: 'SOMETHING_WEIRD' }));
    expect(existsSync(sb.at('x/src'))).toBe(true);
  });

  it('147: directory sources merge into existing directories; behaviour applies per nested file', async () => {
    await tree(sb.archive, { 'src/bar': 'n1', 'src/foo/bar': 'n2', 'src/foo/baz': 'n3' });
    await tree(sb.dest, { 'dst1/bar': 'o1', 'dst1/foo/bar': 'o2' });
    await install(opts(appspec([{ source: 'src', destination: '/dst1' }], { fileExistsBehavior: 'RETAIN' })));
    expect(await readFile(sb.at('dst1/foo/bar'), 'utf8')).toBe('o2');
    expect(await cleanupLines(cleanupFile())).toEqual([sb.at('dst1/foo/baz')]);
  });

  it('151: I02 same destination twice, I03 copy over an mkdir target', async () => {
    await tree(sb.archive, { src1: '1', 'a/src1': '2', 'tree/x/inner': 'i', x: 'file' });
    const dup = await failure(install(opts(appspec([
      { source: 'src1', destination: '/d' },
      { source: 'a/src1', destination: '/d' },
    ]))));
    expect(dup.code).toBe('DUPLICATE_DESTINATION');
    const over = await failure(install(opts(appspec([
      { source: 'tree', destination: '/e' },
      { source: 'x', destination: '/e' },
    ]))));
    expect(over.code).toBe('FILE_OVER_DIRECTORY');
    expect(over.message).toContain(sb.at('e/x'));
  });

  it('153: mkdir of one path from two mappings (also with a trailing slash) is emitted once', async () => {
    await tree(sb.archive, { a: '1', b: '2' });
    const r = await install(opts(appspec([
      { source: 'a', destination: '/m' },
      { source: 'b', destination: '/m/' },
    ])));
    expect(r).toMatchObject({ copied: 2, directories: 1 });
  });

  it('149: install.json is written before execution; a missing source fails after recording its target', async () => {
    await tree(sb.archive, { ok: '1' });
    const err = await failure(install(opts(appspec([
      { source: 'ok', destination: '/m' },
      { source: 'missing.txt', destination: '/m' },
    ]))));
    expect(err.code).toBe('SOURCE_MISSING');
    expect(err.message).toContain('missing.txt');
    expect(existsSync(path.join(sb.instructions, `${GROUP}-install.json`))).toBe(true);
    expect(await cleanupLines(cleanupFile())).toEqual([sb.at('m'), sb.at('m/ok'), sb.at('m/missing.txt')]);
  });
});

describe('install: copy semantics (§3.8) and hostile input', () => {
  it('preserves mode and timestamps and recreates symlinks as links', async () => {
    await tree(sb.archive, { 'app/run.sh': '#!/bin/sh\n' });
    await chmod(path.join(sb.archive, 'app/run.sh'), 0o750);
    await utimes(path.join(sb.archive, 'app/run.sh'), 1_000_000, 1_000_000);
    await symlink('/etc/hostname', path.join(sb.archive, 'app/link'));
    await symlink('run.sh', path.join(sb.archive, 'app/rel'));
    await install(opts(appspec([{ source: 'app', destination: '/srv' }])));
    const st = await stat(sb.at('srv/run.sh'));
    expect(st.mode & 0o7777).toBe(0o750);
    expect(st.mtimeMs).toBe(1_000_000_000);
    expect((await lstat(sb.at('srv/link'))).isSymbolicLink()).toBe(true);
    expect(await readlink(sb.at('srv/link'))).toBe('/etc/hostname');
    expect(await readlink(sb.at('srv/rel'))).toBe('run.sh');
  });

  it('OVERWRITE replaces a symlink at the destination instead of writing through it', async () => {
    await tree(sb.archive, { 'f.txt': 'new' });
    await tree(sb.dir, { victim: 'keep' });
    await mkdir(sb.at('d'), { recursive: true });
    await symlink(path.join(sb.dir, 'victim'), sb.at('d/f.txt'));
    await install(opts(appspec([{ source: 'f.txt', destination: '/d' }], { fileExistsBehavior: 'OVERWRITE' })));
    expect(await readFile(path.join(sb.dir, 'victim'), 'utf8')).toBe('keep');
    expect(await readFile(sb.at('d/f.txt'), 'utf8')).toBe('new');
  });

  it('rejects a source outside the revision and names it', async () => {
    const err = await failure(install(opts(appspec([{ source: '../outside', destination: '/d' }]))));
    expect(err.code).toBe('SOURCE_OUTSIDE_ARCHIVE');
    expect(err.message).toContain('../outside');
  });

  it('rejects a bundle file name containing a newline (it would corrupt the cleanup file)', async () => {
    await tree(sb.archive, { 'app/evil\n/etc/passwd': 'x' });
    const err = await failure(install(opts(appspec([{ source: 'app', destination: '/d' }]))));
    expect(err.code).toBe('INVALID_PATH');
  });

  it('accepts a pino logger and reports through it', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    await install(opts(appspec([]), { logger }));
    expect(lines.some((l) => l.includes('install complete'))).toBe(true);
  });

  it('rejects a group id that is not a plain file name', async () => {
    const err = await failure(install(opts(appspec([]), { groupId: '../x' })));
    expect(err.code).toBe('INVALID_GROUP_ID');
  });

  it('destinationRoot rebases absolute and relative destinations; ".." cannot climb out', async () => {
    await tree(sb.archive, { f: '1', g: '2' });
    await install(opts(appspec([
      { source: 'f', destination: '/../../etc' },
      { source: 'g', destination: 'rel/dir' },
    ])));
    expect(await readFile(sb.at('etc/f'), 'utf8')).toBe('1');
    expect(await readFile(sb.at('rel/dir/g'), 'utf8')).toBe('2');
    for (const line of await cleanupLines(cleanupFile())) expect(line.startsWith(sb.dest + '/')).toBe(true);
  });
});
