// Runs one accepted deployment on this host: the in-place lifecycle in CodeDeploy's order, journaling
// each event before and after it runs and reporting every outcome. An event found "started" in the journal
// after a restart was interrupted: it is reported failed (code FailedAfterRestart), as the CodeDeploy agent
// does, because re-running half-finished hooks is not safe in general.
import { mkdir } from 'node:fs/promises';
import { IN_PLACE_EVENTS, LAST_SUCCESSFUL_EVENTS } from '../../protocol/lifecycle.ts';
import type { DeploymentIntent } from '../../protocol/messages/intent.ts';
import type { DeploymentRecord, Journal } from '../state/journal.ts';
import type { AgentLayout } from './layout.ts';
import { failed, type EventResult } from './outcome.ts';
import type { EventStep, StepContext } from './steps.ts';
import type { Reporter } from '../reporting/reporter.ts';
import type { Logger } from 'pino';

export interface DeploymentRunnerComponents {
  readonly journal: Journal;
  readonly layout: AgentLayout;
  readonly reporter: Reporter;
  readonly logger: Logger;
  readonly now: () => number;
  readonly steps: (event: string) => EventStep;
  readonly stepContext: Omit<StepContext, 'intent' | 'paths' | 'signal'>;
}

export async function runDeployment(record: DeploymentRecord, c: DeploymentRunnerComponents, signal: AbortSignal): Promise<void> {
  const intent = record.intent;
  const log = c.logger.child({ deploymentId: intent.deploymentId });
  const paths = c.layout.deployment(intent);
  await mkdir(paths.root, { recursive: true });
  if (record.status === 'Pending') await c.journal.update(intent.deploymentId, (r) => { r.status = 'InProgress'; });

  for (const event of IN_PLACE_EVENTS) {
    const progress = record.events.find((e) => e.event === event);
    if (progress?.state === 'done') continue;
    if (progress?.state === 'started') {
      const now = c.now();
      await finish(c, intent, failed(event, now, now, 'Failed: Failing in-progress lifecycle event after an agent restart.', 'FailedAfterRestart'), 'Failed');
      log.warn({ event }, 'event was interrupted by a restart; reported failed');
      return;
    }
    await c.journal.update(intent.deploymentId, (r) => { r.events.push({ event, state: 'started' }); });
    await c.reporter.publish(intent.deploymentId, { event, status: 'InProgress', errorCode: 'Success', scriptName: '', message: '', logTail: '', startedAt: c.now() }, 'InProgress');
    const result = await runStep(c, event, { ...c.stepContext, intent, paths, signal });
    log.info({ event, status: result.status, errorCode: result.errorCode }, 'lifecycle event finished');
    const tolerated = result.status === 'Failed' && intent.ignoreApplicationStopFailures && LAST_SUCCESSFUL_EVENTS.has(event);
    if (result.status === 'Failed' && !tolerated) {
      await finish(c, intent, result, 'Failed');
      return;
    }
    const isLast = event === IN_PLACE_EVENTS[IN_PLACE_EVENTS.length - 1];
    if (isLast) {
      await finish(c, intent, result, 'Succeeded');
      return;
    }
    await c.journal.update(intent.deploymentId, (r) => { markDone(r, result); });
    await c.reporter.publish(intent.deploymentId, result, 'InProgress');
  }
}

async function runStep(c: DeploymentRunnerComponents, event: string, ctx: StepContext): Promise<EventResult> {
  const startedAt = c.now();
  try {
    return await c.steps(event)(ctx);
  } catch (err) {
    // A step that throws is a bug or an environment failure (disk full, ...): report it, never crash.
    return failed(event, startedAt, c.now(), (err as Error).message ?? String(err));
  }
}

async function finish(c: DeploymentRunnerComponents, intent: DeploymentIntent, result: EventResult, hostStatus: 'Succeeded' | 'Failed'): Promise<void> {
  await c.journal.update(intent.deploymentId, (r, state) => {
    markDone(r, result);
    r.status = hostStatus;
    r.finishedAt = c.now();
    state.lastDeployment = { deploymentId: intent.deploymentId, status: hostStatus };
  });
  await c.reporter.publish(intent.deploymentId, result, hostStatus);
}

function markDone(record: DeploymentRecord, result: EventResult): void {
  const entry = { event: result.event, state: 'done' as const, status: result.status };
  const i = record.events.findIndex((e) => e.event === result.event);
  if (i >= 0) record.events[i] = entry;
  else record.events.push(entry);
}
