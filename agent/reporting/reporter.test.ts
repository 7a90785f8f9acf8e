import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seal, type SignedEnvelope } from '../../protocol/signing/envelope.ts';
import { coordinatorSigner, hostSignerForTest } from '../../test/support/keys.ts';
import { sampleIntent } from '../../test/support/intents.ts';
import { Journal } from '../state/journal.ts';
import { createReporter, type ReportFields } from './reporter.ts';

const host = hostSignerForTest();
const intent = sampleIntent({ targets: [host.id] });
const fields = (event: string): ReportFields => ({ event, status: 'Succeeded', errorCode: 'Success', scriptName: '', message: '', logTail: '', startedAt: 1, endedAt: 2 });

describe('createReporter', () => {
  let root: string;
  let journal: Journal;
  let sent: { envelopes: readonly SignedEnvelope[]; final: boolean }[];
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'convoy-reporter-'));
    journal = await Journal.open(root);
    await journal.accept(intent, seal('intent', intent, coordinatorSigner()), 0);
    sent = [];
  });
  afterEach(async () => {
    await journal.close();
    await rm(root, { recursive: true, force: true });
  });

  it('journals the signed reports before handing them to gossip, and marks the one that ends the host\'s part', async () => {
    const reporter = createReporter({ journal, signer: host, send: (envelopes, final) => { sent.push({ envelopes, final }); } });
    await reporter.publishAll(intent.deploymentId, [{ fields: fields('BeforeBlockTraffic'), hostStatus: 'InProgress' }, { fields: fields('BlockTraffic'), hostStatus: 'InProgress' }]);
    await reporter.publish(intent.deploymentId, fields('AfterAllowTraffic'), 'Succeeded');
    expect(sent.map((s) => [s.envelopes.length, s.final])).toEqual([[2, false], [1, true]]);
    expect(journal.deployment(intent.deploymentId)?.reports).toEqual(sent.flatMap((s) => s.envelopes));
    for (const status of ['Failed', 'Skipped', 'Stopped'] as const) {
      await reporter.publish(intent.deploymentId, fields('Start'), status);
      expect(sent.at(-1)?.final).toBe(true);
    }
  });
});
