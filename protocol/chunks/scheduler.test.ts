import { describe, expect, it } from 'vitest';
import { Bitfield } from './bitfield.ts';
import { ChunkScheduler, staggerSlot } from './scheduler.ts';
import type { ChunkSchedulerInit, SchedulerEvent, Transmit } from './scheduler-types.ts';

function make(init: Partial<ChunkSchedulerInit> & { chunkCount: number }): ChunkScheduler {
  // Endgame duplicates are off unless a test asks for them (single-chunk tests would otherwise be in endgame).
  return new ChunkScheduler({ now: 0, seed: 1, origin: false, requestTimeoutMs: 1000, endgameCopies: 1, ...init });
}

function drain(s: ChunkScheduler): { tx: Transmit[]; ev: SchedulerEvent[] } {
  const tx: Transmit[] = [];
  const ev: SchedulerEvent[] = [];
  for (let t = s.pollTransmit(); t !== undefined; t = s.pollTransmit()) tx.push(t);
  for (let e = s.pollEvent(); e !== undefined; e = s.pollEvent()) ev.push(e);
  return { tx, ev };
}

const have = (n: number, indices: number[]): Uint8Array => Bitfield.of(n, indices).toBytes();
const all = (n: number): Uint8Array => have(n, Array.from({ length: n }, (_, i) => i));
const requests = (tx: Transmit[]) => tx.filter((t) => t.kind === 'request').map((t) => `${t.peer}:${t.index}`);
const cancels = (tx: Transmit[]) => tx.filter((t) => t.kind === 'cancel').map((t) => `${t.peer}:${t.index}`);

describe('ChunkScheduler', () => {
  it('requests the rarest chunk first', () => {
    const s = make({ chunkCount: 4, maxInFlightPerPeer: 1, maxInFlightTotal: 1 });
    s.peerHave(0, 'a', have(4, [0, 1, 2, 3]));
    s.peerHave(0, 'b', have(4, [0, 1, 3]));
    s.peerHave(0, 'c', have(4, [0, 3]));
    // First request went out when only `a` was known; the scheduler then waits for it.
    const first = requests(drain(s).tx);
    expect(first).toHaveLength(1);
    s.chunkReceived(1, first[0]!.split(':')[0]!, Number(first[0]!.split(':')[1]), true);
    // Availability now: 0→3, 1→2, 2→1, 3→3. Chunk 2 (held by a only) goes next unless it was the first.
    const next = requests(drain(s).tx);
    expect(next).toEqual(first[0] === 'a:2' ? ['b:1'] : ['a:2']);
  });

  it('never exceeds the per-peer and total in-flight limits', () => {
    const s = make({ chunkCount: 20, maxInFlightPerPeer: 3, maxInFlightTotal: 5 });
    s.peerHave(0, 'a', all(20));
    expect(requests(drain(s).tx)).toHaveLength(3);
    expect(s.inFlightTo('a')).toHaveLength(3);
    s.peerHave(0, 'b', all(20));
    expect(requests(drain(s).tx)).toHaveLength(2);
    expect(s.inFlightCount).toBe(5);
    s.peerHave(0, 'c', all(20));
    expect(requests(drain(s).tx)).toHaveLength(0);
  });

  it('times out a silence, not a slow transfer: progress moves the deadline', () => {
    const s = make({ chunkCount: 1 });
    s.peerHave(0, 'a', all(1));
    s.peerHave(0, 'b', all(1));
    const [first] = requests(drain(s).tx);
    const [peer, index] = [first!.split(':')[0]!, Number(first!.split(':')[1])];
    s.requestProgress(900, peer, index);
    expect(s.pollTimeout()).toBe(1900);
    s.handleTimeout(1000);
    expect(drain(s).tx).toEqual([]);
    s.requestProgress(1800, peer, index);
    s.handleTimeout(2799);
    expect(drain(s).tx).toEqual([]);
    s.handleTimeout(2800);
    expect(cancels(drain(s).tx)).toEqual([first]);
    // Progress on a request that already ended changes nothing.
    s.requestProgress(2900, peer, index);
    expect(s.pollTimeout()).toBe(3800);
  });

  it('retries a timed-out request at another peer and cancels the old one', () => {
    const s = make({ chunkCount: 1 });
    s.peerHave(0, 'a', all(1));
    s.peerHave(0, 'b', all(1));
    const [first] = requests(drain(s).tx);
    expect(s.pollTimeout()).toBe(1000);
    s.handleTimeout(999);
    expect(drain(s).tx).toEqual([]);
    s.handleTimeout(1000);
    const { tx } = drain(s);
    const other = first === 'a:0' ? 'b:0' : 'a:0';
    expect(cancels(tx)).toEqual([first]);
    expect(requests(tx)).toEqual([other]);
  });

  it('retries after requestFailed, preferring a peer that has not failed the chunk', () => {
    const s = make({ chunkCount: 1 });
    s.peerHave(0, 'a', all(1));
    const [first] = requests(drain(s).tx);
    expect(first).toBe('a:0');
    s.peerHave(1, 'b', all(1));
    s.requestFailed(2, 'a', 0);
    expect(requests(drain(s).tx)).toEqual(['b:0']);
  });

  it('suspends a peer after repeated failures and brings it back later', () => {
    const s = make({ chunkCount: 1, peerFailuresToSuspend: 2, peerSuspendMs: 500 });
    s.peerHave(0, 'a', all(1));
    drain(s);
    s.requestFailed(1, 'a', 0);
    expect(requests(drain(s).tx)).toEqual(['a:0']);
    s.requestFailed(2, 'a', 0);
    expect(requests(drain(s).tx)).toEqual([]);
    expect(s.availabilityOf(0)).toBe(0);
    expect(s.pollTimeout()).toBe(502);
    s.handleTimeout(502);
    expect(requests(drain(s).tx)).toEqual(['a:0']);
  });

  it('enters endgame for the last chunks: duplicates to another peer and cancels the loser', () => {
    const s = make({ chunkCount: 2, endgameChunks: 2, endgameCopies: 2, maxInFlightPerPeer: 1 });
    s.peerHave(0, 'a', all(2));
    s.peerHave(0, 'b', all(2));
    s.peerHave(0, 'c', all(2));
    const first = requests(drain(s).tx);
    // Two chunks, three peers: one chunk gets a duplicate request at the third peer.
    expect(first).toHaveLength(3);
    const byChunk = new Map<number, string[]>();
    for (const r of first) {
      const [p, i] = r.split(':');
      byChunk.set(Number(i), [...(byChunk.get(Number(i)) ?? []), p!]);
    }
    const dup = [...byChunk].find(([, peers]) => peers.length === 2)!;
    const [winner, loser] = dup[1];
    s.chunkReceived(5, winner!, dup[0], true);
    const { tx, ev } = drain(s);
    expect(cancels(tx)).toEqual([`${loser}:${dup[0]}`]);
    expect(ev).toEqual([{ type: 'chunk:verified', index: dup[0], peer: winner }]);
  });

  it('does not use endgame duplicates while many chunks remain', () => {
    const s = make({ chunkCount: 10, endgameChunks: 3, endgameCopies: 2 });
    s.peerHave(0, 'a', all(10));
    s.peerHave(0, 'b', all(10));
    const reqs = requests(drain(s).tx);
    const indices = reqs.map((r) => r.split(':')[1]);
    expect(new Set(indices).size).toBe(indices.length);
  });

  it('drops a peer that served a corrupt chunk, cancels its other requests and ignores it afterwards', () => {
    const s = make({ chunkCount: 6, maxInFlightPerPeer: 3 });
    s.peerHave(0, 'bad', all(6));
    const reqs = requests(drain(s).tx);
    expect(reqs).toHaveLength(3);
    const bad = Number(reqs[0]!.split(':')[1]);
    s.chunkReceived(1, 'bad', bad, false);
    const { tx, ev } = drain(s);
    expect(ev).toEqual([{ type: 'peer:dropped', peer: 'bad', reason: 'corrupt-chunk', index: bad }]);
    expect(cancels(tx).sort()).toEqual(reqs.slice(1).sort());
    expect(s.isDropped('bad')).toBe(true);
    // A second chunk of it whose check was under way fails too: no second drop.
    s.chunkReceived(1, 'bad', Number(reqs[1]!.split(':')[1]), false);
    expect(drain(s).ev).toEqual([]);
    s.peerHave(2, 'bad', all(6));
    expect(drain(s).tx).toEqual([]);
    expect(s.availabilityOf(0)).toBe(0);
    s.peerHave(3, 'good', all(6));
    expect(requests(drain(s).tx).every((r) => r.startsWith('good:'))).toBe(true);
  });

  it('drops a peer that sends a malformed bitfield or an out-of-range index', () => {
    const s = make({ chunkCount: 9 });
    s.peerHave(0, 'x', new Uint8Array(1));
    s.peerHas(0, 'y', 9);
    expect(drain(s).ev.map((e) => e.type === 'peer:dropped' && e.reason)).toEqual(['bad-bitfield', 'bad-index']);
  });

  it('uses the origin only for chunks no reachable peer has, after the discovery delay', () => {
    const s = make({ chunkCount: 4, origin: { discoveryMs: 500 } });
    expect(requests(drain(s).tx)).toEqual([]);
    expect(s.pollTimeout()).toBe(500);
    s.peerHave(10, 'a', have(4, [0, 1]));
    expect(requests(drain(s).tx).sort()).toEqual(['a:0', 'a:1']);
    s.handleTimeout(500);
    expect(requests(drain(s).tx).sort()).toEqual(['origin:2', 'origin:3']);
  });

  it('never asks the origin when peers already hold everything', () => {
    const s = make({ chunkCount: 4, maxInFlightPerPeer: 1, origin: { discoveryMs: 500 } });
    s.peerHave(10, 'a', all(4));
    let t = 10;
    for (let step = 0; step < 4; step++) {
      const [r] = requests(drain(s).tx);
      expect(r?.startsWith('a:')).toBe(true);
      t += 300;
      s.handleTimeout(t);
      s.chunkReceived(t, 'a', Number(r!.split(':')[1]), true);
    }
    expect(s.isComplete).toBe(true);
  });

  it('falls back to the origin when the only holder leaves', () => {
    const s = make({ chunkCount: 1, origin: { discoveryMs: 100 } });
    s.peerHave(0, 'a', all(1));
    expect(requests(drain(s).tx)).toEqual(['a:0']);
    s.peerGone(1, 'a');
    expect(requests(drain(s).tx)).toEqual([]);
    s.handleTimeout(100);
    expect(requests(drain(s).tx)).toEqual(['origin:0']);
  });

  it('falls back to the origin when the only holder is suspended after failures', () => {
    const s = make({ chunkCount: 1, peerFailuresToSuspend: 2, origin: { discoveryMs: 100 } });
    s.peerHave(0, 'a', all(1));
    drain(s);
    s.handleTimeout(1000);
    expect(requests(drain(s).tx)).toEqual(['a:0']);
    s.handleTimeout(2000);
    expect(requests(drain(s).tx)).toEqual(['origin:0']);
  });

  it('staggers origin requests by host rank: owners at once, others after grace periods', () => {
    const hosts = 4;
    const s = make({ chunkCount: 8, origin: { rank: 1, hosts, graceMs: 100, maxInFlight: 8, discoveryMs: 0 } });
    // Rank 1 owns chunks 1 and 5.
    expect(requests(drain(s).tx).sort()).toEqual(['origin:1', 'origin:5']);
    expect(s.pollTimeout()).toBe(100);
    s.handleTimeout(100);
    // Distance 1: chunks owned by rank 0 (0 and 4).
    expect(requests(drain(s).tx).sort()).toEqual(['origin:0', 'origin:4']);
    expect(staggerSlot(3, 1, hosts)).toBe(2);
  });

  it('restarts the origin grace whenever the swarm gains a chunk', () => {
    const s = make({ chunkCount: 4, origin: { rank: 0, hosts: 4, graceMs: 100, discoveryMs: 0 } });
    expect(requests(drain(s).tx)).toEqual(['origin:0']);
    s.peerHas(80, 'p', 1);
    expect(requests(drain(s).tx)).toEqual(['p:1']);
    // Chunk 3 (owner rank 3, distance 1) would have been due at 100; the announce at 80 moved it to 180.
    expect(s.pollTimeout()).toBe(180);
    s.handleTimeout(180);
    expect(requests(drain(s).tx)).toEqual(['origin:3']);
  });

  it('restarts the origin grace while the origin is sending us bytes: slow owners ahead are not duplicated', () => {
    const s = make({ chunkCount: 8, origin: { rank: 1, hosts: 4, graceMs: 100, maxInFlight: 8, discoveryMs: 0 } });
    expect(requests(drain(s).tx).sort()).toEqual(['origin:1', 'origin:5']);
    s.requestProgress(90, 'origin', 1);
    // Rank 0's chunks (distance 1) would have been due at 100; the origin's bytes at 90 moved them to 190.
    s.handleTimeout(100);
    expect(requests(drain(s).tx)).toEqual([]);
    expect(s.pollTimeout()).toBe(190);
    s.handleTimeout(190);
    expect(requests(drain(s).tx).sort()).toEqual(['origin:0', 'origin:4']);
  });

  it('with minPeers 2, also asks the origin for a chunk only one busy peer has, after the grace period', () => {
    const s = make({ chunkCount: 2, maxInFlightPerPeer: 1, origin: { minPeers: 2, graceMs: 50, discoveryMs: 1 } });
    s.peerHave(0, 'a', all(2));
    // a takes one chunk; the other has one holder (< minPeers) but the grace period has not passed.
    expect(requests(drain(s).tx)).toHaveLength(1);
    s.handleTimeout(50);
    expect(requests(drain(s).tx)).toHaveLength(1);
    expect(s.inFlightTo('origin')).toHaveLength(1);
    const withMinPeers1 = make({ chunkCount: 2, maxInFlightPerPeer: 1, origin: { graceMs: 50, discoveryMs: 1 } });
    withMinPeers1.peerHave(0, 'a', all(2));
    withMinPeers1.handleTimeout(50);
    expect(withMinPeers1.inFlightTo('origin')).toHaveLength(0);
  });

  it('resumes: chunks verified on disk are never requested', () => {
    const s = make({ chunkCount: 5, verified: [0, 1, 3] });
    s.peerHave(0, 'a', all(5));
    expect(requests(drain(s).tx).sort()).toEqual(['a:2', 'a:4']);
    expect(s.missingCount).toBe(2);
  });

  it('reports completion, including when everything was already on disk', () => {
    const done = make({ chunkCount: 2, verified: [0, 1] });
    expect(drain(done).ev).toEqual([{ type: 'download:complete' }]);
    expect(done.pollTimeout()).toBeUndefined();
    const s = make({ chunkCount: 1 });
    s.peerHave(0, 'a', all(1));
    drain(s);
    s.chunkReceived(1, 'a', 0, true);
    expect(drain(s).ev).toEqual([{ type: 'chunk:verified', index: 0, peer: 'a' }, { type: 'download:complete' }]);
  });

  it('accepts a verified chunk that arrives after its request timed out, once', () => {
    const s = make({ chunkCount: 2 });
    s.peerHave(0, 'a', have(2, [0]));
    drain(s);
    s.handleTimeout(1000);
    drain(s);
    s.chunkReceived(1001, 'a', 0, true);
    s.chunkReceived(1002, 'a', 0, true);
    expect(drain(s).ev.filter((e) => e.type === 'chunk:verified')).toHaveLength(1);
  });

  it('raises download:stalled once when nothing is verified for the stall timeout', () => {
    const s = make({ chunkCount: 2, stallTimeoutMs: 5000 });
    expect(s.pollTimeout()).toBe(5000);
    s.handleTimeout(5000);
    expect(drain(s).ev).toEqual([{ type: 'download:stalled', missing: 2, noSource: 2 }]);
    s.handleTimeout(9000);
    expect(drain(s).ev).toEqual([]);
    expect(s.pollTimeout()).toBeUndefined();
  });

  it('rejects time going backwards', () => {
    const s = make({ chunkCount: 1 });
    s.handleTimeout(10);
    expect(() => s.handleTimeout(9)).toThrow(/backwards/);
  });

  it('is deterministic for a seed and spreads first requests differently across seeds', () => {
    const firstRequests = (seed: number) => {
      const s = make({ chunkCount: 64, seed, maxInFlightPerPeer: 4 });
      s.peerHave(0, 'a', all(64));
      return requests(drain(s).tx);
    };
    expect(firstRequests(7)).toEqual(firstRequests(7));
    expect(firstRequests(7)).not.toEqual(firstRequests(8));
  });
});
