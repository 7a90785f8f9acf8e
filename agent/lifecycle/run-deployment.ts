// Runs one accepted deployment on this host: the in-place lifecycle in CodeDeploy's order. Every event
// that runs is journaled "started" (with its signed InProgress report) before it acts, and "done" (with
// its outcome report) no later than the next event's start. The exception is a quiet step (steps.ts:
// DownloadBundle from a bundle already on disk), safe to redo: its started and done ride together with the
// next write, so a crash during it leaves no trace and it runs again. An event found "started" in the journal
// after a restart was interrupted: it is reported failed (code FailedAfterRestart), as the CodeDeploy
// agent does, because re-running half-finished hooks is not safe in general.
import { mkdirSync } from 'node:fs';
import { IN_PLACE_EVENTS, LAST_SUCCESSFUL_EVENTS } from '../../protocol/lifecycle.ts';
import type { DeploymentRecord, Journal } from '../state/journal.ts';
import type { AgentLayout } from './layout.ts';
import { failed, type EventResult } from './outcome.ts';
import type { EventStep, PreparedStep, StepContext } from './steps.ts';
import type { PendingReport, RecordChange, Reporter } from '../reporting/reporter.ts';
import type { Logger } from 'pino';

export interface DeploymentRunnerComponents {
  readonly journal: Journal;
  readonly layout: AgentLayout;
  readonly reporter: Reporter;
  readonly logger: Logger;
  readonly now: () => number;
  readonly steps: (event: string) => EventStep;
  readonly stepContext: Omit<StepContext, 'intent' | 'paths' | 'signal' | 'background'>;
}

export async function runDeployment(record: DeploymentRecord, c: DeploymentRunnerComponents, signal: AbortSignal): Promise<void> {
  const intent = record.intent;
  const log = c.logger.child({ deploymentId: intent.deploymentId });
  const paths = c.layout.deployment(intent);
  mkdirSync(paths.root, { recursive: true }); // sync: see steps.ts on small file operations after a grant
  const ctx: StepContext = { ...c.stepContext, intent, paths, signal, background: [] };
  // Outcomes not yet journaled ride along with the next write, so the hand-over path costs one fsync
  // per event that runs. A skipped event runs nothing: if a crash loses it, it is decided again. A
  // finished event whose "done" a crash loses is found "started" and reported FailedAfterRestart.
  const pending = new PendingWrite(c.reporter, intent.deploymentId);

  for (const event of IN_PLACE_EVENTS) {
    const progress = record.events.find((e) => e.event === event);
    if (progress?.state === 'done') continue;
    const isLast = event === IN_PLACE_EVENTS[IN_PLACE_EVENTS.length - 1];
    if (progress?.state === 'started') {
      const now = c.now();
      await finish(c, ctx, pending, failed(event, now, now, 'Failed: Failing in-progress lifecycle event after an agent restart.', 'FailedAfterRestart'), 'Failed');
      log.warn({ event }, 'event was interrupted by a restart; reported failed');
      return;
    }
    const prepared = await prepare(c, event, ctx);
    let result: EventResult;
    if ('skip' in prepared) {
      result = prepared.skip;
    } else if (prepared.quiet === true) {
      const start = startOf(event, c.now());
      result = await runPrepared(c, event, () => prepared.run(Promise.resolve()));
      pending.add(start.report, start.change);
    } else {
      const start = startOf(event, c.now());
      // The step prepares (opens its log, checks its script) while its start is written, and acts after.
      const durable = gate();
      const running = runPrepared(c, event, () => prepared.run(durable.promise));
      try {
        await pending.flush(start.report, start.change);
      } catch (err) {
        durable.fail(err);
        await running;
        throw err;
      }
      durable.open();
      result = await running;
    }
    log.info({ event, status: result.status, errorCode: result.errorCode }, 'lifecycle event finished');
    const tolerated = result.status === 'Failed' && intent.ignoreApplicationStopFailures && LAST_SUCCESSFUL_EVENTS.has(event);
    if (result.status === 'Failed' && !tolerated) {
      await finish(c, ctx, pending, result, 'Failed');
      return;
    }
    if (isLast) {
      await finish(c, ctx, pending, result, 'Succeeded');
      return;
    }
    pending.add({ fields: result, hostStatus: 'InProgress' }, (r) => markDone(r, result));
  }
}

/** Reports and journal changes waiting for the next durable write. */
class PendingWrite {
  private reports: PendingReport[] = [];
  private changes: RecordChange[] = [];

  constructor(private readonly reporter: Reporter, private readonly deploymentId: string) {}

  add(report: PendingReport, change: RecordChange): void {
    this.reports.push(report);
    this.changes.push(change);
  }

  /** Writes everything pending plus `report` and `change`, in order, in one journal write. */
  async flush(report: PendingReport, change: RecordChange): Promise<void> {
    const reports = [...this.reports, report];
    const changes = [...this.changes, change];
    this.reports = [];
    this.changes = [];
    await this.reporter.publishAll(this.deploymentId, reports, (r, state) => { for (const f of changes) f(r, state); });
  }
}

/** Decides what an event does; a step that throws while deciding becomes a failed run (reported, never a crash). */
async function prepare(c: DeploymentRunnerComponents, event: string, ctx: StepContext): Promise<PreparedStep> {
  const startedAt = c.now();
  try {
    return await c.steps(event)(ctx);
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    return { run: async () => failed(event, startedAt, c.now(), message) };
  }
}

/** An event's InProgress report, and the journal change that records the event started. */
function startOf(event: string, startedAt: number): { report: PendingReport; change: RecordChange } {
  return {
    report: { fields: { event, status: 'InProgress', errorCode: 'Success', scriptName: '', message: '', logTail: '', startedAt }, hostStatus: 'InProgress' },
    change: (r) => {
      if (r.status === 'Pending') r.status = 'InProgress';
      r.events.push({ event, state: 'started' });
    },
  };
}

/** A promise the runner settles once an event's start is durable (or cannot be made so). */
function gate(): { promise: Promise<void>; open: () => void; fail: (err: unknown) => void } {
  let open!: () => void;
  let fail!: (err: unknown) => void;
  const promise = new Promise<void>((resolve, reject) => { open = resolve; fail = reject; });
  promise.catch(() => {}); // a step that never awaits it must not turn a failed write into an unhandled rejection
  return { promise, open, fail };
}

async function runPrepared(c: DeploymentRunnerComponents, event: string, run: () => Promise<EventResult>): Promise<EventResult> {
  const startedAt = c.now();
  try {
    return await run();
  } catch (err) {
    // A step that throws is a bug or an environment failure (disk full, ...): report it, never crash.
    return failed(event, startedAt, c.now(), (err as Error).message ?? String(err));
  }
}

async function finish(c: DeploymentRunnerComponents, ctx: StepContext, pending: PendingWrite, result: EventResult, hostStatus: 'Succeeded' | 'Failed'): Promise<void> {
  await Promise.all(ctx.background);
  await pending.flush({ fields: result, hostStatus }, (r, state) => {
    markDone(r, result);
    r.status = hostStatus;
    r.finishedAt = c.now();
    state.lastDeployment = { deploymentId: r.intent.deploymentId, status: hostStatus };
  });
}

function markDone(record: DeploymentRecord, result: EventResult): void {
  const entry = { event: result.event, state: 'done' as const, status: result.status };
  const i = record.events.findIndex((e) => e.event === result.event);
  if (i >= 0) record.events[i] = entry;
  else record.events.push(entry);
}
