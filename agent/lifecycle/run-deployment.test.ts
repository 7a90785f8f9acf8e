// The lifecycle runner's journaling: which events get a durable "started" record of their own. Real journal
// and reporter; the steps are stand-ins that decide skip / run / quiet.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IN_PLACE_EVENTS } from '../../protocol/lifecycle.ts';
import { openEnvelope, seal, type SignedEnvelope } from '../../protocol/signing/envelope.ts';
import { coordinatorSigner, hostSignerForTest } from '../../test/support/keys.ts';
import { sampleIntent } from '../../test/support/intents.ts';
import { createReporter } from '../reporting/reporter.ts';
import { Journal } from '../state/journal.ts';
import { AgentLayout } from './layout.ts';
import { skipped, succeeded } from './outcome.ts';
import { runDeployment, type DeploymentRunnerComponents } from './run-deployment.ts';
import { stepFor, type EventStep, type StepContext } from './steps.ts';

const host = hostSignerForTest();
const intent = sampleIntent({ targets: [host.id] });

/** DownloadBundle and BeforeInstall run (DownloadBundle quiet or not); every other event is skipped. */
function steps(quietDownload: boolean, ran: string[]): (event: string) => EventStep {
  return (event) => async () => {
    if (event !== 'DownloadBundle' && event !== 'BeforeInstall') return { skip: skipped(event, 1, 'nothing to do') };
    return { run: async () => { ran.push(event); return succeeded(event, 1, 2, 'ok'); }, ...(event === 'DownloadBundle' ? { quiet: quietDownload } : {}) };
  };
}

describe('runDeployment journaling', () => {
  let root: string;
  let journal: Journal;
  let writes: { events: string[]; statuses: string[] }[];
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'convoy-runner-'));
    journal = await Journal.open(root);
    await journal.accept(intent, seal('intent', intent, coordinatorSigner()), 0);
    writes = [];
  });
  afterEach(async () => {
    await journal.close();
    await rm(root, { recursive: true, force: true });
  });

  async function run(quietDownload: boolean): Promise<string[]> {
    const ran: string[] = [];
    const reporter = createReporter({
      journal, signer: host,
      // Each call is one durable journal write (reporter.test.ts): record which reports it carried.
      send: (envelopes: readonly SignedEnvelope[]) => {
        const reports = envelopes.map((e) => openEnvelope(JSON.stringify(e), 'report').payload as { event: string; status: string });
        writes.push({ events: reports.map((r) => r.event), statuses: reports.map((r) => r.status) });
      },
    });
    const c: DeploymentRunnerComponents = {
      journal, layout: new AgentLayout(root), reporter, logger: pino({ level: 'silent' }), now: () => 1, steps: steps(quietDownload, ran),
      stepContext: {} as Omit<StepContext, 'intent' | 'paths' | 'signal' | 'background'>,
    };
    await runDeployment(journal.deployment(intent.deploymentId)!, c, new AbortController().signal);
    return ran;
  }

  it('a quiet DownloadBundle has no write of its own: its InProgress and outcome ride with BeforeInstall\'s start', async () => {
    expect(await run(true)).toEqual(['DownloadBundle', 'BeforeInstall']);
    const skips = IN_PLACE_EVENTS.slice(0, 4);
    expect(writes[0]).toEqual({
      events: [...skips, 'DownloadBundle', 'DownloadBundle', 'BeforeInstall'],
      statuses: [...skips.map(() => 'Skipped'), 'InProgress', 'Succeeded', 'InProgress'],
    });
    const record = journal.deployment(intent.deploymentId)!;
    expect(record.status).toBe('Succeeded');
    expect(record.events.find((e) => e.event === 'DownloadBundle')).toEqual({ event: 'DownloadBundle', state: 'done', status: 'Succeeded' });
  });

  it('any other DownloadBundle is journaled started before it runs, in a write of its own', async () => {
    await run(false);
    expect(writes[0]!.events.at(-1)).toBe('DownloadBundle');
    expect(writes[0]!.statuses.at(-1)).toBe('InProgress');
    expect(writes[1]!.events).toEqual(['DownloadBundle', 'BeforeInstall']);
  });

  it('a step prepares while its start is written and acts only once the journal holds it', async () => {
    const seen: string[] = [];
    // Count journal writes once they are done (durable), not when their change is applied in memory.
    let durableWrites = 0;
    const update = journal.update.bind(journal);
    journal.update = async (...args) => { await update(...args); durableWrites += 1; };
    const reporter = createReporter({ journal, signer: host, send: () => {} });
    const c: DeploymentRunnerComponents = {
      journal, layout: new AgentLayout(root), reporter, logger: pino({ level: 'silent' }), now: () => 1,
      steps: (event) => async () => event !== 'BeforeInstall' ? { skip: skipped(event, 1, 'nothing to do') } : {
        run: async (started) => {
          const writes = durableWrites;
          seen.push('preparing'); // called while the start is being written
          await started;
          seen.push(durableWrites > writes ? 'acting after the write' : 'acting before the write');
          return succeeded(event, 1, 2, 'ok');
        },
      },
      stepContext: {} as Omit<StepContext, 'intent' | 'paths' | 'signal' | 'background'>,
    };
    await runDeployment(journal.deployment(intent.deploymentId)!, c, new AbortController().signal);
    expect(seen).toEqual(['preparing', 'acting after the write']);
    expect(journal.deployment(intent.deploymentId)!.events.find((e) => e.event === 'BeforeInstall')?.state).toBe('done');
  });

  it('DownloadBundle is quiet exactly when the verified bundle is already on disk (no download to report on)', async () => {
    for (const holds of [true, false]) {
      const ctx = { intent, bundles: { holds: async () => holds } } as unknown as StepContext;
      const prepared = await stepFor('DownloadBundle')(ctx);
      expect('run' in prepared && prepared.quiet).toBe(holds);
    }
  });
});
