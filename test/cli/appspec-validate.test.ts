// `convoy appspec validate` and `convoy push <bundle>` through the compiled CLI (run `npx tsc -p tsconfig.json`
// first; `npm test` does it): exit codes, messages and JSON output for files, directories and bundles.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { create as createTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createZipFromDirectory } from '../../agent/archive/index.ts';
import { rawTar, rawZip } from '../../agent/archive/testing.ts';
import { parseAppSpec, toNormalisedJson } from '../../protocol/appspec/index.ts';
import { REPO_ROOT } from '../../coordinator/sandbox/sandbox.ts';

const CLI = path.join(REPO_ROOT, 'dist', 'coordinator', 'cli', 'bin.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function convoy(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, cwd: tmp }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

const VALID = `version: 0.0
os: linux
files:
  - source: /index.html
    destination: /var/www/html/
  - source: conf/
    destination: /etc/app/
hooks:
  ApplicationStop:
    - location: scripts/stop.sh
  BeforeInstall:
    - location: scripts/install_dependencies
      timeout: '300'
      runas: root
file_exists_behavior: OVERWRITE
`;

let tmp: string;
let revision: string;

async function writeRevision(dir: string, appspec = VALID, name = 'appspec.yml'): Promise<void> {
  await mkdir(path.join(dir, 'scripts'), { recursive: true });
  await mkdir(path.join(dir, 'conf'), { recursive: true });
  await writeFile(path.join(dir, name), appspec);
  await writeFile(path.join(dir, 'index.html'), '<h1>hi</h1>\n');
  await writeFile(path.join(dir, 'conf', 'app.conf'), 'x=1\n');
  for (const s of ['stop.sh', 'install_dependencies']) {
    await writeFile(path.join(dir, 'scripts', s), '#!/bin/sh\nexit 0\n');
    await chmod(path.join(dir, 'scripts', s), 0o755);
  }
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'convoy-cli-appspec-'));
  revision = path.join(tmp, 'rev');
  await writeRevision(revision);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('convoy appspec validate: appspec files', () => {
  it('exits 0 for a valid file and prints the normalised JSON with --json', async () => {
    const file = path.join(revision, 'appspec.yml');
    const r = await convoy(['appspec', 'validate', file, '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as unknown;
    expect(json).toEqual(JSON.parse(JSON.stringify(toNormalisedJson(parseAppSpec(VALID)))));
    expect(json).toMatchObject({
      version: 0,
      os: 'linux',
      hooks: { BeforeInstall: [{ location: 'scripts/install_dependencies', timeout: 300, runas: 'root', sudo: false }] },
      files: [{ source: '/index.html', destination: '/var/www/html/' }, { source: 'conf/', destination: '/etc/app/' }],
      file_exists_behavior: 'OVERWRITE',
    });
    // The JSON view is itself a valid appspec that parses back to the same thing.
    expect(toNormalisedJson(parseAppSpec(r.stdout))).toEqual(json);
  });

  it('without --json prints a one-line summary', async () => {
    const r = await convoy(['appspec', 'validate', path.join(revision, 'appspec.yml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/valid \(2 hook events, 2 scripts, 2 file mappings, 0 permissions\)/);
  });

  it.each([
    ['a negative timeout', VALID.replace("timeout: '300'", 'timeout: -5'), 'hooks.BeforeInstall[0].timeout', '-5'],
    ['a bad version', VALID.replace('version: 0.0', 'version: 1'), 'version', '1'],
    ['a relative destination', VALID.replace('/etc/app/', 'etc/app'), 'files[1].destination', 'etc/app'],
    ['an unknown file_exists_behavior', VALID.replace('OVERWRITE', 'SOMETIMES'), 'file_exists_behavior', 'SOMETIMES'],
  ])('exits 1 for %s, naming the key and the value', async (_what, text, key, value) => {
    const file = path.join(tmp, `bad-${key.replace(/\W/g, '_')}.yml`);
    await writeFile(file, text);
    const r = await convoy(['appspec', 'validate', file, '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`key: ${key}`);
    expect(r.stderr).toContain(`value: ${JSON.stringify(value)}`);
  });

  it('exits 1 for a file that is not YAML at all', async () => {
    const file = path.join(tmp, 'garbage.yml');
    await writeFile(file, 'version: [unclosed\n');
    const r = await convoy(['appspec', 'validate', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/invalid/);
  });
});

describe('convoy appspec validate: usage errors exit 2', () => {
  it('missing path', async () => {
    const r = await convoy(['appspec', 'validate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing required argument/);
  });

  it('unknown option', async () => {
    const r = await convoy(['appspec', 'validate', revision, '--no-such-option']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option/);
  });

  it('a path that does not exist', async () => {
    const r = await convoy(['appspec', 'validate', path.join(tmp, 'nope')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/does not exist/);
  });

  it('an --appspec-name that climbs out of the revision', async () => {
    const r = await convoy(['appspec', 'validate', revision, '--appspec-name', '../x.yml']);
    expect(r.code).toBe(2);
  });

  it('--help shows a CI example and the exit codes', async () => {
    const r = await convoy(['appspec', 'validate', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Example \(CI step/);
    expect(r.stdout).toMatch(/Exit codes: 0 valid, 1 invalid/);
  });
});

describe('convoy appspec validate: revision directories', () => {
  it('exits 0 for a valid directory', async () => {
    const r = await convoy(['appspec', 'validate', revision, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ file_exists_behavior: 'OVERWRITE' });
    expect(r.stderr).toBe('');
  });

  it('falls back to appspec.yaml, and --appspec-name picks a custom file first', async () => {
    const dir = path.join(tmp, 'yaml-rev');
    await writeRevision(dir, VALID, 'appspec.yaml');
    expect((await convoy(['appspec', 'validate', dir])).code).toBe(0);
    await writeFile(path.join(dir, 'custom.yml'), VALID.replace('OVERWRITE', 'RETAIN'));
    const r = await convoy(['appspec', 'validate', dir, '--appspec-name', 'custom.yml', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ file_exists_behavior: 'RETAIN' });
  });

  it('exits 1 for a directory without an appspec, naming both default names', async () => {
    const dir = path.join(tmp, 'empty-rev');
    await mkdir(dir, { recursive: true });
    const r = await convoy(['appspec', 'validate', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('appspec.yml or appspec.yaml');
  });

  it('exits 1 for an invalid appspec in a directory', async () => {
    const dir = path.join(tmp, 'bad-rev');
    await writeRevision(dir, VALID.replace("timeout: '300'", 'timeout: 0'));
    const r = await convoy(['appspec', 'validate', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('key: hooks.BeforeInstall[0].timeout');
  });

  it('warns (exit 0) about hook scripts and sources missing from the revision', async () => {
    const dir = path.join(tmp, 'missing-script-rev');
    await writeRevision(dir);
    await rm(path.join(dir, 'scripts', 'stop.sh'));
    const r = await convoy(['appspec', 'validate', dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: hooks\.ApplicationStop: script "scripts\/stop\.sh" is not in the revision/);
  });
});

describe('convoy appspec validate: bundles', () => {
  let zip: string;
  let tarFile: string;
  let tgz: string;

  beforeAll(async () => {
    zip = path.join(tmp, 'rev.zip');
    await createZipFromDirectory(revision, zip);
    tarFile = path.join(tmp, 'rev.tar');
    tgz = path.join(tmp, 'rev.tar.gz');
    // GitHub-style: everything under one top-level folder, which the extractor strips.
    await createTar({ cwd: tmp, file: tarFile }, ['rev']);
    await createTar({ cwd: revision, file: tgz, gzip: true }, ['.']);
  });

  it.each([['zip'], ['tar'], ['tgz']])('exits 0 for a valid %s bundle and prints the same JSON as for the directory', async (type) => {
    const file = type === 'zip' ? zip : type === 'tar' ? tarFile : tgz;
    const [r, dir] = await Promise.all([convoy(['appspec', 'validate', file, '--json']), convoy(['appspec', 'validate', revision, '--json'])]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(dir.stdout));
    expect(r.stderr).toBe('');
    const summary = await convoy(['appspec', 'validate', file]);
    expect(summary.stdout).toContain(`(${type} revision, appspec.yml;`);
  });

  it('detects the type by content, whatever the file is called', async () => {
    const disguised = path.join(tmp, 'revision.bin');
    await writeFile(disguised, await readFile(tgz));
    const r = await convoy(['appspec', 'validate', disguised]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(tgz revision');
  });

  it('exits 1 for a bundle with an invalid appspec', async () => {
    const file = path.join(tmp, 'bad.zip');
    await writeFile(file, rawZip([{ name: 'appspec.yml', data: VALID.replace('version: 0.0', 'version: 2') }]));
    const r = await convoy(['appspec', 'validate', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('key: version');
  });

  it('exits 1 for a bundle without an appspec', async () => {
    const file = path.join(tmp, 'noappspec.tgz');
    await writeFile(file, gzipSync(rawTar([{ name: 'readme.txt', data: 'hi' }])));
    const r = await convoy(['appspec', 'validate', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no AppSpec file');
  });

  it('exits 1 for a hostile bundle, naming the entry', async () => {
    const file = path.join(tmp, 'hostile.tar');
    await writeFile(file, rawTar([{ name: 'appspec.yml', data: VALID }, { name: '../escape.txt', data: 'x' }]));
    const r = await convoy(['appspec', 'validate', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('../escape.txt');
    expect(r.stderr).toMatch(/tar bundle refused/);
  });

  it('exits 1 for a truncated archive that only its name calls a zip', async () => {
    const file = path.join(tmp, 'truncated.zip');
    await writeFile(file, 'not really a zip');
    const r = await convoy(['appspec', 'validate', file]);
    expect(r.code).toBe(1);
  });
});

describe('convoy push <bundle>', () => {
  let config: string;

  beforeAll(async () => {
    config = path.join(tmp, 'coordinator.yaml');
    await writeFile(config, 'dataDir: data\nkeyFile: key.pem\n');
  });

  it.each([['tar'], ['tgz'], ['zip']])('stores a %s bundle unchanged, with its bundle type', async (type) => {
    const file = path.join(tmp, `push.${type}`);
    if (type === 'zip') await createZipFromDirectory(revision, file);
    else await createTar({ cwd: revision, file, gzip: type === 'tgz' }, ['.']);
    const r = await convoy(['push', file, '--json'], { CONVOY_CONFIG: config });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const bytes = await readFile(file);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(JSON.parse(r.stdout)).toEqual({ sha256, size: bytes.length, bundleType: type });
    expect((await readFile(path.join(tmp, 'data', 'revisions', `${sha256}.${type}`))).equals(bytes)).toBe(true);
    expect(JSON.parse(await readFile(path.join(tmp, 'data', 'revisions', `${sha256}.json`), 'utf8'))).toMatchObject({ sha256, bundleType: type });
  });

  it('still zips a directory', async () => {
    const r = await convoy(['push', revision, '--json'], { CONVOY_CONFIG: config });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ bundleType: 'zip' });
  });

  it('refuses an invalid bundle with exit 1 and stores nothing', async () => {
    const file = path.join(tmp, 'push-bad.tgz');
    await writeFile(file, gzipSync(rawTar([{ name: 'appspec.yml', data: 'version: 0.0\nos: windows\n' }])));
    const r = await convoy(['push', file], { CONVOY_CONFIG: config });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is invalid/);
    const sha256 = createHash('sha256').update(await readFile(file)).digest('hex');
    await expect(readFile(path.join(tmp, 'data', 'revisions', `${sha256}.json`))).rejects.toThrow();
  });

  it('refuses a file that is neither a directory nor a bundle with exit 2', async () => {
    const r = await convoy(['push', path.join(revision, 'appspec.yml')], { CONVOY_CONFIG: config });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/neither a directory nor a zip, tar or tgz bundle/);
  });
});
