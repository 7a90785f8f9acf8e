// The mesh keeper: its dial plan as pure code (and the graph it builds, over seeded fleets), then real libp2p
// nodes over TCP on 127.0.0.1: a host that lost its coordinator reaches the fleet from its saved address book.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { afterEach, describe, expect, it } from 'vitest';
import { Prng } from '../../test/sim/prng.ts';
import { AddressBook } from './address-book.ts';
import { HubWatch, keepMeshConnected, planDials, type MeshKeeper } from './mesh-keeper.ts';
import { createFleetNode, type FleetNode } from './node.ts';

describe('planDials', () => {
  const base = { dialing: new Set<string>(), minPeers: 3, due: () => true, random: () => 0 };
  const hosts = ['a', 'b', 'c', 'd', 'e', 'f'];

  it('dials as many unconnected hosts as fall short of minPeers, counting dials under way', () => {
    expect(planDials({ ...base, candidates: hosts, connected: new Set() })).toHaveLength(3);
    expect(planDials({ ...base, candidates: hosts, connected: new Set(['a']) })).toHaveLength(2);
    expect(planDials({ ...base, candidates: hosts, connected: new Set(['a']), dialing: new Set(['b']) })).toHaveLength(1);
    expect(planDials({ ...base, candidates: hosts, connected: new Set(['a', 'b', 'c', 'd']) })).toEqual([]);
    // Connections to peers outside the book (the coordinator) do not count.
    expect(planDials({ ...base, candidates: hosts, connected: new Set(['coordinator', 'a']) })).toHaveLength(2);
  });

  it('never picks a connected host, one being dialled, one still backing off, or the same host twice', () => {
    const prng = new Prng(7);
    const picked = planDials({
      ...base, candidates: hosts, connected: new Set(['a']), dialing: new Set(['b']), minPeers: 10,
      due: (p) => p !== 'c', random: () => prng.u32() / 2 ** 32,
    });
    expect(picked.sort()).toEqual(['d', 'e', 'f']);
  });

  it('over 300 seeded fleets of 5 to 200 hosts, every host dialling 3 at random, the host graph is connected', () => {
    for (let seed = 0; seed < 300; seed++) {
      const prng = new Prng(seed);
      const n = 5 + (seed % 196);
      const ids = Array.from({ length: n }, (_, i) => `h${i}`);
      const edges = new Map(ids.map((id) => [id, new Set<string>()]));
      for (const self of ids) {
        // Each host dials with what it sees: connections others opened to it count toward its three.
        const picked = planDials({ ...base, candidates: ids.filter((p) => p !== self), connected: edges.get(self)!, random: () => prng.u32() / 2 ** 32 });
        for (const p of picked) {
          edges.get(self)!.add(p);
          edges.get(p)!.add(self);
        }
      }
      const seen = new Set(['h0']);
      const queue = ['h0'];
      while (queue.length > 0) for (const next of edges.get(queue.pop()!)!) if (!seen.has(next)) { seen.add(next); queue.push(next); }
      expect(seen.size, `seed ${seed}, ${n} hosts`).toBe(n);
    }
  });
});

describe('HubWatch', () => {
  it('asks for fleet connections only once the hub has been out of reach for the grace period, counting from the start', () => {
    const watch = new HubWatch(1000, 5000);
    expect(watch.lostFor(false, 1000)).toBe(false); // an agent just started: its bootstrap dial is under way
    expect(watch.lostFor(false, 5999)).toBe(false);
    expect(watch.lostFor(true, 3000)).toBe(false);
    expect(watch.lostFor(false, 7000)).toBe(false); // lost again at 7000: the grace starts over
    expect(watch.lostFor(false, 11_999)).toBe(false);
    expect(watch.lostFor(false, 12_000)).toBe(true);
    expect(watch.lostFor(true, 12_500)).toBe(false);
    expect(watch.connectedFor(72_499)).toBe(59_999);
    expect(watch.lostFor(true, 72_500)).toBe(false);
    expect(watch.connectedFor(72_500)).toBe(60_000); // back since 12_500, not since the last call
    expect(watch.lostFor(false, 73_000)).toBe(false);
    expect(watch.connectedFor(73_000)).toBe(0);
  });
});

describe('keepMeshConnected over TCP', () => {
  const nodes: FleetNode[] = [];
  const keepers: MeshKeeper[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const k of keepers.splice(0)) await k.stop();
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });
  const start = async (): Promise<FleetNode> => {
    const node = await createFleetNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [], sharedAddresses: ['/ip4/127.0.0.1'] });
    nodes.push(node);
    return node;
  };
  const connectedCount = (node: FleetNode, others: readonly FleetNode[]): number => others.filter((o) => node.getConnections(o.peerId).length > 0).length;
  const until = async (what: string, test: () => boolean, timeoutMs = 10_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!test()) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('a host that lost its coordinator connects to 3 hosts of its saved book, and to another when one goes; with the coordinator, to none', async () => {
    const fleet = await Promise.all([start(), start(), start(), start(), start()]);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-mesh-'));
    dirs.push(dir);
    const file = path.join(dir, 'peers.json');
    // What an earlier run of this host heard in heartbeats and saved.
    const earlier = await AddressBook.load(file, () => undefined);
    for (const [i, f] of fleet.entries()) earlier.heard(f.peerId.toString(), f.getMultiaddrs().map((a) => a.toString()), 1000 + i);
    await earlier.saveIfChanged();

    const host = await start();
    const book = await AddressBook.load(file, () => undefined);
    const logged: string[] = [];
    let coordinator = true;
    keepers.push(await keepMeshConnected(host, book, { selfId: host.peerId.toString(), hubConnected: () => coordinator, hubGraceMs: 0, checkMs: 50, baseMs: 50, maxMs: 200, log: (level, _o, msg) => logged.push(`${level} ${msg}`) }));
    await new Promise((r) => setTimeout(r, 300));
    expect(connectedCount(host, fleet), 'the coordinator joins it to the fleet: no extra connections').toBe(0);
    coordinator = false;
    await until('3 fleet connections', () => connectedCount(host, fleet) === 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(connectedCount(host, fleet), 'no more than it needs').toBe(3);
    expect(logged).toContain('warn connected neither to the coordinator nor to another fleet host; dialing hosts from the address book');

    const gone = fleet.find((f) => host.getConnections(f.peerId).length > 0)!;
    await gone.stop();
    nodes.splice(nodes.indexOf(gone), 1);
    const rest = fleet.filter((f) => f !== gone);
    await until('back to 3 after one went', () => connectedCount(host, rest) === 3);
  });

  it('once the coordinator is back, closes the connections it opened that carry only gossip, and keeps one in use', async () => {
    const fleet = await Promise.all([start(), start(), start(), start()]);
    const BUSY = '/convoy/test/busy/1.0.0';
    for (const f of fleet) await f.handle(BUSY, () => undefined); // holds the stream open
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-mesh-'));
    dirs.push(dir);
    const book = await AddressBook.load(path.join(dir, 'peers.json'), () => undefined);
    for (const [i, f] of fleet.entries()) book.heard(f.peerId.toString(), f.getMultiaddrs().map((a) => a.toString()), i);
    const host = await start();
    const logged: string[] = [];
    let coordinator = false;
    keepers.push(await keepMeshConnected(host, book, {
      selfId: host.peerId.toString(), hubConnected: () => coordinator, hubGraceMs: 0, hubBackReleaseMs: 200, checkMs: 50,
      log: (level, _o, msg) => logged.push(`${level} ${msg}`),
    }));
    await until('3 fleet connections', () => connectedCount(host, fleet) === 3);
    const busy = fleet.find((f) => host.getConnections(f.peerId).length > 0)!;
    const stream = await host.dialProtocol(busy.peerId, BUSY);
    coordinator = true;
    await until('the idle ones closed', () => connectedCount(host, fleet) === 1);
    expect(host.getConnections(busy.peerId).length, 'the one with a stream in use stays').toBeGreaterThan(0);
    expect(logged).toContain('info coordinator reachable again; closed the fleet connections opened while it was not');
    stream.abort(new Error('done'));
    await until('the last one closed once idle', () => connectedCount(host, fleet) === 0);
  });

  it('the book tells libp2p where its hosts are, so a dial by peer id alone reaches them', async () => {
    const other = await start();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-mesh-'));
    dirs.push(dir);
    const book = await AddressBook.load(path.join(dir, 'peers.json'), () => undefined);
    book.heard(other.peerId.toString(), other.getMultiaddrs().map((a) => a.toString()), 1);
    const host = await start();
    // minPeers 0: the keeper dials nobody itself.
    keepers.push(await keepMeshConnected(host, book, { selfId: host.peerId.toString(), hubConnected: () => false, minPeers: 0, log: () => undefined }));
    await host.dial(other.peerId, { signal: AbortSignal.timeout(5000) });
    expect(host.getConnections(other.peerId).length).toBeGreaterThan(0);
  });
});
