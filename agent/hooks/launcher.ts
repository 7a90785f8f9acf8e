// Starts hook processes. Node's spawn forks the agent, and fork copies the page tables of everything
// the agent has mapped: measured here 5 ms for a bare Node process and 8-9 ms for an agent (~100 MB
// resident), with the agent's event loop blocked throughout, once per hook. The next host's first hook
// pays it on the hand-over path.
//
// A standby is a small /bin/sh forked ahead of time, waiting on its stdin. Launching a hook through it is a
// pipe write: the shell reads the working directory, the environment and the command, and execs the script.
// The agent's child is then the script itself (same pid, process group and pipes), so supervise.ts watches,
// times out and kills it exactly as a spawned one. Whatever the shell could start differently from spawn
// goes through spawn: sudo and runas command lines, environment names a shell cannot export (or that bash
// keeps read-only), and a script whose #! interpreter is missing (spawn's ENOENT is the error the report
// should carry).
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readSync } from 'node:fs';
import { shellQuote } from './prepare.ts';

export interface LaunchOptions {
  readonly cwd: string;
  /** The child's whole environment (undefined values are left out). */
  readonly env: NodeJS.ProcessEnv;
}

export interface HookLauncher {
  /**
   * Starts `argv` in a process group of its own, stdin closed, stdout and stderr piped. Resolves once it
   * runs; rejects with the error spawn reports (ENOENT, EACCES, ...).
   */
  launch(argv: readonly [string, ...string[]], opts: LaunchOptions): Promise<ChildProcess>;
  /** Stops any process kept for later launches. */
  close(): void;
}

/** Forks the caller for every launch. */
export const spawnLauncher: HookLauncher = {
  launch: (argv, opts) => new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    const child = spawn(file, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.once('spawn', () => resolve(child));
    child.once('error', (err) => {
      child.stdout?.destroy();
      child.stderr?.destroy();
      reject(err);
    });
  }),
  close: () => {},
};

/**
 * The standby's program: run what arrives on stdin, once it is closed. The request ends in exec, so nothing
 * runs after it. (Node's stdio pipes are socket pairs, which `. /dev/stdin` cannot open; cat reads them.)
 */
const STANDBY_PROGRAM = 'eval "$(cat)"';
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Variables a /bin/sh that is bash keeps read-only: exporting them would stop the shell, not start the script. */
const READ_ONLY_IN_SOME_SHELL = new Set(['BASHOPTS', 'BASH_VERSINFO', 'EUID', 'PPID', 'SHELLOPTS', 'UID']);

export interface StandbyLauncherOptions {
  /**
   * How long after the last launch a new standby is forked. Forking blocks the agent's event loop, so it
   * waits for a quiet moment: a lifecycle's hooks in quick succession use spawn, the next lifecycle's first
   * hook finds a standby.
   */
  readonly refillAfterMs: number;
}

export class StandbyLauncher implements HookLauncher {
  private standby: ChildProcess | undefined;
  private refill: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** Launches by way of a standby and by spawn (tests check which path ran). */
  readonly counts = { standby: 0, spawned: 0 };

  /** Forks the first standby now. */
  constructor(private readonly options: StandbyLauncherOptions) {
    this.fork();
  }

  async launch(argv: readonly [string, ...string[]], opts: LaunchOptions): Promise<ChildProcess> {
    const child = this.standby;
    if (child === undefined || !isWaiting(child) || !launchableByShell(argv, opts.env)) {
      this.counts.spawned += 1;
      return spawnLauncher.launch(argv, opts);
    }
    this.standby = undefined;
    this.scheduleRefill(this.options.refillAfterMs);
    for (const handle of [child, child.stdout, child.stderr]) (handle as { ref?: () => void } | null)?.ref?.();
    child.stdin!.end(request(argv[0], opts));
    this.counts.standby += 1;
    return child;
  }

  close(): void {
    this.closed = true;
    if (this.refill !== undefined) clearTimeout(this.refill);
    const child = this.standby;
    this.standby = undefined;
    if (child?.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  private scheduleRefill(delayMs: number): void {
    if (this.refill !== undefined) clearTimeout(this.refill);
    this.refill = setTimeout(() => this.fork(), delayMs);
    this.refill.unref();
  }

  private fork(): void {
    this.refill = undefined;
    if (this.closed || this.standby !== undefined) return;
    let child: ChildProcess;
    try {
      child = spawn('/bin/sh', ['-c', STANDBY_PROGRAM], { cwd: '/', env: {}, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    } catch {
      return; // launches fall back to spawn
    }
    child.on('error', () => { if (this.standby === child) this.standby = undefined; });
    child.stdin!.on('error', () => {}); // EPIPE if the shell died: the launch's exit code tells
    child.once('exit', () => {
      // Killed while waiting: fork another later. (A launched one exits as the script.)
      if (this.standby !== child) return;
      this.standby = undefined;
      if (!this.closed) this.scheduleRefill(this.options.refillAfterMs);
    });
    // A waiting standby keeps nothing alive; launch() takes the references back.
    for (const handle of [child, child.stdin, child.stdout, child.stderr]) (handle as { unref?: () => void } | null)?.unref?.();
    this.standby = child;
  }
}

function isWaiting(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null && child.stdin?.writable === true;
}

/** A plain script path whose environment a shell can export and whose interpreter exists. */
function launchableByShell(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  if (argv.length !== 1 || !argv[0]!.startsWith('/')) return false;
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && (!SHELL_NAME.test(name) || READ_ONLY_IN_SOME_SHELL.has(name))) return false;
  }
  return interpreterRuns(argv[0]!);
}

/** False when the script's #! line names an interpreter that is missing or not executable. */
function interpreterRuns(script: string): boolean {
  const head = Buffer.alloc(256);
  let n = 0;
  try {
    const fd = openSync(script, 'r');
    try {
      n = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  const text = head.subarray(0, n).toString('latin1');
  if (!text.startsWith('#!')) return true; // no #!: both spawn and the shell run it with /bin/sh
  const interpreter = text.slice(2).split('\n', 1)[0]!.trim().split(/[ \t]/, 1)[0]!;
  try {
    accessSync(interpreter, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function request(script: string, opts: LaunchOptions): string {
  // cd sets PWD and OLDPWD; a spawned child sees only what `env` holds.
  const lines = [`cd ${shellQuote(opts.cwd)} || exit 127`, 'unset PWD OLDPWD'];
  for (const [name, value] of Object.entries(opts.env)) if (value !== undefined) lines.push(`export ${name}=${shellQuote(value)}`);
  lines.push(`exec ${shellQuote(script)} </dev/null`, '');
  return lines.join('\n');
}
