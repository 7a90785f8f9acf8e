import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnLauncher, StandbyLauncher, type HookLauncher } from './launcher.ts';

let dir: string;
const launchers: StandbyLauncher[] = [];
beforeEach(async () => { dir = await mkdtemp(path.join(tmpdir(), 'convoy-launcher-')); });
afterEach(async () => {
  for (const l of launchers.splice(0)) l.close();
  await rm(dir, { recursive: true, force: true });
});

const standby = (refillAfterMs = 0): StandbyLauncher => {
  const l = new StandbyLauncher({ refillAfterMs });
  launchers.push(l);
  return l;
};
async function script(name: string, body: string, shebang = '#!/bin/sh'): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `${shebang}\n${body}\n`, { mode: 0o755 });
  return file;
}
async function finish(child: ChildProcess): Promise<{ code: number | null; out: string; err: string }> {
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const code = await new Promise<number | null>((resolve) => child.once('close', (c: number | null) => resolve(c)));
  return { code, out, err };
}
const pgidOf = (pid: number): number => Number(execFileSync('ps', ['-o', 'pgid=', '-p', String(pid)]).toString().trim());

describe('StandbyLauncher', () => {
  const env = { PATH: process.env['PATH'], HOME: '/nowhere', QUOTED: "it's \"x\" $HOME `date` \\ \n two lines", EMPTY: '' };

  it('starts a script exactly as spawn does: environment, working directory, closed stdin, own process group, exit code', async () => {
    const out = path.join(dir, '$OUT');
    const file = await script('probe.sh', `env | sort > "${out}.env"; printf %s "$QUOTED" > "${out}.quoted"; pwd; cat; echo "$$ $(ps -o pgid= -p $$)"; exit 7`);
    const results: Record<string, { code: number | null; out: string; pid: number }> = {};
    for (const [name, launcher] of [['spawn', spawnLauncher], ['standby', standby()]] as [string, HookLauncher][]) {
      const child = await launcher.launch([file], { cwd: dir, env: { ...env, OUT: name } });
      const done = await finish(child);
      results[name] = { ...done, pid: child.pid! };
      const [pid, pgid] = done.out.trim().split('\n').at(-1)!.trim().split(/\s+/).map(Number);
      expect(pid).toBe(child.pid); // the child is the script itself
      expect(pgid).toBe(child.pid); // leader of its own group: a timeout can stop it all
    }
    expect(results['standby']!.code).toBe(7);
    expect(results['standby']!.code).toBe(results['spawn']!.code);
    expect(results['standby']!.out.split('\n')[0]).toBe(dir);
    const envOf = async (name: string): Promise<string> => (await readFile(path.join(dir, `${name}.env`), 'utf8')).replace(`OUT=${name}`, 'OUT=');
    expect(await envOf('standby')).toBe(await envOf('spawn'));
    expect(await readFile(path.join(dir, 'standby.quoted'), 'utf8')).toBe(env.QUOTED);
  });

  it('uses the standby once, forks the next after refillAfterMs, and spawns in between', async () => {
    const file = await script('ok.sh', 'exit 0');
    const launcher = standby(200);
    await finish(await launcher.launch([file], { cwd: dir, env }));
    await finish(await launcher.launch([file], { cwd: dir, env }));
    expect(launcher.counts).toEqual({ standby: 1, spawned: 1 });
    await new Promise((r) => setTimeout(r, 300));
    await finish(await launcher.launch([file], { cwd: dir, env }));
    expect(launcher.counts).toEqual({ standby: 2, spawned: 1 });
  });

  it('leaves to spawn what a shell would start differently: sudo/runas command lines, unexportable or read-only names, a missing interpreter', async () => {
    const launcher = standby();
    const ok = await script('ok.sh', 'exit 0');
    await finish(await launcher.launch(['/bin/sh', ok], { cwd: dir, env }));
    await finish(await launcher.launch([ok], { cwd: dir, env: { ...env, 'npm_config_//registry:_authToken': 'x' } }));
    await finish(await launcher.launch([ok], { cwd: dir, env: { ...env, SHELLOPTS: 'braceexpand' } }));
    const broken = await script('interp.sh', 'exit 0', '#!/nonexistent/interpreter');
    await expect(launcher.launch([broken], { cwd: dir, env })).rejects.toMatchObject({ code: 'ENOENT' });
    expect(launcher.counts).toEqual({ standby: 0, spawned: 4 });
    await finish(await launcher.launch([ok], { cwd: dir, env }));
    expect(launcher.counts.standby).toBe(1);
  });

  it('a launched script holds its process open, though a waiting standby does not (needs the compiled dist/)', async () => {
    const file = await script('late.sh', 'sleep 0.3; echo done');
    const program = `
      const { StandbyLauncher } = await import(${JSON.stringify(path.resolve('dist/agent/hooks/launcher.js'))});
      const launcher = new StandbyLauncher({ refillAfterMs: 60_000 });
      await new Promise((r) => setTimeout(r, 100));
      const child = await launcher.launch([${JSON.stringify(file)}], { cwd: '/', env: {} });
      launcher.close();
      child.stdout.on('data', (d) => process.stdout.write('script said ' + d));
      child.on('exit', (code) => process.stdout.write('exit ' + code + ' after ' + JSON.stringify(launcher.counts) + '\\n'));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', program], { encoding: 'utf8', timeout: 10_000 });
    expect(out).toBe('script said done\nexit 0 after {"standby":1,"spawned":0}\n');
  });

  it('replaces a standby that died while waiting, and close() stops the one waiting', async () => {
    const launcher = standby(50);
    const file = await script('ok.sh', 'exit 0');
    const waiting = (launcher as unknown as { standby: ChildProcess }).standby;
    process.kill(-waiting.pid!, 'SIGKILL');
    await new Promise((r) => waiting.once('exit', r));
    await new Promise((r) => setTimeout(r, 150));
    const { code } = await finish(await launcher.launch([file], { cwd: dir, env }));
    expect(code).toBe(0);
    expect(launcher.counts).toEqual({ standby: 1, spawned: 0 });
    await new Promise((r) => setTimeout(r, 150));
    const next = (launcher as unknown as { standby: ChildProcess }).standby;
    expect(pgidOf(next.pid!)).toBe(next.pid);
    launcher.close();
    await new Promise((r) => next.once('exit', r));
    expect(next.signalCode).toBe('SIGKILL');
  });
});
