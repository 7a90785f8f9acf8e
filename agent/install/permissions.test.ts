import { existsSync } from 'node:fs';
import { lstat, mkdir, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AclEntry, Permission } from '../../protocol/appspec/types.ts';
import { appspec, permission, sandbox, tree, type Sandbox } from './fixtures.test-util.ts';
import { generateInstructions, install, InstallError, type InstallOptions } from './index.ts';
import { findOnPath } from './system.ts';

let sb: Sandbox;
beforeEach(async () => {
  sb = await sandbox();
  await tree(sb.archive, { src1: '1', 'app/a.txt': 'a', 'app/b.log': 'b', 'app/sub/c.txt': 'c' });
});
afterEach(async () => {
  await sb.remove();
});

const FILES = [
  { source: 'src1', destination: '/dst1' },
  { source: 'app', destination: '/dst/app' },
];
function opts(permissions: Permission[], files = FILES): InstallOptions {
  const spec = appspec(files, { permissions });
  return { archiveDir: sb.archive, instructionsDir: sb.instructions, groupId: 'g', appspec: spec, destinationRoot: sb.dest };
}
async function installError(p: Promise<unknown>): Promise<InstallError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(InstallError);
  return err as InstallError;
}
const mode = async (rel: string): Promise<number> => (await stat(sb.at(rel))).mode & 0o7777;
const acl = (name: string, perms: string, isDefault = false): AclEntry => ({ isDefault, type: 'user', name, perms });

describe('permissions (reference §3.7, checklist 148/152/154-156)', () => {
  it('"**" on a directory applies to everything installed below it, never the object itself', async () => {
    await install(opts([permission('/dst/app', { mode: '600' })]));
    expect(await mode('dst/app')).toBe(0o755);
    for (const rel of ['dst/app/a.txt', 'dst/app/b.log', 'dst/app/sub', 'dst/app/sub/c.txt']) expect(await mode(rel)).toBe(0o600);
  });

  it('pattern and except match immediate children only', async () => {
    const ins = await generateInstructions(opts([
      permission('/dst/app', { pattern: '*', except: ['*.log', 'sub'], mode: '640' }),
    ]));
    expect(ins.filter((i) => i.type === 'chmod').map((i) => 'file' in i && path.relative(sb.dest, i.file))).toEqual(['dst/app/a.txt']);
  });

  it('type restricts matches; permission commands come after every copy and mkdir', async () => {
    await mkdir(sb.dest);
    const ins = await generateInstructions(opts([
      permission('/', { pattern: 'dst*', type: ['directory'], mode: '700' }),
      permission('/dst1/src1', { type: ['file'], mode: '444' }),
    ]));
    const firstPermission = ins.findIndex((i) => i.type === 'chmod');
    expect(ins.slice(firstPermission).every((i) => i.type === 'chmod')).toBe(true);
    expect(ins.slice(0, firstPermission).every((i) => i.type === 'copy' || i.type === 'mkdir')).toBe(true);
    // object '/' is outside the sandbox root, so the rebased object is the sandbox root itself
    expect(ins.slice(firstPermission).map((i) => 'file' in i && path.relative(sb.dest, i.file))).toEqual(['dst1', 'dst', 'dst1/src1']);
  });

  it('an object that is not installed and not a directory is ignored; a file object without type file is skipped', async () => {
    const ins = await generateInstructions(opts([
      permission('/nowhere/x', { mode: '600' }),
      permission('/dst1/src1', { type: ['directory'], mode: '600' }),
    ]));
    expect(ins.some((i) => i.type === 'chmod')).toBe(false);
  });

  it('pre-existing directories are valid objects but their foreign contents are never touched', async () => {
    await tree(sb.dest, { 'dst/app/foreign.txt': 'f' });
    await install(opts([permission('/dst/app', { pattern: '*.txt', type: ['file'], mode: '600' })]));
    expect(await mode('dst/app/a.txt')).toBe(0o600);
    expect(await mode('dst/app/foreign.txt')).toBe(0o644);
  });

  it('I06: the same object twice -> DUPLICATE_PERMISSION; an entry with nothing to set emits nothing', async () => {
    const err = await installError(generateInstructions(opts([
      permission('/dst/app', { mode: '600' }),
      permission('/dst/app', { pattern: 'a.txt', mode: '644' }),
    ])));
    expect(err.code).toBe('DUPLICATE_PERMISSION');
    expect(err.message).toContain(sb.at('dst/app/a.txt'));
    const ins = await generateInstructions(opts([permission('/dst/app')]));
    expect(ins.every((i) => i.type === 'copy' || i.type === 'mkdir')).toBe(true);
  });

  it('E12-E14 on a file object: pattern, except and default ACLs are rejected', async () => {
    const cases: Partial<Permission>[] = [{ pattern: 'glob' }, { except: ['x'] }, { acls: [acl('bob', 'rwx', true)] }];
    for (const extra of cases) {
      const err = await installError(generateInstructions(opts([permission('/dst1/src1', { type: ['file'], ...extra })])));
      expect(err.code).toBe('INVALID_PERMISSION');
      expect(err.message).toContain(sb.at('dst1/src1'));
    }
  });

  it('155: full permission -> chmod, setfacl, semanage, chown in order with the install.json shapes', async () => {
    const full = permission('/dst1/src1', {
      type: ['file'],
      mode: '744',
      acls: [acl('bob', 'rwx'), { isDefault: false, type: 'group', name: 'dev', perms: 'r--' }],
      context: { user: 'name', type: 'type', range: { low: 2, high: 3, categories: [0, 2, 3, 4, 6] } },
      owner: 'bob',
      group: 'dev',
    });
    const file = sb.at('dst1/src1');
    const ins = (await generateInstructions(opts([full]))).filter((i) => i.type !== 'copy' && i.type !== 'mkdir');
    expect(ins).toEqual([
      { type: 'chmod', mode: '744', file },
      { type: 'setfacl', acl: ['user:bob:rwx', 'group:dev:r--'], file },
      { type: 'semanage', context: { user: 'name', role: null, type: 'type', range: 's2-s3:c0,c2.c4,c6' }, file },
      { type: 'chown', owner: 'bob', group: 'dev', file },
    ]);
    const ownerOnly = await generateInstructions(opts([permission('/dst1/src1', { group: 'dev' })]));
    expect(ownerOnly.at(-1)).toEqual({ type: 'chown', owner: null, group: 'dev', file });
  });

  it('156: chmod uses the octal value including special bits', async () => {
    await install(opts([permission('/dst1/src1', { mode: '6763' })]));
    expect(await mode('dst1/src1')).toBe(0o6763);
  });

  it('156: chown resolves names for real; an unknown user fails naming it', async () => {
    await install(opts([permission('/dst/app', { pattern: 'a.txt', owner: 'daemon', group: 'daemon' })]));
    const st = await stat(sb.at('dst/app/a.txt'));
    expect([st.uid, st.gid]).toEqual([1, 1]);
    const err = await installError(install(opts([permission('/dst1/src1', { owner: 'no-such-user-xyz' })])));
    expect(err.code).toBe('UNKNOWN_USER');
    expect(err.message).toContain('no-such-user-xyz');
    const gerr = await installError(install(opts([permission('/dst1/src1', { group: 'no-such-group-xyz' })])));
    expect(gerr.code).toBe('UNKNOWN_GROUP');
  });

  it('permission changes on an installed symlink never reach its target', async () => {
    await tree(sb.dir, { target: 't' });
    await symlink(path.join(sb.dir, 'target'), path.join(sb.archive, 'app/link'));
    await install(opts([permission('/dst/app', { pattern: 'link', mode: '777' })]));
    expect((await stat(path.join(sb.dir, 'target'))).mode & 0o777).toBe(0o644);
    expect((await lstat(sb.at('dst/app/link'))).isSymbolicLink()).toBe(true);
  });

  it('setfacl: missing tool fails before anything is installed; present tool applies the ACL', async () => {
    const spec = [permission('/dst1/src1', { acls: [acl('daemon', 'r-x')] })];
    if ((await findOnPath('setfacl')) === undefined) {
      const err = await installError(install(opts(spec)));
      expect(err.code).toBe('TOOL_MISSING');
      expect(err.message).toMatch(/setfacl is not installed.*dst1\/src1/);
      expect(existsSync(sb.at('dst1'))).toBe(false);
    } else {
      await install(opts(spec));
      const { execFileSync } = await import('node:child_process');
      expect(execFileSync('getfacl', ['-p', sb.at('dst1/src1')], { encoding: 'utf8' })).toContain('user:daemon:r-x');
    }
  });

  it('semanage/restorecon: missing tool fails clearly', async () => {
    if ((await findOnPath('semanage')) !== undefined) return; // SELinux host: exercised by the fleet tests
    const err = await installError(install(opts([permission('/dst1/src1', { context: { type: 'httpd_sys_content_t' } })])));
    expect(err.code).toBe('TOOL_MISSING');
    expect(err.message).toContain('semanage');
  });

  it('a relative object resolves like the destinations (against / then the sandbox)', async () => {
    await mkdir(sb.at('dst'), { recursive: true });
    const ins = await generateInstructions(opts([permission('dst/app/', { pattern: 'a.txt', mode: '600' })]));
    expect(ins.at(-1)).toEqual({ type: 'chmod', mode: '600', file: sb.at('dst/app/a.txt') });
  });
});
