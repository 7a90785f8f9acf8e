// Process helpers for the local sandbox: start detached children with their output in a log file,
// and find every process started inside a sandbox (they inherit CONVOY_SANDBOX) to stop them all.
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:net';

export function spawnDetached(command: string, args: readonly string[], logFile: string, env: NodeJS.ProcessEnv, cwd: string): number {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], env, cwd });
    if (child.pid === undefined) throw new Error(`Could not start ${command}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pids of processes whose environment carries CONVOY_SANDBOX=<dir> (Linux /proc; empty elsewhere). */
export async function sandboxProcesses(dir: string): Promise<number[]> {
  const marker = `CONVOY_SANDBOX=${dir}`;
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = await readFile(`/proc/${entry}/environ`, 'latin1');
      if (environ.split('\0').includes(marker)) found.push(Number(entry));
    } catch {
      // Gone already, or not ours to read.
    }
  }
  return found;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Thrown by a waitFor probe when waiting longer cannot help (the awaited process is gone). */
export class GaveUp extends Error {}

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      if (err instanceof GaveUp) throw err;
      lastError = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (${(lastError as Error).message})` : ''}`);
}

export interface DaemonPorts { readonly api: number; readonly p2p: number }

/**
 * Starts a daemon on two ports found free just before. The probe socket is closed before the daemon binds, so
 * something else (a parallel test, an outgoing connection's ephemeral port) can take a port in between; a
 * daemon that exits saying EADDRINUSE is started again on fresh ports, any other early exit is reported with
 * the end of its log.
 */
export async function startOnFreePorts<T extends object>(opts: {
  readonly what: string;
  readonly timeoutMs: number;
  readonly logFile: string;
  readonly start: (ports: DaemonPorts) => Promise<number>;
  readonly ready: (ports: DaemonPorts) => Promise<T | undefined>;
  readonly attempts?: number;
}): Promise<T & { ports: DaemonPorts; pid: number }> {
  const attempts = opts.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const ports = { api: await freePort(), p2p: await freePort() };
    const logStart = await fileSize(opts.logFile);
    const pid = await opts.start(ports);
    try {
      const value = await waitFor(opts.what, opts.timeoutMs, async () => {
        const v = await opts.ready(ports).catch(() => undefined);
        if (v === undefined && !isAlive(pid)) throw new DaemonExited(opts.what, await readFrom(opts.logFile, logStart));
        return v;
      });
      return { ...value, ports, pid };
    } catch (err) {
      const portTaken = err instanceof DaemonExited && err.output.includes('EADDRINUSE');
      if (!portTaken || attempt >= attempts) throw err;
    }
  }
}

class DaemonExited extends GaveUp {
  constructor(what: string, readonly output: string) {
    const lines = output.trim().split('\n');
    const errors = lines.filter((l) => /error/i.test(l));
    super(`${what} exited: ${(errors.length > 0 ? errors.slice(0, 3) : lines.slice(-5)).join('\n')}`);
  }
}

async function fileSize(file: string): Promise<number> {
  return stat(file).then((s) => s.size, () => 0);
}

async function readFrom(file: string, offset: number): Promise<string> {
  return readFile(file).then((b) => b.subarray(offset).toString('utf8'), () => '');
}
