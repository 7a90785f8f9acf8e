import { access, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createZipFromDirectory, extractBundle, type BundleType } from '../archive/index.ts';
import { rawZip } from '../archive/testing.ts';
import { AgentLayout } from './layout.ts';
import { BundleStager, stagedDir, type StagedBundle } from './staging.ts';

let tmp: string;
let bundle: string;
let target: StagedBundle;

beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'convoy-staging-'));
  await mkdir(path.join(tmp, 'src', 'scripts'), { recursive: true });
  await writeFile(path.join(tmp, 'src', 'appspec.yml'), 'version: 0.0\nos: linux\n');
  await writeFile(path.join(tmp, 'src', 'scripts', 'start.sh'), 'echo start\n');
  bundle = path.join(tmp, 'bundle.zip');
  await createZipFromDirectory(path.join(tmp, 'src'), bundle);
  const paths = new AgentLayout(path.join(tmp, 'agent')).deployment({ deploymentGroupId: 'g', deploymentId: 'd-1', revision: { bundleType: 'zip' } as never });
  await mkdir(paths.root, { recursive: true });
  target = { deploymentId: 'd-1', paths, bundleType: 'zip' };
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

/** An extractor that counts its calls and waits for `gate` before unpacking. */
function countingExtract(gate: Promise<void> = Promise.resolve()): { calls: number; extract: (b: string, t: BundleType, d: string) => Promise<unknown> } {
  const c = { calls: 0, extract: async (b: string, t: BundleType, d: string) => { c.calls++; await gate; return extractBundle(b, t, d); } };
  return c;
}

describe('BundleStager', () => {
  it('warms the staged tree once it is complete; a warm-up that fails does not fail the staging', async () => {
    for (const fails of [false, true]) {
      const seen: string[] = [];
      const stager = new BundleStager(() => undefined, extractBundle, async (tree, t) => {
        seen.push(await readFile(path.join(tree, 'appspec.yml'), 'utf8'), t.deploymentId);
        if (fails) throw new Error('bad appspec');
      });
      stager.stage(target, bundle);
      expect(await stager.take(target)).toBe(true);
      expect(seen).toEqual(['version: 0.0\nos: linux\n', 'd-1']);
      await rm(target.paths.archive, { recursive: true, force: true });
    }
  });

  it('unpacks beside the archive dir, and DownloadBundle\'s take moves it into place', async () => {
    const x = countingExtract();
    const stager = new BundleStager(() => { throw new Error('unexpected'); }, x.extract);
    stager.stage(target, bundle);
    stager.stage(target, bundle); // a duplicate intent delivery stages once
    await expect.poll(() => exists(stagedDir(target.paths))).toBe(true);
    // Until DownloadBundle, the archive dir must not exist: ApplicationStop uses the previous revision then.
    expect(await exists(target.paths.archive)).toBe(false);
    expect(await stager.take(target)).toBe(true);
    expect(await readFile(path.join(target.paths.archive, 'scripts', 'start.sh'), 'utf8')).toBe('echo start\n');
    expect(await exists(stagedDir(target.paths))).toBe(false);
    expect(x.calls).toBe(1);
  });

  it('take waits for a staging under way', async () => {
    let open!: () => void;
    const x = countingExtract(new Promise((r) => { open = r; }));
    const stager = new BundleStager(() => undefined, x.extract);
    stager.stage(target, bundle);
    let took: boolean | undefined;
    const taking = stager.take(target).then((v) => { took = v; });
    await new Promise((r) => setTimeout(r, 20));
    expect(took).toBeUndefined();
    open();
    await taking;
    expect(took).toBe(true);
    expect(await exists(path.join(target.paths.archive, 'appspec.yml'))).toBe(true);
  });

  it('nothing staged: take says so, and a later stage does not unpack what DownloadBundle is unpacking', async () => {
    const x = countingExtract();
    const stager = new BundleStager(() => undefined, x.extract);
    expect(await stager.take(target)).toBe(false);
    stager.stage(target, bundle);
    await new Promise((r) => setTimeout(r, 20));
    expect(x.calls).toBe(0);
    expect(await exists(stagedDir(target.paths))).toBe(false);
  });

  it('a bundle that fails to unpack is reported, leaves nothing behind, and is not taken', async () => {
    const evil = path.join(tmp, 'evil.zip');
    await writeFile(evil, rawZip([{ name: '../outside.txt', data: 'x' }]));
    const errors: string[] = [];
    const stager = new BundleStager((id, err) => errors.push(`${id}: ${(err as Error).message}`));
    stager.stage(target, evil);
    expect(await stager.take(target)).toBe(false);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^d-1: /);
    expect(await readdir(target.paths.root)).toEqual([]);
    expect(await exists(path.join(tmp, 'agent', 'deployment-root', 'g', 'outside.txt'))).toBe(false);
  });
});
