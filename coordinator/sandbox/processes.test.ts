import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnDetached, startOnFreePorts } from './processes.ts';

// A daemon stand-in: listens on the port it is given, or dies the way a Node server does when it is taken.
const LISTENER = `require('node:net').createServer().listen(Number(process.argv[1]), '127.0.0.1', () => console.log('up')); setTimeout(() => {}, 30000);`;

function connects(port: number): Promise<{ port: number } | undefined> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve({ port }); });
    s.once('error', () => resolve(undefined));
  });
}

describe('startOnFreePorts', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  it('starts the daemon again on fresh ports when its port was taken in between', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-ports-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const logFile = path.join(dir, 'daemon.log');
    const squatters: Server[] = [];
    cleanup.push(() => { for (const s of squatters) s.close(); });
    const tried: number[] = [];
    const started = await startOnFreePorts({
      what: 'the stand-in daemon', timeoutMs: 10_000, logFile,
      start: async (p) => {
        tried.push(p.api);
        if (tried.length === 1) {
          // Another process takes the port between the probe and the daemon's bind.
          const squatter = createServer();
          await new Promise<void>((r) => squatter.listen(p.api, '127.0.0.1', r));
          squatters.push(squatter);
        }
        const pid = spawnDetached(process.execPath, ['-e', LISTENER, String(p.api)], logFile, process.env, dir);
        cleanup.push(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } });
        return pid;
      },
      ready: (p) => (tried.length === 1 ? Promise.resolve(undefined) : connects(p.api)),
    });
    expect(tried).toHaveLength(2);
    expect(started.ports.api).toBe(tried[1]);
    expect(started.port).toBe(tried[1]);
  });

  it('reports a daemon that exits for another reason with the end of its log, without retrying', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-ports-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const logFile = path.join(dir, 'daemon.log');
    let starts = 0;
    await expect(startOnFreePorts({
      what: 'the stand-in daemon', timeoutMs: 10_000, logFile,
      start: async () => {
        starts++;
        return spawnDetached(process.execPath, ['-e', `console.error('config: keyFile missing'); process.exit(2)`], logFile, process.env, dir);
      },
      ready: () => Promise.resolve(undefined),
    })).rejects.toThrow(/the stand-in daemon exited: config: keyFile missing/);
    expect(starts).toBe(1);
  });
});
