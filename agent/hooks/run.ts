// Runs one lifecycle event's scripts in order (reference §2.4/§2.5; decisions 10, 11, 14, 15, 16).
import { ERROR_CODES } from '../../protocol/lifecycle.ts';
import { EventOutput } from './output.ts';
import { isPrepared, prepareScript } from './prepare.ts';
import { DEFAULT_LOG_CAP_BYTES, ScriptLog } from './script-log.ts';
import { superviseScript } from './supervise.ts';
import { OutputTail } from './tail.ts';
import type { EventOutcome, RunEventOptions, ScriptResult } from './types.ts';

export const DEFAULT_KILL_GRACE_MS = 5000;

/**
 * Runs the event's scripts; the first failure stops the rest. Never rejects: every problem, including an
 * unwritable log, becomes a Failed outcome with a named error code and a message.
 * An event without scripts is a no-op and reported as Succeeded with message 'no scripts' (the agent
 * reports a no-op command as Succeeded too; 'Skipped' is left for events the deployment never ran).
 */
export async function runEventScripts(opts: RunEventOptions): Promise<EventOutcome> {
  const now = opts.now ?? Date.now;
  const startedAt = now();
  const done = (r: ScriptResult, scriptName: string, logTail: string): EventOutcome => ({
    event: opts.event,
    status: r.errorCode === 'Success' ? 'Succeeded' : 'Failed',
    errorCode: r.errorCode,
    ...(r.exitCode === undefined ? {} : { exitCode: r.exitCode }),
    scriptName: r.errorCode === 'Success' ? '' : scriptName,
    message: r.message,
    logTail,
    startedAt,
    endedAt: now(),
  });
  if (opts.scripts.length === 0) return done({ errorCode: 'Success', message: 'no scripts' }, '', '');

  let log: ScriptLog;
  try {
    log = await ScriptLog.open(opts.logFile, opts.logCapBytes ?? DEFAULT_LOG_CAP_BYTES, now);
  } catch (err) {
    return done({ errorCode: 'UnknownError', message: `cannot open script log ${opts.logFile}: ${text(err)}` }, '', '');
  }
  const tail = new OutputTail();
  const output = new EventOutput(log, tail);
  let result: ScriptResult = { errorCode: 'Success', message: 'Succeeded' };
  let scriptName = '';
  try {
    await output.note(`LifecycleEvent - ${opts.event}`);
    for (const script of opts.scripts) {
      scriptName = script.location;
      result = await runOne(opts, script, output);
      if (result.errorCode !== 'Success') break;
    }
  } catch (err) {
    result = { errorCode: 'UnknownError', message: `running ${opts.event} scripts failed: ${text(err)}` };
  } finally {
    await log.close().catch(() => {});
  }
  return done(result, scriptName, tail.render());
}

async function runOne(opts: RunEventOptions, script: RunEventOptions['scripts'][number], output: EventOutput): Promise<ScriptResult> {
  await output.note(`Script - ${script.location}`);
  const prepared = await prepareScript(script, opts.revisionDir, opts.runAsAllowed);
  if (!isPrepared(prepared)) return prepared;
  await opts.startGate;
  return superviseScript(prepared, script, {
    cwd: opts.cwd,
    env: childEnv(opts.env),
    output,
    killGraceMs: opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    ...(opts.launcher === undefined ? {} : { launcher: opts.launcher }),
  });
}

/** process.env with the event's variables over it; undefined values are removed, not set to ''. */
export function childEnv(extra: RunEventOptions['env']): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Numeric code for the agent's diagnostics JSON (decision 16 keeps names in reports). */
export function numericErrorCode(outcome: EventOutcome): number {
  return ERROR_CODES[outcome.errorCode];
}

function text(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
