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
  it('claims on a handoff only from the slot\'s holder, at round 0, after its claim is durable', () => {
    const events = (n: SlotNode) => { const out = []; for (let e = n.pollEvent(); e !== undefined; e = n.pollEvent()) out.push(e); return out; };
    const n = new SlotNode({ nodeId: 'c', deployment: 'd', targets, rng });
    n.handleMessage(0, 'a', { type: 'chosen', deployment: 'd', slot: 0, entry: 0, value: { kind: 'grant', host: 'a' } });
    n.pollPersist();
    events(n);
    const handoff = (from: string) => ({ type: 'handoff' as const, deployment: 'd', slot: 0, entry: 1, value: { kind: 'release' as const, host: from, next: 'c' } });
    n.handleMessage(1, 'b', handoff('b'));
    expect(events(n)).toContainEqual(expect.objectContaining({ type: 'message:rejected', reason: expect.stringMatching(/does not hold it/) }));
    expect(n.self()).toEqual({ phase: 'idle' });
    n.handleMessage(2, 'a', handoff('a'));
    expect(n.self()).toEqual({ phase: 'claiming', slot: 0, entry: 2, stale: false });
    expect(n.pollTransmit()).toBeUndefined(); // the claim is written before its Accept leaves
    expect(n.pollPersist()?.self).toEqual({ phase: 'claiming', slot: 0, entry: 2, stale: false });
    const accepts = [];
    for (let t = n.pollTransmit(); t !== undefined; t = n.pollTransmit()) if (t.msg.type === 'accept') accepts.push(t.msg);
    expect(accepts).toHaveLength(2); // a and b; c's own vote went to its acceptor directly
    expect(accepts[0]).toMatchObject({ entry: 2, ballot: { round: 0, nodeId: 'c' }, value: { kind: 'grant', host: 'c' } });
  });
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

describe('SlotNode hand-over fast path (round 0)', () => {
  type Sent = { from: string; to: string; msg: Parameters<SlotNode['handleMessage']>[2]; broadcast?: boolean };

  /** Three nodes, a lossless instant network; every message that crossed it is kept in `log`. */
  function cluster() {
    const nodes = new Map(targets.map((id) => [id, new SlotNode({ nodeId: id, deployment: 'd', targets, rng })]));
    const log: Sent[] = [];
    const queue: Sent[] = [];
    const granted: string[] = [];
    const drain = (id: string): void => {
      const n = nodes.get(id)!;
      n.pollPersist();
      for (let t = n.pollTransmit(); t; t = n.pollTransmit()) queue.push({ from: id, to: t.to, msg: t.msg, ...(t.broadcast ? { broadcast: true } : {}) });
      for (let e = n.pollEvent(); e; e = n.pollEvent()) if (e.type === 'slot:granted') granted.push(id);
    };
    const pump = (): void => {
      for (let guard = 0; queue.length > 0; guard++) {
        expect(guard).toBeLessThan(10_000);
        const m = queue.shift()!;
        log.push(m);
        nodes.get(m.to)!.handleMessage(0, m.from, m.msg);
        drain(m.to);
      }
    };
    return { nodes, log, granted, drain, pump };
  }

  it('the first host claims at round 0, the releaser names the next host, whose grant reserved ahead is voted with the release', () => {
    const c = cluster();
    for (const id of targets) { c.nodes.get(id)!.start(0); c.drain(id); }
    c.pump();
    const order = c.nodes.get('a')!.order;
    expect(c.granted).toEqual([order[0]]);
    const first = order[0]!;
    c.log.length = 0;
    c.nodes.get(first)!.reportOutcome(1, 'succeeded');
    c.drain(first);
    c.pump();
    expect(c.granted).toEqual([order[0], order[1]]);
    // No Prepare anywhere in the hand-over: the release and the next grant were both proposed at round 0.
    expect(c.log.filter((m) => m.msg.type === 'prepare')).toEqual([]);
    const release = c.log.find((m) => m.msg.type === 'accept' && m.msg.value.kind === 'release');
    expect(release?.msg).toMatchObject({ entry: 1, ballot: { round: 0, nodeId: first }, value: { kind: 'release', host: first, next: order[1] } });
    // The next host heard the chosen release point to point, not only through the broadcast.
    expect(c.log.some((m) => m.to === order[1] && m.msg.type === 'chosen' && m.msg.entry === 1 && m.broadcast !== true)).toBe(true);
    // The next host's grant was not proposed during the hand-over: its reserve, sent while the first host held
    // the slot, was voted with the release, and each vote reached it with the release's vote alongside.
    expect(c.log.filter((m) => m.msg.type === 'accept' && m.msg.entry === 2)).toEqual([]);
    const votes = c.log.filter((m) => m.to === order[1] && m.msg.type === 'accepted' && m.msg.entry === 2);
    expect(votes.length).toBeGreaterThanOrEqual(2);
    for (const v of votes) {
      expect(v.msg).toMatchObject({ ballot: { round: 0, nodeId: order[1] }, prior: { ballot: { round: 0, nodeId: first }, value: { kind: 'release', next: order[1] } } });
    }
  });

  it('an acceptor refuses round 0 from a node that does not own the entry, and any ballot sent by another node', () => {
    const n = new SlotNode({ nodeId: 'a', deployment: 'd', targets, rng });
    const notOwner = n.order.find((h) => h !== n.order[0] && h !== 'a')!;
    n.handleMessage(0, notOwner, { type: 'accept', deployment: 'd', slot: 0, entry: 0, ballot: { round: 0, nodeId: notOwner }, value: { kind: 'grant', host: notOwner } });
    n.handleMessage(0, 'b', { type: 'prepare', deployment: 'd', slot: 0, entry: 0, ballot: { round: 3, nodeId: 'c' } });
    n.handleMessage(0, 'b', { type: 'prepare', deployment: 'd', slot: 0, entry: 0, ballot: { round: 0, nodeId: 'b' } });
    n.pollPersist();
    // Nothing from b or c was promised or accepted (a may hold its own claim's vote if it ranks first).
    expect([null, 'a']).toContain(n.promisedBallot(0, 0)?.nodeId ?? null);
    const replies = [];
    for (let t = n.pollTransmit(); t; t = n.pollTransmit()) if (t.to !== 'a' && t.msg.type !== 'accept') replies.push(t);
    expect(replies).toEqual([]);
    const reasons = [];
    for (let e = n.pollEvent(); e; e = n.pollEvent()) if (e.type === 'message:rejected') reasons.push(e.reason);
    expect(reasons).toHaveLength(3);
    expect(reasons[0]).toMatch(/round 0 accept/);
    expect(reasons[1]).toMatch(/sent by another node/);
    expect(reasons[2]).toMatch(/round 0 prepare/);
  });
});

describe('SlotNode catch-up and lazy persists', () => {
  /** Times (ms) at which `n` sent catch-up queries while time ran to `until`. */
  function queryTimes(n: SlotNode, until: number, onTick?: (now: number) => void): number[] {
    const at: number[] = [];
    for (let now = 0; now <= until; now += 100) {
      onTick?.(now);
      n.handleTimeout(now);
      n.pollPersist();
      for (let t = n.pollTransmit(); t; t = n.pollTransmit()) if (t.msg.type === 'query' && !at.includes(now)) at.push(now);
      while (n.pollEvent()) { /* drained */ }
    }
    return at;
  }
  const idleNode = () => {
    // K = 1 and another host holds the slot: this node has nothing to propose, only to learn.
    const n = new SlotNode({ nodeId: 'c', deployment: 'd', targets, rng });
    n.handleMessage(0, 'a', { type: 'chosen', deployment: 'd', slot: 0, entry: 0, value: { kind: 'grant', host: 'a' } });
    return n;
  };

  it('backs catch-up queries off while nothing is missing (2 s doubling to 30 s)', () => {
    const times = queryTimes(idleNode(), 120_000);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps.slice(0, 3).every((g, i) => i === 0 || g > gaps[i - 1]!)).toBe(true);
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(30_000);
    expect(times.length).toBeLessThan(10); // a fixed 2 s period would be 40+
  });

  it('asks again within syncMs after learning an entry past a hole in its log', () => {
    const n = idleNode();
    const times = queryTimes(n, 60_000, (now) => {
      // Entry 1 never arrives; entry 2 does at 40 s: a hole, so the node must catch up soon.
      if (now === 40_000) n.handleMessage(now, 'b', { type: 'chosen', deployment: 'd', slot: 0, entry: 2, value: { kind: 'grant', host: 'b' } });
    });
    expect(times.some((t) => t >= 40_000 && t <= 40_000 + 2_000)).toBe(true); // backed off, the next round was due at ~60 s
  });

  it('learning a chosen value is not a persist of its own (the log is a cache)', () => {
    const n = new SlotNode({ nodeId: 'c', deployment: 'd', targets, rng });
    n.handleMessage(0, 'a', { type: 'chosen', deployment: 'd', slot: 0, entry: 0, value: { kind: 'grant', host: 'a' } });
    expect(n.pollPersist()).toBeUndefined();
    expect(n.chosen(0, 0)).toEqual({ kind: 'grant', host: 'a' });
  });
});

describe('SlotNode reserve: the next grant claimed ahead while the slot is held (K = 1)', () => {
  const order = claimOrder('d', targets);
  const [holder, next, third] = order as [string, string, string];
  const grantToHolder = { type: 'chosen' as const, deployment: 'd', slot: 0, entry: 0, value: { kind: 'grant' as const, host: holder } };
  const release = (to: string) => ({ kind: 'release' as const, host: holder, next: to });
  const drain = (n: SlotNode) => {
    const persisted = n.pollPersist();
    const sent = [];
    for (let t = n.pollTransmit(); t; t = n.pollTransmit()) sent.push(t);
    const events = [];
    for (let e = n.pollEvent(); e; e = n.pollEvent()) events.push(e);
    return { persisted, sent, events };
  };

  it('the holder\'s pick for next writes its claim, then sends its round-0 grant as a reserve; nobody else does', () => {
    const x = new SlotNode({ nodeId: next, deployment: 'd', targets, rng });
    x.handleMessage(0, holder, grantToHolder);
    expect(x.pollTransmit()).toBeUndefined(); // the claim is written before the reserve leaves
    const { persisted, sent } = drain(x);
    expect(persisted?.self).toEqual({ phase: 'claiming', slot: 0, entry: 2, stale: false, ahead: true });
    expect(sent.map((t) => t.to).sort()).toEqual([holder, third].sort()); // its own acceptor got it directly
    for (const t of sent) expect(t.msg).toMatchObject({ type: 'reserve', entry: 2, ballot: { round: 0, nodeId: next }, value: { kind: 'grant', host: next } });
    const y = new SlotNode({ nodeId: third, deployment: 'd', targets, rng });
    y.handleMessage(0, holder, grantToHolder);
    expect(drain(y).sent.filter((t) => t.msg.type === 'reserve')).toEqual([]);
    expect(y.self()).toEqual({ phase: 'idle' });
  });

  it('an acceptor votes a reserve only with the holder\'s release naming its sender, in the same write, and tells the sender both votes', () => {
    const a = new SlotNode({ nodeId: third, deployment: 'd', targets, rng });
    a.handleMessage(0, holder, grantToHolder);
    drain(a);
    a.handleMessage(1, next, { type: 'reserve', deployment: 'd', slot: 0, entry: 2, ballot: { round: 0, nodeId: next }, value: { kind: 'grant', host: next } });
    expect(drain(a)).toMatchObject({ persisted: undefined, sent: [] }); // kept, not voted: the holder still deploys
    a.handleMessage(2, holder, { type: 'accept', deployment: 'd', slot: 0, entry: 1, ballot: { round: 0, nodeId: holder }, value: release(next) });
    const { persisted, sent } = drain(a);
    expect(persisted?.acceptor['0:1']?.accepted?.value).toEqual(release(next));
    expect(persisted?.acceptor['0:2']?.accepted).toEqual({ ballot: { round: 0, nodeId: next }, value: { kind: 'grant', host: next } });
    expect(sent).toContainEqual({ to: holder, msg: expect.objectContaining({ type: 'accepted', entry: 1 }) });
    expect(sent).toContainEqual({ to: next, msg: expect.objectContaining({ type: 'accepted', entry: 2, prior: { ballot: { round: 0, nodeId: holder }, value: release(next) } }) });
  });

  it('an acceptor that learns the release without voting it (its Accept was lost) still votes the reserve', () => {
    const a = new SlotNode({ nodeId: third, deployment: 'd', targets, rng });
    a.handleMessage(0, holder, grantToHolder);
    drain(a);
    a.handleMessage(1, next, { type: 'reserve', deployment: 'd', slot: 0, entry: 2, ballot: { round: 0, nodeId: next }, value: { kind: 'grant', host: next } });
    drain(a);
    a.handleMessage(2, holder, { type: 'chosen', deployment: 'd', slot: 0, entry: 1, value: release(next) });
    const { persisted, sent } = drain(a);
    expect(persisted?.acceptor['0:2']?.accepted?.value).toEqual({ kind: 'grant', host: next });
    expect(sent).toContainEqual({ to: next, msg: { type: 'accepted', deployment: 'd', slot: 0, entry: 2, ballot: { round: 0, nodeId: next } } });
  });

  it('a reserve is dropped, never voted, when the holder names another host or burns the slot', () => {
    for (const end of [release(third), { kind: 'burn' as const, host: holder }]) {
      const a = new SlotNode({ nodeId: third, deployment: 'd', targets, rng });
      a.handleMessage(0, holder, grantToHolder);
      drain(a);
      a.handleMessage(1, next, { type: 'reserve', deployment: 'd', slot: 0, entry: 2, ballot: { round: 0, nodeId: next }, value: { kind: 'grant', host: next } });
      a.handleMessage(2, holder, { type: 'accept', deployment: 'd', slot: 0, entry: 1, ballot: { round: 0, nodeId: holder }, value: end });
      const { persisted, sent } = drain(a);
      expect(persisted?.acceptor['0:2']).toBeUndefined();
      expect(sent.filter((t) => t.to === next)).toEqual([]);
    }
  });

  it('the reserving host learns the release and its grant from a quorum of those votes, with no chosen message', () => {
    const x = new SlotNode({ nodeId: next, deployment: 'd', targets, rng });
    x.handleMessage(0, holder, grantToHolder);
    drain(x);
    const vote = { type: 'accepted' as const, deployment: 'd', slot: 0, entry: 2, ballot: { round: 0, nodeId: next }, prior: { ballot: { round: 0, nodeId: holder }, value: release(next) } };
    x.handleMessage(1, holder, vote);
    expect(x.chosen(0, 1)).toBeUndefined();
    x.handleMessage(1, third, vote); // quorum of 3 is 2
    expect(x.chosen(0, 1)).toEqual(release(next));
    expect(x.chosen(0, 2)).toEqual({ kind: 'grant', host: next });
    expect(drain(x).events).toContainEqual({ type: 'slot:granted', slot: 0, tenure: 1 });
  });

  it('a reserving host goes back to idle when the holder burns the slot, and claims with phase 1 after a revoke', () => {
    const burned = new SlotNode({ nodeId: next, deployment: 'd', targets, rng });
    burned.handleMessage(0, holder, grantToHolder);
    drain(burned);
    burned.handleMessage(1, holder, { type: 'chosen', deployment: 'd', slot: 0, entry: 1, value: { kind: 'burn', host: holder } });
    expect(drain(burned).persisted?.self).toEqual({ phase: 'idle' });

    const revoked = new SlotNode({ nodeId: next, deployment: 'd', targets, rng });
    revoked.handleMessage(0, holder, grantToHolder);
    drain(revoked);
    // A reserve may have been voted with the revoked holder's release: the claim must run to the end.
    revoked.handleMessage(1, third, { type: 'chosen', deployment: 'd', slot: 0, entry: 1, value: { kind: 'revoke', host: holder } });
    const { persisted, sent } = drain(revoked);
    expect(persisted?.self).toEqual({ phase: 'claiming', slot: 0, entry: 2, stale: false });
    expect(sent.filter((t) => t.msg.type === 'prepare' && t.msg.entry === 2).length).toBeGreaterThan(0);
  });
});
