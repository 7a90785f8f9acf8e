import { mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planPrune, pruneRevisions } from './retention.ts';

let root: string;
const group = 'dg-1';

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'convoy-retention-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Creates d0..d(n-1) (d0 oldest) plus `current` (newest), with mtimes one minute apart. */
async function makeDeployments(n: number, opts: { current?: boolean } = {}): Promise<{ dirs: string[]; current: string }> {
  const base = Date.now() / 1000 - 3600;
  const dirs: string[] = [];
  const names = [...Array.from({ length: n }, (_, i) => `d${i}`), ...(opts.current === false ? [] : ['new'])];
  for (const [i, name] of names.entries()) {
    const dir = path.join(root, group, name);
    await mkdir(path.join(dir, 'deployment-archive'), { recursive: true });
    await writeFile(path.join(dir, 'deployment-archive', 'f'), name);
    await utimes(dir, base + i * 60, base + i * 60);
    dirs.push(dir);
  }
  return { dirs, current: path.join(root, group, 'new') };
}

async function left(): Promise<string[]> {
  return (await readdir(path.join(root, group))).sort();
}

describe('pruneRevisions (agent reference §4.2 simulations, decision 8)', () => {
  it('6 old, keep 5, no last successful: keeps d2-d5 and the current one', async () => {
    const { current } = await makeDeployments(6);
    const removed = await pruneRevisions(root, group, 5, [current]);
    expect(removed.map((d) => path.basename(d))).toEqual(['d0', 'd1']);
    expect(await left()).toEqual(['d2', 'd3', 'd4', 'd5', 'new']);
  });

  it('6 old, keep 5, last successful is the oldest: keeps d0, d3-d5 and the current one', async () => {
    const { current } = await makeDeployments(6);
    await pruneRevisions(root, group, 5, [current, path.join(root, group, 'd0')]);
    expect(await left()).toEqual(['d0', 'd3', 'd4', 'd5', 'new']);
  });

  it('6 old, keep 1, last successful d2: keeps d2 and the current one (protected dirs may exceed keep)', async () => {
    const { current } = await makeDeployments(6);
    const removed = await pruneRevisions(root, group, 1, [current, path.join(root, group, 'd2')]);
    expect(removed).toHaveLength(5);
    expect(await left()).toEqual(['d2', 'new']);
  });

  it('removes nothing when at or under the limit', async () => {
    const { current } = await makeDeployments(4);
    expect(await pruneRevisions(root, group, 5, [current])).toEqual([]);
    expect(await left()).toHaveLength(5);
  });

  it('with nothing protected keeps exactly the newest `keep`', async () => {
    await makeDeployments(4, { current: false });
    const removed = await pruneRevisions(root, group, 2, []);
    expect(removed.map((d) => path.basename(d))).toEqual(['d0', 'd1']);
    expect(await left()).toEqual(['d2', 'd3']);
  });

  it('accepts protected paths in any spelling (resolved before comparing)', async () => {
    const { current } = await makeDeployments(3);
    const last = path.join(root, group, '..', group, 'd0') + '/';
    await pruneRevisions(path.join(root, '.'), group, 2, [current, last]);
    expect(await left()).toEqual(['d0', 'new']);
  });

  it('ignores files and symlinks in the group dir and leaves other groups alone', async () => {
    const { current } = await makeDeployments(3);
    await writeFile(path.join(root, group, 'stray.txt'), 'x');
    const outside = path.join(root, 'outside');
    await mkdir(outside);
    await symlink(outside, path.join(root, group, 'link'));
    await mkdir(path.join(root, 'dg-2', 'old'), { recursive: true });
    await pruneRevisions(root, group, 1, [current]);
    expect(await left()).toEqual(['link', 'new', 'stray.txt']);
    expect(await readdir(path.join(root, 'dg-2'))).toEqual(['old']);
    expect(await readdir(root)).toContain('outside');
  });

  it('a missing group dir removes nothing', async () => {
    expect(await pruneRevisions(root, 'no-such-group', 5, [])).toEqual([]);
  });

  it('rejects a bad keep or group id before touching anything', async () => {
    await makeDeployments(3);
    await expect(pruneRevisions(root, group, 0, [])).rejects.toThrow(RangeError);
    await expect(pruneRevisions(root, group, 1.5, [])).rejects.toThrow(RangeError);
    await expect(pruneRevisions(root, '..', 1, [])).rejects.toThrow(RangeError);
    await expect(pruneRevisions(root, 'a/b', 1, [])).rejects.toThrow(RangeError);
    await expect(pruneRevisions(root, 'deployment-instructions', 1, [])).rejects.toThrow(RangeError);
    expect(await left()).toHaveLength(4);
  });
});

describe('planPrune', () => {
  it('breaks mtime ties by name, deterministically', () => {
    const dirs = ['b', 'a', 'c'].map((name) => ({ dir: `/r/${name}`, name, mtimeMs: 1000 }));
    expect(planPrune(dirs, 1, new Set())).toEqual(['/r/a', '/r/b']);
  });
});
