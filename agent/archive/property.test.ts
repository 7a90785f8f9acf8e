import { promises as fsp } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArchiveError, extractBundle, type BundleType } from './index.ts';
import { PRISTINE, rawTar, rawZip, sandbox } from './testing.ts';

// Components chosen to collide, climb, and look absolute; unicode to exercise encodings.
const component = fc.constantFrom('a', 'b', 'sub', '..', '.', '', 'ü', '日本', 'C:', 'x\\..', 'appspec.yml', ' ');
const relPath = fc.array(component, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
const name = fc.oneof(
  { arbitrary: relPath, weight: 6 },
  { arbitrary: relPath.map((p) => `/${p}`), weight: 1 },
  { arbitrary: relPath.map((p) => `${p}/`), weight: 1 },
);
const linkTarget = fc.oneof(relPath, fc.constantFrom('/etc', '/tmp', '../..', '..', '.', 'a/../..', '../sentinel'));

type Spec = { kind: 'file' | 'dir' | 'link'; name: string; target: string };
const entry: fc.Arbitrary<Spec> = fc
  .record({ kind: fc.constantFrom('file', 'dir', 'link'), name, target: linkTarget })
  // A trailing slash makes a directory in both formats; keep files and links plausible.
  .map((s) => (s.kind === 'dir' ? s : { ...s, name: s.name.replace(/\/+$/, '') }));

function build(type: BundleType, specs: Spec[]): Buffer {
  if (type === 'zip') {
    return rawZip(specs.map((s) => s.kind === 'link'
      ? { name: s.name, data: s.target, mode: 0o120777 }
      : s.kind === 'dir' ? { name: s.name.endsWith('/') ? s.name : `${s.name}/`, mode: 0o40755 }
      : { name: s.name, data: `data of ${s.name}` }));
  }
  return rawTar(specs.filter((s) => Buffer.byteLength(s.name) < 100 && Buffer.byteLength(s.target) < 100)
    .map((s) => s.kind === 'link' ? { name: s.name, type: '2', linkname: s.target }
      : s.kind === 'dir' ? { name: s.name, type: '5' } : { name: s.name, data: `data of ${s.name}` }));
}

/** Every symlink under dir that resolves must resolve inside dir. */
async function linksStayInside(root: string, rel = ''): Promise<void> {
  for (const d of await fsp.readdir(path.join(root, rel), { withFileTypes: true })) {
    const r = path.join(rel, d.name);
    if (d.isSymbolicLink()) {
      const real = await fsp.realpath(path.join(root, r)).catch(() => undefined);
      if (real !== undefined) expect(real === root || real.startsWith(`${root}/`), `${r} -> ${real}`).toBe(true);
    } else if (d.isDirectory()) {
      await linksStayInside(root, r);
    }
  }
}

describe('property: hostile entry lists never escape the target', () => {
  it.each(['zip', 'tar'] as const)('%s', async (type) => {
    let extracted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 8 }), async (specs) => {
        const sb = await sandbox();
        try {
          const file = await sb.archive(`p.${type}`, build(type, specs));
          const outcome = await extractBundle(file, type, sb.target).then(() => 'ok', (e: unknown) => e);
          if (outcome === 'ok') extracted += 1;
          else expect(outcome).toBeInstanceOf(ArchiveError);
          expect(await sb.outside()).toEqual(PRISTINE);
          await linksStayInside(await fsp.realpath(sb.target));
        } finally {
          await sb.cleanup();
        }
      }),
      { numRuns: 100 },
    );
    expect(extracted, 'the generator should also produce acceptable archives').toBeGreaterThan(0);
  });
});
