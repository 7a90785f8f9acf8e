// RolloutManager on one host with an in-memory transport: the slot protocol grants, the lifecycle runs,
// and observers are told when the rollout is final, not when this host's own lifecycle ends.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Journal } from '../state/journal.ts';
import { seal } from '../../protocol/signing/envelope.ts';
import { sampleIntent } from '../../test/support/intents.ts';
import { coordinatorSigner, hostSignerForTest } from '../../test/support/keys.ts';
import type { Reporter } from '../reporting/reporter.ts';
import type { SlotTransport } from './slot-transport.ts';
import { RolloutManager } from './rollout-manager.ts';
import { chooseCommittee, claimOrder } from '../../protocol/slots/committee.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('RolloutManager', () => {
  it('announces a rollout once its final state is journaled, after the host\'s lifecycle has ended', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'convoy-rollout-'));
    dirs.push(root);
    const host = hostSignerForTest();
    const journal = await Journal.open(root);
    const intent = sampleIntent({ targets: [host.id], config: { name: 'CodeDeployDefault.OneAtATime', minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 } } });
    const record = await journal.accept(intent, seal('intent', intent, coordinatorSigner()), Date.now());
    const order: string[] = [];
    const transport = {
      start: async () => undefined, stop: () => undefined, send: () => undefined, broadcast: () => undefined, connect: () => undefined,
      trafficOf: () => ({ sent: 0, received: 0, gossipSent: 0, gossipReceived: 0 }),
    } as unknown as SlotTransport;
    let announced!: (id: string) => void;
    const final = new Promise<string>((resolve) => { announced = resolve; });
    // The write of the rollout's final state completes only when the test says so.
    let finishWrite!: () => void;
    const written = new Promise<void>((resolve) => { finishWrite = resolve; });
    const update = journal.update.bind(journal);
    journal.update = async (id, change) => {
      await update(id, change);
      if (journal.deployment(id)?.rolloutFinal !== undefined) await written;
    };
    const manager = new RolloutManager({
      self: host.id, rootDir: root, journal, transport, logger: pino({ level: 'silent' }), random: () => 0.5,
      reporter: {} as Reporter,
      runLifecycle: async (r) => {
        order.push('lifecycle');
        await journal.update(r.intent.deploymentId, (rec) => { rec.status = 'Succeeded'; rec.finishedAt = Date.now(); });
        order.push('lifecycle ended');
        return 'Succeeded';
      },
      onRolloutFinal: (id) => { order.push(`announced ${journal.deployment(id)?.rolloutFinal?.state}`); announced(id); },
    });
    await manager.start();
    await manager.admit(record);
    await vi.waitFor(() => expect(journal.deployment(intent.deploymentId)?.rolloutFinal).toBeDefined());
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual(['lifecycle', 'lifecycle ended']); // final, but not yet on disk: no announcement
    finishWrite();
    expect(await final).toBe(intent.deploymentId);
    expect(order).toEqual(['lifecycle', 'lifecycle ended', 'announced succeeded']);
    manager.close();
    await journal.close();
  });

  it('opens streams while it waits: to the committee and to the host after it in claim order', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'convoy-rollout-'));
    dirs.push(root);
    const host = hostSignerForTest();
    const targets = [host.id, ...Array.from({ length: 8 }, () => hostSignerForTest().id)];
    const journal = await Journal.open(root);
    const intent = sampleIntent({ targets, deploymentId: 'd-CONNECT01' });
    const record = await journal.accept(intent, seal('intent', intent, coordinatorSigner()), Date.now());
    const connected: string[] = [];
    const transport = {
      start: async () => undefined, stop: () => undefined, send: () => undefined, broadcast: () => undefined,
      connect: (to: string) => { connected.push(to); },
      trafficOf: () => ({ sent: 0, received: 0, gossipSent: 0, gossipReceived: 0 }),
    } as unknown as SlotTransport;
    const manager = new RolloutManager({
      self: host.id, rootDir: root, journal, transport, logger: pino({ level: 'silent' }), random: () => 0.5,
      reporter: {} as Reporter, runLifecycle: async () => 'Succeeded',
    });
    await manager.start();
    await manager.admit(record);
    const order = claimOrder(intent.deploymentId, targets);
    const successor = order[(order.indexOf(host.id) + 1) % order.length]!;
    const expected = new Set([...chooseCommittee(intent.deploymentId, targets), successor]);
    expected.delete(host.id);
    expect(new Set(connected)).toEqual(expected);
    expect(connected).toHaveLength(expected.size); // once each
    manager.close();
    await journal.close();
  });

  it('a stop that arrives before its intent is held and applied: the host never claims a slot and ends Stopped', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'convoy-rollout-'));
    dirs.push(root);
    const host = hostSignerForTest();
    const journal = await Journal.open(root);
    // One target, K = 1: left alone the host claims the only slot at once and deploys.
    const intent = sampleIntent({ targets: [host.id], deploymentId: 'd-EARLYSTP1', config: { name: 'CodeDeployDefault.OneAtATime', minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 } } });
    const transport = {
      start: async () => undefined, stop: () => undefined, send: () => undefined, broadcast: () => undefined, connect: () => undefined,
      trafficOf: () => ({ sent: 0, received: 0, gossipSent: 0, gossipReceived: 0 }),
    } as unknown as SlotTransport;
    const lifecycles: string[] = [];
    let announced!: () => void;
    const final = new Promise<void>((resolve) => { announced = resolve; });
    const manager = new RolloutManager({
      self: host.id, rootDir: root, journal, transport, logger: pino({ level: 'silent' }), random: () => 0.5,
      // Journals what a report would (the host's status), without signing or gossip.
      reporter: {
        publish: async (id: string, _report: unknown, _status: unknown, change: (r: object, state: object) => void) => journal.update(id, (r) => change(r, {})),
      } as unknown as Reporter,
      runLifecycle: async (r) => { lifecycles.push(r.intent.deploymentId); return 'Succeeded'; },
      onRolloutFinal: () => announced(),
    });
    await manager.start();
    await manager.control({ type: 'control', v: 1, command: 'stop', deploymentId: intent.deploymentId, issuedAt: Date.now() });
    const record = await journal.accept(intent, seal('intent', intent, coordinatorSigner()), Date.now());
    await manager.admit(record);
    await final;
    expect(lifecycles).toEqual([]);
    expect(journal.deployment(intent.deploymentId)?.rolloutFinal?.state).toBe('stopped');
    expect(journal.deployment(intent.deploymentId)?.status).toBe('Stopped');
    manager.close();
    await journal.close();
  });
});
