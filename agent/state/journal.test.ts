import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { DoubleBufferedFile } from './double-buffered-file.ts';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeEnvelope, seal } from '../../protocol/signing/envelope.ts';
import { admitIntent } from '../intake/intent-gate.ts';
import { coordinatorSigner, hostSignerForTest } from '../../test/support/keys.ts';
import { sampleIntent } from '../../test/support/intents.ts';
import { Journal, SEEN_MAX } from './journal.ts';

const coordinator = coordinatorSigner();
const host = hostSignerForTest();
const idOf = (n: number): string => `d-${String(n).padStart(9, '0')}`;

describe('Journal', () => {
  let root: string;
  const journalBytes = async (): Promise<number> => (await stat(path.join(root, 'state', 'journal.dat'))).size;
  const recordFiles = async (): Promise<string[]> => (await readdir(path.join(root, 'state', 'records'))).sort();

  beforeEach(async () => { root = await mkdtemp(path.join(os.tmpdir(), 'convoy-journal-')); });
  afterEach(async () => { await rm(root, { recursive: true, force: true }); });

  /** Accepts deployment n and runs it to the end: 14 reports with 4 KiB log tails, the rollout final. */
  async function runOne(journal: Journal, n: number): Promise<void> {
    const intent = sampleIntent({ targets: [host.id], deploymentId: idOf(n), groupSequence: n });
    await journal.accept(intent, seal('intent', intent, coordinator), n);
    for (let seq = 0; seq < 14; seq++) {
      await journal.update(intent.deploymentId, (r) => {
        r.reports.push(seal('report', { seq, logTail: 'x'.repeat(4096) }, host));
        r.nextReportSeq = seq + 1;
      });
    }
    await journal.update(intent.deploymentId, (r, state) => {
      r.status = 'Succeeded';
      r.finishedAt = n;
      state.lastDeployment = { deploymentId: r.intent.deploymentId, status: 'Succeeded' };
    });
    await journal.update(intent.deploymentId, (r) => { r.rolloutFinal = { state: 'succeeded' }; });
  }

  it('moves finished records out of the journal file, so its writes do not grow with history', async () => {
    const journal = await Journal.open(root);
    await runOne(journal, 1);
    const afterOne = await journalBytes();
    for (let n = 2; n <= 12; n++) await runOne(journal, n);
    expect(await journalBytes()).toBe(afterOne); // the file's regions never had to grow
    expect(await recordFiles()).toEqual(Array.from({ length: 12 }, (_, i) => `${idOf(i + 1)}.json`));
    // A record in play stays in the journal file until it is done.
    const intent = sampleIntent({ targets: [host.id], deploymentId: idOf(13), groupSequence: 13 });
    await journal.accept(intent, seal('intent', intent, coordinator), 13);
    expect(await recordFiles()).not.toContain(`${idOf(13)}.json`);
    await journal.close();

    const reopened = await Journal.open(root);
    expect(Object.keys(reopened.snapshot.deployments).sort()).toEqual(Array.from({ length: 13 }, (_, i) => idOf(i + 1)));
    expect(reopened.deployment(idOf(5))?.reports).toHaveLength(14);
    expect(reopened.deployment(idOf(5))?.rolloutFinal).toEqual({ state: 'succeeded' });
    expect(reopened.snapshot.lastDeployment).toEqual({ deploymentId: idOf(12), status: 'Succeeded' });
    expect(reopened.lastSequence(intent.deploymentGroupId)).toBe(13);
    expect(reopened.unfinished().map((r) => r.intent.deploymentId)).toEqual([idOf(13)]);
    await reopened.close();
  });

  it('a change to an archived record rewrites its file before the journal lists it again', async () => {
    const journal = await Journal.open(root);
    await runOne(journal, 1);
    await journal.update(idOf(1), (r) => { r.status = 'Failed'; });
    await journal.close();
    expect(await recordFiles()).toEqual([`${idOf(1)}.json`]);
    const reopened = await Journal.open(root);
    expect(reopened.deployment(idOf(1))?.status).toBe('Failed');
    await reopened.close();
  });

  it('ignores a record file a crash left unlisted, and prunes beyond 50 records with their files', async () => {
    const journal = await Journal.open(root);
    for (let n = 1; n <= 52; n++) await runOne(journal, n);
    expect(Object.keys(journal.snapshot.deployments)).toHaveLength(50);
    expect(journal.deployment(idOf(1))).toBeUndefined();
    expect(journal.hasSeen(idOf(1))).toBe(true);
    await journal.close();
    expect(await recordFiles()).toHaveLength(50);
    await writeFile(path.join(root, 'state', 'records', `${idOf(99)}.json`), '{"torn":');
    const reopened = await Journal.open(root);
    expect(reopened.deployment(idOf(99))).toBeUndefined();
    expect(await recordFiles()).toHaveLength(50);
    await reopened.close();
  });

  it('a listed record file that went missing or was damaged is skipped and named; the agent still opens its journal', async () => {
    const journal = await Journal.open(root);
    await runOne(journal, 1);
    await runOne(journal, 2);
    await journal.close();
    await rm(path.join(root, 'state', 'records', `${idOf(1)}.json`));
    await writeFile(path.join(root, 'state', 'records', `${idOf(2)}.json`), '{"damaged":');
    const reopened = await Journal.open(root);
    expect(reopened.missingRecords).toEqual([idOf(1), idOf(2)]);
    expect(reopened.deployment(idOf(1))).toBeUndefined();
    expect(reopened.hasSeen(idOf(1))).toBe(true);
    expect(reopened.deployment(idOf(2))).toBeUndefined();
    expect(reopened.hasSeen(idOf(2))).toBe(true);
    await reopened.close();
  });

  it('reads a journal that holds every record inline (agents before records/)', async () => {
    const journal = await Journal.open(root);
    await runOne(journal, 1);
    await journal.close();
    // Rewrite the journal the way an older agent did: the finished record inline, no archive list.
    const { file, contents } = await DoubleBufferedFile.open(path.join(root, 'state', 'journal.dat'));
    const stored = JSON.parse(new TextDecoder().decode(contents)) as Record<string, unknown>;
    const reopenedOnce = await Journal.open(root);
    const { archived: _archived, ...older } = stored;
    const inline = { ...older, deployments: { [idOf(1)]: reopenedOnce.deployment(idOf(1)) } };
    await reopenedOnce.close();
    await file.write(new TextEncoder().encode(JSON.stringify(inline)));
    const legacy = await Journal.open(root);
    expect(legacy.deployment(idOf(1))?.reports).toHaveLength(14);
    expect(await recordFiles()).toEqual([]);
    await legacy.update(idOf(1), () => {});
    expect(await recordFiles()).toEqual([`${idOf(1)}.json`]);
    await legacy.close();
  });

  it(`keeps the newest ${SEEN_MAX} deployment ids, so a long history does not make every write bigger`, async () => {
    const journal = await Journal.open(root);
    const total = SEEN_MAX + 44;
    for (let n = 1; n <= total; n++) {
      const intent = sampleIntent({ targets: [host.id], deploymentId: idOf(n), groupSequence: n });
      await journal.accept(intent, seal('intent', intent, coordinator), n);
      await journal.update(intent.deploymentId, (r) => { r.status = 'Succeeded'; r.finishedAt = n; r.rolloutFinal = { state: 'succeeded' }; });
    }
    expect(journal.snapshot.seen).toEqual(Array.from({ length: SEEN_MAX }, (_, i) => idOf(total - SEEN_MAX + 1 + i)));
    expect(journal.hasSeen(idOf(total))).toBe(true);
    expect(journal.hasSeen(idOf(1))).toBe(false); // out of seen and pruned from the records...
    const first = sampleIntent({ targets: [host.id], deploymentId: idOf(1), groupSequence: 1 });
    const replay = admitIntent(encodeEnvelope(seal('intent', first, coordinator)), {
      trustedCoordinators: new Set([coordinator.id]), selfPeerId: host.id, now: Date.now(),
      hasSeen: (id) => journal.hasSeen(id), lastSequence: (g) => journal.lastSequence(g),
    });
    expect(replay).toMatchObject({ accept: false, reason: expect.stringMatching(`not newer than ${total}`) }); // ...and still refused
    await journal.close();

    // A journal an older agent wrote with a longer list is cut to the newest ids when it is opened.
    const { file, contents } = await DoubleBufferedFile.open(path.join(root, 'state', 'journal.dat'));
    const stored = JSON.parse(new TextDecoder().decode(contents)) as { seen: string[] };
    await file.write(new TextEncoder().encode(JSON.stringify({ ...stored, seen: Array.from({ length: 10_000 }, (_, i) => `old-${i}`).concat(stored.seen) })));
    await file.close();
    const reopened = await Journal.open(root);
    expect(reopened.snapshot.seen).toEqual(stored.seen);
    await reopened.close();
  });
});
