import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { encodeEnvelope, seal, type Signer } from '../../protocol/signing/envelope.ts';
import { encodeReportBatch } from '../../protocol/messages/report-batch.ts';
import type { LifecycleReport } from '../../protocol/messages/report.ts';
import { CoordinatorStore } from '../store/store.ts';
import { hostSignerForTest } from '../../test/support/keys.ts';
import { sampleIntent } from '../../test/support/intents.ts';
import { ReportIntake } from './report-intake.ts';

const hostA = hostSignerForTest();
const hostB = hostSignerForTest();
const outsider = hostSignerForTest();
const intent = sampleIntent({ targets: [hostA.id, hostB.id] });

const report = (host: Signer, seq: number, over: Partial<LifecycleReport> = {}, signer: Signer = host) => seal('report', {
  type: 'report', v: 1, deploymentId: intent.deploymentId, host: host.id, seq, event: 'BeforeInstall', status: 'Succeeded',
  errorCode: 'Success', scriptName: '', message: '', logTail: '', startedAt: 1, endedAt: 2, hostStatus: 'InProgress', ...over,
} satisfies LifecycleReport, signer);

describe('ReportIntake', () => {
  let dir: string;
  let store: CoordinatorStore;
  let warnings: string[];
  let finalized: string[];
  let intake: ReportIntake;
  const storedLines = async (): Promise<{ report: LifecycleReport }[]> =>
    (await readFile(path.join(dir, 'deployments', `${intent.deploymentId}.reports.jsonl`), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { report: LifecycleReport });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-intake-'));
    store = await CoordinatorStore.open(dir);
    warnings = [];
    finalized = [];
    intake = new ReportIntake({
      store,
      intentOf: (id) => (id === intent.deploymentId ? intent : undefined),
      logger: pino({ level: 'warn' }, { write: (l: string) => void warnings.push((JSON.parse(l) as { msg: string; reason?: string }).msg + ': ' + ((JSON.parse(l) as { reason?: string }).reason ?? '')) }),
      onNewReports: async (id) => { finalized.push(id); },
    });
  });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('stores every good report of a batch once, and drops the forged ones with the reason logged', async () => {
    const batch = [
      report(hostA, 0),
      report(hostA, 1, {}, outsider), // signed by someone else
      report(outsider, 0), // not a target
      report(hostA, 2, { deploymentId: 'd-UNKNOWN00' }),
      report(hostB, 0),
    ];
    await intake.receive(encodeReportBatch(batch));
    expect((await storedLines()).map((l) => `${l.report.host === hostA.id ? 'A' : 'B'}${l.report.seq}`)).toEqual(['A0', 'B0']);
    expect(finalized).toEqual([intent.deploymentId]);
    expect(warnings).toEqual([
      expect.stringMatching(/report rejected: .*is signed by/),
      expect.stringMatching(/report rejected: .*is not a target/),
      expect.stringMatching(/report rejected: .*unknown deployment d-UNKNOWN00/),
    ]);

    // The same reports again (gossip and a status pull racing): nothing new is stored or looked at.
    await Promise.all([intake.receive(encodeReportBatch([report(hostA, 0), report(hostB, 1)])), intake.record([JSON.stringify(report(hostB, 1))])]);
    expect((await storedLines()).map((l) => l.report.seq)).toEqual([0, 0, 1]);
    expect(finalized).toHaveLength(2);
  });

  it('still takes a report gossiped alone (agents before batching)', async () => {
    await intake.receive(encodeEnvelope(report(hostB, 3)));
    expect((await storedLines()).map((l) => l.report.seq)).toEqual([3]);
  });

  it('rejects a malformed batch as a whole and logs why', async () => {
    await intake.receive(new TextEncoder().encode(JSON.stringify({ type: 'report-batch', v: 1, reports: 'nope' })));
    await intake.receive(new TextEncoder().encode('{"type":"report-batch","v":9,"reports":[]}'));
    expect(warnings).toEqual([
      expect.stringMatching(/report batch rejected: report-batch: field "reports"/),
      expect.stringMatching(/report batch rejected: .*unsupported version 9/),
    ]);
    expect(finalized).toEqual([]);
  });
});
