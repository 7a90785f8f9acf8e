import { describe, expect, it } from 'vitest';
import { chooseCommittee, claimOrder, quorumSize } from './committee.ts';
import { SlotNode } from './node.ts';
import type { SlotRng } from './types.ts';

const rng: SlotRng = { int: (min) => min };
const targets = ['a', 'b', 'c'];

describe('committee', () => {
  it('chooseCommittee() takes every target up to 5, else 5 by hash rank, or the size the intent sets', () => {
    expect(chooseCommittee('d', targets)).toEqual(targets);
    const eight = Array.from({ length: 8 }, (_, i) => `p${i}`);
    const five = chooseCommittee('d', eight);
    expect(five).toHaveLength(5);
    expect(chooseCommittee('d', [...eight].reverse())).toEqual(five); // order-independent
    expect(chooseCommittee('d', eight, 3)).toEqual(five.slice(0, 3));
    expect(() => chooseCommittee('d', eight, 4)).toThrow(/odd/);
    expect(quorumSize(five)).toBe(3);
  });
  it('claimOrder() is a deterministic permutation that depends on the deployment', () => {
    const many = Array.from({ length: 20 }, (_, i) => `p${i}`);
    expect([...claimOrder('d1', many)].sort()).toEqual([...many].sort());
    expect(claimOrder('d1', many)).toEqual(claimOrder('d1', [...many].reverse()));
    expect(claimOrder('d1', many)).not.toEqual(claimOrder('d2', many));
  });
});

describe('SlotNode drain contract', () => {
  it('holds transmits and events back until the persist they depend on is polled', () => {
    const n = new SlotNode({ nodeId: 'a', deployment: 'd', targets, rng });
    n.handleMessage(0, 'b', { type: 'prepare', deployment: 'd', slot: 0, entry: 0, ballot: { round: 1, nodeId: 'b' } });
    expect(n.pollTransmit()).toBeUndefined();
    const state = n.pollPersist();
    expect(state?.acceptor['0:0']?.promised).toEqual({ round: 1, nodeId: 'b' });
    expect(n.pollTransmit()).toEqual({ to: 'b', msg: { type: 'promise', deployment: 'd', slot: 0, entry: 0, ballot: { round: 1, nodeId: 'b' }, accepted: null } });
    expect(n.pollTimeout()).toBeTypeOf('number');
  });
  it('a restarted acceptor keeps its promise and nacks lower ballots', () => {
    const n = new SlotNode({ nodeId: 'a', deployment: 'd', targets, rng });
    n.handleMessage(0, 'b', { type: 'prepare', deployment: 'd', slot: 0, entry: 0, ballot: { round: 5, nodeId: 'b' } });
    const disk = n.pollPersist()!;
    const r = new SlotNode({ nodeId: 'a', deployment: 'd', targets, rng, durable: disk });
    r.handleMessage(1, 'c', { type: 'prepare', deployment: 'd', slot: 0, entry: 0, ballot: { round: 4, nodeId: 'c' } });
    r.pollPersist();
    const out = [];
    for (let t = r.pollTransmit(); t; t = r.pollTransmit()) out.push(t);
    expect(out).toContainEqual({ to: 'c', msg: expect.objectContaining({ type: 'nack', promised: { round: 5, nodeId: 'b' } }) });
  });
  it('rejects messages for another deployment and commands it cannot honour', () => {
    const n = new SlotNode({ nodeId: 'a', deployment: 'd', targets, rng });
    n.handleMessage(0, 'b', { type: 'query', deployment: 'other', known: [] });
    n.reportOutcome(0, 'succeeded');
    n.forceRelease(0, 7, 0, 'b');
    n.pollPersist();
    const events = [];
    for (let e = n.pollEvent(); e; e = n.pollEvent()) events.push(e.type);
    expect(events).toEqual(['message:rejected', 'command:rejected', 'command:rejected']);
  });
  it('reports failure at once when m ≥ N', () => {
    const n = new SlotNode({ nodeId: 'a', deployment: 'd', targets, rng, config: { name: 'x', minimumHealthyHosts: { type: 'HOST_COUNT', value: 3 } } });
    n.start(0);
    expect(n.k).toBe(0);
    expect(n.pollEvent()).toEqual({ type: 'deployment:final', status: { state: 'failed', reason: 'HEALTH_CONSTRAINTS_INVALID' } });
    expect(n.pollTimeout()).toBeUndefined();
  });
});
