import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAppSpec } from './appspec-loader.ts';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-appspec-loader-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

const spec = (script: string) => `version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - location: ${script}\n`;

describe('loadAppSpec', () => {
  it('parses the same text once, and an edited file again', async () => {
    await writeFile(path.join(dir, 'appspec.yml'), spec('a.sh'));
    const first = await loadAppSpec(dir);
    expect(await loadAppSpec(dir)).toBe(first);
    await writeFile(path.join(dir, 'appspec.yml'), spec('b.sh'));
    const edited = await loadAppSpec(dir);
    expect(edited).not.toBe(first);
    expect(edited.hooks['BeforeInstall']?.[0]?.location).toBe('b.sh');
  });

  it('rejects a bad appspec every time it is loaded (errors are not cached)', async () => {
    await writeFile(path.join(dir, 'appspec.yml'), 'version: 0.0\nos: windows\n');
    await expect(loadAppSpec(dir)).rejects.toThrow(/os/);
    await expect(loadAppSpec(dir)).rejects.toThrow(/os/);
  });

  it('reads a deployment\'s own file name first, then appspec.yml, then appspec.yaml', async () => {
    await writeFile(path.join(dir, 'appspec.yaml'), spec('yaml.sh'));
    expect((await loadAppSpec(dir)).hooks['BeforeInstall']?.[0]?.location).toBe('yaml.sh');
    await writeFile(path.join(dir, 'custom.yml'), spec('custom.sh'));
    expect((await loadAppSpec(dir, 'custom.yml')).hooks['BeforeInstall']?.[0]?.location).toBe('custom.sh');
    await rm(path.join(dir, 'appspec.yaml'));
    await expect(loadAppSpec(dir)).rejects.toThrow(/No AppSpec file/);
  });
});
