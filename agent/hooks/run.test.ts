import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HookScript } from '../../protocol/appspec/types.ts';
import { runEventScripts, type RunEventOptions } from './index.ts';
import { StandbyLauncher } from './launcher.ts';

let dir: string;
let rev: string;
let logFile: string;
const leftovers: number[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'convoy-hooks-'));
  rev = path.join(dir, 'deployment-archive');
  logFile = path.join(dir, 'logs', 'scripts.log');
  await mkdir(path.join(rev, 'scripts'), { recursive: true });
});
afterEach(async () => {
  for (const pid of leftovers.splice(0)) alive(pid) && process.kill(pid, 'SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

async function script(name: string, body: string, mode = 0o755): Promise<string> {
  await writeFile(path.join(rev, 'scripts', name), `#!/bin/sh\n${body}\n`, { mode });
  await chmod(path.join(rev, 'scripts', name), mode);
  return `scripts/${name}`;
}
const hook = (location: string, extra: Partial<HookScript> = {}): HookScript => ({ location, timeoutSeconds: 30, sudo: false, ...extra });
let launcher: StandbyLauncher | undefined;
function run(scripts: HookScript[], extra: Partial<RunEventOptions> = {}) {
  return runEventScripts({ event: 'AfterInstall', scripts, revisionDir: rev, cwd: rev, env: {}, logFile, runAsAllowed: false, ...(launcher ? { launcher } : {}), ...extra });
}
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
async function waitGone(pid: number, ms = 3000): Promise<boolean> {
  for (let t = 0; t < ms && alive(pid); t += 50) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}
function tryChattr(flag: string, file: string): boolean {
  try {
    execFileSync('chattr', [flag, file], { stdio: 'ignore' });
    return true;
  } catch {
    return false; // no chattr or a filesystem without the immutable flag
  }
}
const pidIn = async (file: string): Promise<number> => Number((await readFile(file, 'utf8')).trim());

// Every outcome and process-control case, with scripts started by spawn and by a standby shell (launcher.ts).
const launchers: [string, () => StandbyLauncher | undefined][] = [['spawn', () => undefined], ['a standby shell', () => new StandbyLauncher({ refillAfterMs: 0 })]];
describe.each(launchers)('started by %s', (_name, make) => {
  beforeEach(() => { launcher = make(); });
  afterEach(() => { launcher?.close(); launcher = undefined; });

  describe('runEventScripts: outcomes (reference §2.4, checklist 124-133)', () => {
    it('runs a script, logs §2.5 entries with timestamps and reports success with a tail', async () => {
      const out = await run([hook(await script('ok.sh', 'echo hello; echo warn >&2'))]);
      expect(out).toMatchObject({ event: 'AfterInstall', status: 'Succeeded', errorCode: 'Success', exitCode: 0, scriptName: '' });
      expect(out.logTail.startsWith('LifecycleEvent - AfterInstall\nScript - scripts/ok.sh\n')).toBe(true);
      expect(out.logTail).toContain('[stdout]hello\n');
      expect(out.logTail).toContain('[stderr]warn\n');
      const log = await readFile(logFile, 'utf8');
      const stamp = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d `;
      expect(log).toMatch(new RegExp(`^${stamp}LifecycleEvent - AfterInstall\n${stamp}Script - scripts/ok.sh\n`));
      expect(log).toMatch(new RegExp(`${stamp}\\[stdout\\]hello\n`));
      expect(out.endedAt).toBeGreaterThanOrEqual(out.startedAt);
    });

    it('an event without scripts is a no-op Succeeded with message "no scripts" and writes no log', async () => {
      const out = await run([]);
      expect(out).toMatchObject({ status: 'Succeeded', errorCode: 'Success', message: 'no scripts', logTail: '' });
      expect(existsSync(logFile)).toBe(false);
    });

    it('exit code 3 -> ScriptFailed with the agent message and the output tail', async () => {
      const loc = await script('fail.sh', 'echo boom >&2; exit 3');
      const out = await run([hook(loc)]);
      expect(out).toMatchObject({ status: 'Failed', errorCode: 'ScriptFailed', exitCode: 3, scriptName: loc });
      expect(out.message).toBe(`Script at specified location: ${loc} failed with exit code 3`);
      expect(out.logTail).toContain('[stderr]boom');
    });

    it('missing script -> ScriptMissing naming the absolute path; escaping the revision is refused', async () => {
      const out = await run([hook('scripts/nope.sh')]);
      expect(out).toMatchObject({ errorCode: 'ScriptMissing', scriptName: 'scripts/nope.sh' });
      expect(out.message).toBe(`Script does not exist at specified location: ${path.join(rev, 'scripts/nope.sh')}`);
      const escape = await run([hook('../../../bin/sh')]);
      expect(escape.errorCode).toBe('ScriptMissing');
      expect(escape.message).toContain('outside the revision');
    });

    it('a non-executable script is made executable and runs; when chmod fails -> ScriptNotExecutable', async () => {
      const loc = await script('plain.sh', 'echo ran', 0o644);
      const out = await run([hook(loc)]);
      expect(out.errorCode).toBe('Success');
      expect((await stat(path.join(rev, loc))).mode & 0o111).toBe(0o111);
      // An immutable file refuses chmod even for root: a real chmod failure without mocking.
      const locked = await script('locked.sh', 'echo never', 0o644);
      if (!tryChattr('+i', path.join(rev, locked))) return;
      try {
        const bad = await run([hook(locked)]);
        expect(bad.errorCode).toBe('ScriptNotExecutable');
        expect(bad.message).toContain(`Unable to set script at specified location: ${locked} as executable`);
      } finally {
        tryChattr('-i', path.join(rev, locked));
      }
    });

    it('a launch error (bad interpreter) -> ScriptFailed with the error text', async () => {
      await writeFile(path.join(rev, 'scripts/interp.sh'), '#!/nonexistent/interpreter\n', { mode: 0o755 });
      const out = await run([hook('scripts/interp.sh')]);
      expect(out.errorCode).toBe('ScriptFailed');
      expect(out.message).toMatch(/^Script at specified location: scripts\/interp.sh failed with error ENOENT with message /);
    });

    it('scripts run in order and the first failure stops the rest', async () => {
      const trace = path.join(dir, 'trace');
      const a = await script('a.sh', `echo a >> ${trace}`);
      const b = await script('b.sh', `echo b >> ${trace}; exit 1`);
      const c = await script('c.sh', `echo c >> ${trace}`);
      const out = await run([hook(a), hook(b), hook(c)]);
      expect(out).toMatchObject({ errorCode: 'ScriptFailed', scriptName: b });
      expect(await readFile(trace, 'utf8')).toBe('a\nb\n');
    });

    it('env: standard variables set, undefined ones unset, process env inherited; cwd is the revision root', async () => {
      process.env['BUNDLE_VERSION'] = 'leaked-from-agent';
      try {
        const loc = await script('env.sh', 'echo "$DEPLOYMENT_ID|$LIFECYCLE_EVENT|${BUNDLE_VERSION-unset}|$CONVOY_REVISION_HASH|$PATH"; pwd');
        const out = await run([hook(loc)], {
          env: { DEPLOYMENT_ID: 'd-123', LIFECYCLE_EVENT: 'AfterInstall', BUNDLE_VERSION: undefined, CONVOY_REVISION_HASH: 'abc' },
        });
        expect(out.logTail).toContain(`[stdout]d-123|AfterInstall|unset|abc|${process.env['PATH']}\n`);
        expect(out.logTail).toContain(`[stdout]${rev}\n`);
      } finally {
        delete process.env['BUNDLE_VERSION'];
      }
    });

    it('runas without root permission fails clearly; with it, `su <user> -c` runs the script', async () => {
      const loc = await script('who.sh', 'id -u; exit 1');
      const refused = await run([hook(loc, { runas: 'root' })]);
      expect(refused.errorCode).toBe('ScriptFailed');
      expect(refused.message).toContain('runas needs the agent to run as root');
      if (process.getuid?.() !== 0) return;
      const out = await run([hook(loc, { runas: 'root' })], { runAsAllowed: true });
      expect(out.message).toBe(`Script at specified location: ${loc} run as user root failed with exit code 1`);
      expect(out.logTail).toContain('[stdout]0\n');
    });

    it('appends to an existing scripts.log', async () => {
      await mkdir(path.dirname(logFile), { recursive: true });
      await writeFile(logFile, 'earlier\n');
      await run([hook(await script('ok.sh', 'echo again'))], { event: 'ValidateService' });
      const log = await readFile(logFile, 'utf8');
      expect(log.startsWith('earlier\n')).toBe(true);
      expect(log).toContain('LifecycleEvent - ValidateService');
    });
  });

  describe('runEventScripts: process control (real timing)', () => {
    it('timeout -> SIGTERM to the whole process group, ScriptTimedOut at the deadline', async () => {
      const pidFile = path.join(dir, 'child.pid');
      const loc = await script('slow.sh', `sleep 300 & echo $! > ${pidFile}; echo started; sleep 300`);
      const t0 = Date.now();
      const out = await run([hook(loc, { timeoutSeconds: 1 })]);
      const elapsed = Date.now() - t0;
      expect(out.errorCode).toBe('ScriptTimedOut');
      expect(out.message).toBe(`Script at specified location: ${loc} failed to complete in 1 seconds`);
      expect(elapsed).toBeGreaterThanOrEqual(950);
      expect(elapsed).toBeLessThan(4000);
      const child = await pidIn(pidFile);
      leftovers.push(child);
      expect(await waitGone(child)).toBe(true);
      expect(out.logTail).toContain('[stdout]started');
    });

    it('a group that ignores SIGTERM is killed after the grace period', async () => {
      const pidFile = path.join(dir, 'child.pid');
      const loc = await script('stubborn.sh', `trap '' TERM; sh -c 'trap "" TERM; sleep 300' & echo $! > ${pidFile}; sleep 300`);
      const out = await run([hook(loc, { timeoutSeconds: 1 })], { killGraceMs: 300 });
      expect(out.errorCode).toBe('ScriptTimedOut');
      const child = await pidIn(pidFile);
      leftovers.push(child);
      expect(await waitGone(child)).toBe(true);
    });

    it('a forked daemon holding stdout open -> OutputsLeftOpen at the deadline; the daemon keeps running', async () => {
      const pidFile = path.join(dir, 'daemon.pid');
      const loc = await script('daemon.sh', `sleep 300 & echo $! > ${pidFile}; echo launched; exit 0`);
      const t0 = Date.now();
      const out = await run([hook(loc, { timeoutSeconds: 1 })]);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
      const daemon = await pidIn(pidFile);
      leftovers.push(daemon);
      expect(out.errorCode).toBe('OutputsLeftOpen');
      expect(out.message).toBe(`Script at specified location: ${loc} failed to close STDOUT`);
      expect(out.logTail).toContain('[stdout]launched');
      expect(alive(daemon)).toBe(true);
    });

    it('a daemon with redirected output does not hold the event', async () => {
      const loc = await script('good-daemon.sh', `sleep 300 > /dev/null 2> /dev/null < /dev/null & echo $! > ${dir}/d.pid`);
      const out = await run([hook(loc, { timeoutSeconds: 5 })]);
      leftovers.push(await pidIn(`${dir}/d.pid`));
      expect(out.errorCode).toBe('Success');
    });

    it('abort stops the running script and its group', async () => {
      const loc = await script('long.sh', 'sleep 300');
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 200);
      const out = await run([hook(loc)], { signal: ac.signal });
      expect(out).toMatchObject({ status: 'Failed', errorCode: 'UnknownError' });
      expect(out.message).toContain('aborted');
    });
  });
});

describe('runEventScripts: bounded memory', () => {
  it('a 200 MB stdout flood keeps heap growth small, caps the log on disk and keeps a 4 KiB tail', async () => {
    const loc = await script('flood.sh', 'yes | head -c 200000000; echo; echo last-line');
    const cap = 1024 * 1024;
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 20);
    const out = await run([hook(loc, { timeoutSeconds: 120 })], { logCapBytes: cap });
    clearInterval(sampler);
    expect(out.errorCode).toBe('Success');
    expect(peak - base).toBeLessThan(48 * 1024 * 1024);
    const size = (await stat(logFile)).size;
    expect(size).toBeLessThanOrEqual(cap + 200);
    const log = await readFile(logFile, 'utf8');
    expect(log.match(/reached its cap/g)).toHaveLength(1);
    expect(Buffer.byteLength(out.logTail)).toBeLessThanOrEqual(4096);
    expect(out.logTail.endsWith('[stdout]y\n[stdout]\n[stdout]last-line\n')).toBe(true);
  }, 120_000);

  it('one endless line is truncated instead of buffered', async () => {
    const loc = await script('longline.sh', 'head -c 30000000 /dev/zero | tr "\\0" x; echo; echo after');
    const out = await run([hook(loc, { timeoutSeconds: 60 })]);
    expect(out.errorCode).toBe('Success');
    expect(out.logTail).toContain('[line truncated at 16384 bytes]');
    expect(out.logTail.endsWith('[stdout]after\n')).toBe(true);
    expect((await stat(logFile)).size).toBeLessThan(64 * 1024);
  }, 60_000);
});

describe('start gate', () => {
  it('prepares the first script while the gate is shut and launches it only once the gate opens', async () => {
    const marker = path.join(dir, 'ran');
    const loc = await script('mark.sh', `touch ${marker}`, 0o644); // not executable yet: preparing sets the bit
    let open!: () => void;
    const gate = new Promise<void>((resolve) => { open = resolve; });
    const outcome = run([hook(loc)], { startGate: gate });
    // Bounded wait for the preparation (the log's script line and the chmod), never for the script itself.
    for (let i = 0; i < 200 && ((await stat(path.join(rev, loc))).mode & 0o100) === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await stat(path.join(rev, loc))).mode & 0o100).not.toBe(0);
    expect(await readFile(logFile, 'utf8')).toContain('Script - scripts/mark.sh');
    expect(existsSync(marker)).toBe(false);
    open();
    expect((await outcome).status).toBe('Succeeded');
    expect(existsSync(marker)).toBe(true);
  });

  it('a gate that fails (the start could not be journaled) fails the event with nothing launched', async () => {
    const marker = path.join(dir, 'ran');
    const loc = await script('mark.sh', `touch ${marker}`);
    const failed = Promise.reject(new Error('journal write failed: ENOSPC'));
    failed.catch(() => {}); // handled where it is awaited, later, as the runner's gate is
    const outcome = await run([hook(loc)], { startGate: failed });
    expect(outcome).toMatchObject({ status: 'Failed', errorCode: 'UnknownError' });
    expect(outcome.message).toMatch(/ENOSPC/);
    expect(existsSync(marker)).toBe(false);
  });
});
