// SlotDriver: three drivers wired to each other in memory, on fake timers. The gossip of a host's own grant
// leaves only after the grant event (and grantGossipDelayMs), so the host starts deploying first.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SlotEvent, SlotMessage } from '../../protocol/slots/index.ts';
import { SlotDriver } from './slot-driver.ts';

const IDS = ['host-a', 'host-b', 'host-c'];

interface Seen { readonly at: number; readonly host: string; readonly what: string }

function fleet(delayMs: number, ids = IDS, deployMs?: number): { drivers: Map<string, SlotDriver>; seen: Seen[] } {
  const drivers = new Map<string, SlotDriver>();
  const seen: Seen[] = [];
  for (const id of ids) {
    drivers.set(id, new SlotDriver({
      nodeId: id, deployment: 'd-TESTDRIVE', targets: ids, config: 'CodeDeployDefault.OneAtATime',
      rng: { int: (min) => min },
    }, {
      persist: async () => undefined,
      send: (to, msg: SlotMessage) => { void drivers.get(to)?.deliver(id, msg); },
      broadcast: (msg: SlotMessage) => {
        if (msg.type === 'chosen') seen.push({ at: Date.now(), host: id, what: `gossip ${msg.value.kind} ${msg.entry}` });
        for (const other of ids) if (other !== id) void drivers.get(other)!.deliver(id, msg);
      },
      onEvent: (e: SlotEvent) => {
        if (e.type !== 'slot:granted') return;
        seen.push({ at: Date.now(), host: id, what: 'granted' });
        if (deployMs !== undefined) setTimeout(() => void drivers.get(id)!.reportOutcome('succeeded'), deployMs);
      },
      logger: pino({ level: 'silent' }),
      now: () => Date.now(),
      grantGossipDelayMs: delayMs,
    }));
  }
  return { drivers, seen };
}

describe('SlotDriver', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('gossips its own grant grantGossipDelayMs after the grant event', async () => {
    const { drivers, seen } = fleet(50);
    for (const d of drivers.values()) await d.start();
    await vi.advanceTimersByTimeAsync(10_000);
    const granted = seen.find((s) => s.what === 'granted')!;
    expect(granted).toBeDefined();
    const gossip = seen.find((s) => s.host === granted.host && s.what === 'gossip grant 0')!;
    expect(gossip).toBeDefined();
    expect(gossip.at - granted.at).toBe(50);
    // Everyone still learns the grant.
    for (const d of drivers.values()) expect(d.node.chosen(0, 0)).toEqual({ kind: 'grant', host: granted.host });
    for (const d of drivers.values()) d.close();
  });

  it('without a delay the gossip leaves in the same drain as the grant event', async () => {
    const { drivers, seen } = fleet(0);
    for (const d of drivers.values()) await d.start();
    await vi.advanceTimersByTimeAsync(10_000);
    const granted = seen.find((s) => s.what === 'granted')!;
    expect(seen.find((s) => s.what === 'gossip grant 0')).toEqual({ host: granted.host, what: 'gossip grant 0', at: granted.at });
    for (const d of drivers.values()) d.close();
  });

  it('a release that leaves before the held grant gossip publishes that first, in order', async () => {
    // Deploys take 10 ms, less than the 50 ms hold: the last host's release (gossiped at once, it names
    // no next) must not reach anyone before its own grant.
    const { drivers, seen } = fleet(50, ['host-a', 'host-b'], 10);
    for (const d of drivers.values()) await d.start();
    await vi.advanceTimersByTimeAsync(10_000);
    const last = seen.find((s) => s.what === 'gossip release 3')!;
    expect(last).toBeDefined();
    const own = seen.filter((s) => s.host === last.host && s.what.startsWith('gossip'));
    expect(own.map((s) => s.what)).toEqual(['gossip grant 2', 'gossip release 3']);
    expect(own[0]!.at).toBe(last.at);
    for (const d of drivers.values()) expect(d.node.status().state).toBe('succeeded');
    for (const d of drivers.values()) d.close();
  });
});
