// Steps 5-11 of reference §2.4: start one script in its own process group (launcher.ts) and decide how it ended.
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_HOOK_TIMEOUT_SECONDS, type HookScript } from '../../protocol/appspec/types.ts';
import type { EventOutput } from './output.ts';
import type { PreparedScript } from './prepare.ts';
import { spawnLauncher, type HookLauncher } from './launcher.ts';
import type { ScriptResult } from './types.ts';

export interface SuperviseContext {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly output: EventOutput;
  /** SIGTERM → SIGKILL grace for a timed-out group. v2 of the agent uses 5 s; v1 never escalates. */
  readonly killGraceMs: number;
  readonly signal?: AbortSignal;
  /** How the script's process starts; spawn when absent. */
  readonly launcher?: HookLauncher;
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };
type Stop = 'timeout' | 'aborted';

export async function superviseScript(prepared: PreparedScript, script: HookScript, ctx: SuperviseContext): Promise<ScriptResult> {
  const where = `Script at specified location: ${script.location}${script.runas === undefined ? '' : ` run as user ${script.runas}`}`;
  let child: ChildProcess;
  try {
    // stdin closed; own process group so a timeout can stop everything the script started.
    child = await (ctx.launcher ?? spawnLauncher).launch(prepared.argv, { cwd: ctx.cwd, env: ctx.env });
  } catch (err) {
    return startFailure(where, err);
  }
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const readers = Promise.all([ctx.output.consume(child.stdout!, 'stdout'), ctx.output.consume(child.stderr!, 'stderr')]);
  const deadline = deadlineAfter(timeoutMs(script.timeoutSeconds), ctx.signal);
  try {
    const first = await Promise.race([exited, deadline.reached]);
    if (first === 'timeout' || first === 'aborted') {
      await terminateGroup(child, ctx.killGraceMs);
      await settleReaders(child, readers, 1000);
      return stopped(first, where, script);
    }
    const drained = await Promise.race([readers.then(() => 'eof' as const), deadline.reached]);
    if (drained !== 'eof') {
      // The script exited but something it forked still holds a pipe. The agent leaves that process
      // running (its docs tell authors to redirect daemons' output); we only stop reading.
      const open = child.stdout?.readableEnded === false ? 'STDOUT' : 'STDERR';
      await settleReaders(child, readers, 0);
      return { errorCode: 'OutputsLeftOpen', message: `${where} failed to close ${open}` };
    }
    return exitResult(where, first);
  } finally {
    deadline.cancel();
  }
}

function exitResult(where: string, exit: Exit): ScriptResult {
  if (exit.code === 0) return { errorCode: 'Success', message: 'Succeeded', exitCode: 0 };
  if (exit.code !== null) return { errorCode: 'ScriptFailed', message: `${where} failed with exit code ${exit.code}`, exitCode: exit.code };
  return { errorCode: 'ScriptFailed', message: `${where} was killed by signal ${exit.signal ?? 'unknown'}` };
}

function startFailure(where: string, err: unknown): ScriptResult {
  const e = err as NodeJS.ErrnoException;
  return { errorCode: 'ScriptFailed', message: `${where} failed with error ${e.code ?? e.name} with message ${e.message}` };
}

function stopped(reason: Stop, where: string, script: HookScript): ScriptResult {
  if (reason === 'aborted') return { errorCode: 'UnknownError', message: `${where} was stopped because the event was aborted` };
  return { errorCode: 'ScriptTimedOut', message: `${where} failed to complete in ${script.timeoutSeconds} seconds` };
}

/** Guards the timer: a non-positive or NaN value would fire at once, one above 2^31-1 ms likewise. */
function timeoutMs(seconds: number): number {
  const s = Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_HOOK_TIMEOUT_SECONDS;
  return Math.min(s * 1000, 2 ** 31 - 1);
}

function deadlineAfter(ms: number, signal?: AbortSignal): { reached: Promise<Stop>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let onAbort = (): void => {};
  const reached = new Promise<Stop>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
    onAbort = () => resolve('aborted');
    if (signal?.aborted === true) resolve('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  return {
    reached,
    cancel: () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** SIGTERM to the whole group; SIGKILL whatever is left after the grace period. */
async function terminateGroup(child: ChildProcess, graceMs: number): Promise<void> {
  const pgid = child.pid;
  if (pgid === undefined || !signalGroup(pgid, 'SIGTERM')) return;
  for (let waited = 0; waited < graceMs; waited += 50) {
    await sleep(50);
    if (!signalGroup(pgid, 0)) return;
  }
  signalGroup(pgid, 'SIGKILL');
}

/** False when the group no longer exists. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Waits briefly for EOF, then stops reading so nothing outlives the script's slot. */
async function settleReaders(child: ChildProcess, readers: Promise<unknown>, waitMs: number): Promise<void> {
  if (waitMs > 0) await Promise.race([readers, sleep(waitMs)]);
  child.stdout?.destroy();
  child.stderr?.destroy();
  await readers;
}
