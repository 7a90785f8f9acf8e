// Deterministic swarm simulation for the chunk scheduler: N hosts and one bandwidth-limited origin, one seed
// as the only randomness. Test-only.
//
// Fault model (what the scheduler claims to survive):
// - a request, or a data response between hosts, may be lost (the requester times out); control messages
//   (have/has/gone) ride an ordered, reliable stream per directed path, as they would on a libp2p stream. The
//   origin's responses are not lost: every lost origin response would cost a chunk of origin bytes whatever
//   the scheduler did, so losing them would measure the loss rate, not the scheduler;
// - hosts crash and restart; chunks already written survive (durable store) and the scheduler resumes from them;
//   peers learn of a crash after a detection delay;
// - at most one host serves corrupt chunks (the receiver's hash check fails);
// - the origin never fails and sends one chunk at a time at a fixed bandwidth; every byte it sends counts,
//   including bytes of a chunk whose request is cancelled part way or whose response is then lost.

import { Prng } from '../_prng.ts';
import { ChunkScheduler } from '../scheduler.ts';
import type { ChunkSchedulerInit, PeerId } from '../scheduler-types.ts';

export const TICK_MS = 10;
const ORIGIN = 'origin';

export interface SwarmOptions {
  readonly seed: number;
  readonly hosts: number;
  readonly chunks: number;
  readonly chunkBytes: number;
  readonly bundleBytes: number;
  /** Ticks the origin needs per full chunk; hosts need `hostTicksPerChunk`. */
  readonly originTicksPerChunk: number;
  readonly hostTicksPerChunk: number;
  readonly latencyTicksMax: number;
  /** Loss of requests and data responses, percent. */
  readonly lossPercent: number;
  /** Hosts that crash once and restart. */
  readonly crashes: number;
  readonly corruptHost: boolean;
  readonly maxTicks: number;
}

/** Draws the options (fault rates included) from the seed, TigerBeetle "swarm testing" style. */
export function swarmOptions(seed: number): SwarmOptions {
  const prng = new Prng(seed ^ 0x5eed);
  const chunks = prng.int(16, 48);
  const chunkBytes = 1 << 20;
  return {
    seed,
    hosts: prng.int(10, 20),
    chunks,
    chunkBytes,
    bundleBytes: chunks * chunkBytes - prng.int(0, chunkBytes - 1),
    originTicksPerChunk: prng.int(2, 6),
    hostTicksPerChunk: prng.int(1, 3),
    latencyTicksMax: prng.int(1, 4),
    lossPercent: prng.int(0, 5),
    crashes: prng.int(0, 2),
    corruptHost: prng.chance(1, 3),
    maxTicks: 20_000,
  };
}

type Body =
  | { t: 'req'; index: number }
  | { t: 'cancel'; index: number }
  | { t: 'data'; index: number; ok: boolean }
  | { t: 'fail'; index: number }
  | { t: 'have'; bits: Uint8Array }
  | { t: 'has'; index: number }
  | { t: 'gone' };

interface Msg {
  readonly from: PeerId;
  readonly to: PeerId;
  readonly body: Body;
}

interface Job {
  readonly to: PeerId;
  readonly index: number;
  remaining: number;
}

interface Host {
  readonly id: PeerId;
  readonly rank: number;
  sched: ChunkScheduler | undefined;
  readonly disk: Set<number>;
  readonly queue: Job[];
  readonly corrupt: boolean;
  crashAt: number;
  restartAt: number;
  completedAt: number;
  verifiedCount: Uint8Array;
}

export interface SwarmResult {
  readonly options: SwarmOptions;
  readonly completed: boolean;
  readonly ticks: number;
  readonly originBytes: number;
  readonly originRatio: number;
  readonly dropped: number;
  readonly failures: string[];
}

export class Swarm {
  readonly options: SwarmOptions;
  private readonly prng: Prng;
  private readonly hosts: Host[] = [];
  private readonly byId = new Map<PeerId, Host>();
  private readonly inbox = new Map<number, Msg[]>();
  private readonly pathTail = new Map<string, number>();
  private readonly originQueue: Job[] = [];
  private readonly failures: string[] = [];
  private readonly limits: Pick<ChunkSchedulerInit, 'maxInFlightPerPeer' | 'maxInFlightTotal'> = { maxInFlightPerPeer: 3, maxInFlightTotal: 8 };
  private readonly originMaxInFlight = 2;
  private originBytes = 0;
  private dropped = 0;
  private tick = 0;

  constructor(options: SwarmOptions) {
    this.options = options;
    this.prng = new Prng(options.seed);
    const corrupt = options.corruptHost ? this.prng.int(0, options.hosts - 1) : -1;
    for (let rank = 0; rank < options.hosts; rank++) {
      const host: Host = {
        id: `h${rank}`,
        rank,
        sched: undefined,
        disk: new Set(),
        queue: [],
        corrupt: rank === corrupt,
        crashAt: Infinity,
        restartAt: Infinity,
        completedAt: -1,
        verifiedCount: new Uint8Array(options.chunks),
      };
      this.hosts.push(host);
      this.byId.set(host.id, host);
    }
    for (let i = 0; i < options.crashes; i++) {
      const host = this.prng.pick(this.hosts);
      host.crashAt = this.prng.int(5, 400);
      host.restartAt = host.crashAt + this.prng.int(20, 300);
    }
  }

  run(): SwarmResult {
    for (const host of this.hosts) this.startHost(host);
    for (this.tick = 0; this.tick < this.options.maxTicks; this.tick++) {
      this.faults();
      this.deliver();
      for (const host of this.hosts) this.driveTimeout(host);
      this.serve();
      if (this.hosts.every((h) => h.sched?.isComplete === true)) break;
      if (this.failures.length > 0) break;
    }
    const completed = this.hosts.every((h) => h.sched?.isComplete === true && h.disk.size === this.options.chunks);
    if (!completed && this.failures.length === 0) {
      const missing = this.hosts.filter((h) => h.sched?.isComplete !== true).map((h) => `${h.id}(${h.disk.size}/${this.options.chunks})`);
      this.failures.push(`liveness: not complete after ${this.tick} ticks: ${missing.join(' ')}`);
    }
    for (const host of this.hosts) {
      host.verifiedCount.forEach((n, i) => {
        if (n !== 1 && completed) this.failures.push(`${host.id} verified chunk ${i} ${n} times`);
      });
    }
    return {
      options: this.options,
      completed,
      ticks: this.tick,
      originBytes: this.originBytes,
      originRatio: this.originBytes / this.options.bundleBytes,
      dropped: this.dropped,
      failures: this.failures,
    };
  }

  private now(): number {
    return this.tick * TICK_MS;
  }

  private faults(): void {
    for (const host of this.hosts) {
      if (host.crashAt === this.tick) this.crash(host);
      if (host.restartAt === this.tick) this.startHost(host);
    }
  }

  private startHost(host: Host): void {
    const { hosts, chunks, seed } = this.options;
    host.sched = new ChunkScheduler({
      chunkCount: chunks,
      now: this.now(),
      seed: (seed * 31 + host.rank * 7919 + this.tick) >>> 0,
      verified: host.disk,
      ...this.limits,
      requestTimeoutMs: 3_000,
      stallTimeoutMs: 60_000,
      origin: { rank: host.rank, hosts, graceMs: 6_000, discoveryMs: 50, maxInFlight: this.originMaxInFlight },
    });
    for (const other of this.hosts) {
      if (other === host || other.sched === undefined) continue;
      this.send(host.id, other.id, { t: 'have', bits: host.sched.bitfield() });
      this.send(other.id, host.id, { t: 'have', bits: other.sched.bitfield() });
    }
    this.drain(host);
  }

  private crash(host: Host): void {
    host.sched = undefined;
    host.queue.length = 0;
    for (const other of this.hosts) {
      if (other !== host) this.send(host.id, other.id, { t: 'gone' }, this.prng.int(1, 50));
    }
    // The origin forgets the crashed host's queued requests (its connection closed).
    for (let i = this.originQueue.length - 1; i >= 0; i--) {
      if (this.originQueue[i]?.to === host.id) this.originQueue.splice(i, 1);
    }
  }

  private send(from: PeerId, to: PeerId, body: Body, extraDelay = 0): void {
    const lossy = body.t === 'req' || (body.t === 'data' && from !== ORIGIN);
    if (lossy && this.prng.chance(this.options.lossPercent, 100)) return;
    const key = `${from}>${to}`;
    const at = Math.max(this.tick + this.prng.int(1, this.options.latencyTicksMax) + extraDelay, this.pathTail.get(key) ?? 0);
    this.pathTail.set(key, at);
    let bucket = this.inbox.get(at);
    if (bucket === undefined) this.inbox.set(at, (bucket = []));
    bucket.push({ from, to, body });
  }

  private deliver(): void {
    const due = this.inbox.get(this.tick);
    if (due === undefined) return;
    this.inbox.delete(this.tick);
    for (const msg of due) {
      if (msg.to === ORIGIN) this.originReceive(msg);
      else this.hostReceive(this.byId.get(msg.to)!, msg);
    }
  }

  private originReceive(msg: Msg): void {
    if (msg.body.t === 'req') {
      this.originQueue.push({ to: msg.from, index: msg.body.index, remaining: this.chunkBytes(msg.body.index) });
    } else if (msg.body.t === 'cancel') {
      const index = msg.body.index;
      const at = this.originQueue.findIndex((j) => j.to === msg.from && j.index === index);
      if (at >= 0) this.originQueue.splice(at, 1); // bytes already sent were counted in serve()
    }
  }

  private hostReceive(host: Host, msg: Msg): void {
    const sched = host.sched;
    if (sched === undefined) return;
    const now = this.now();
    const body = msg.body;
    switch (body.t) {
      case 'req':
        if (host.disk.has(body.index)) host.queue.push({ to: msg.from, index: body.index, remaining: this.chunkBytes(body.index) });
        else this.send(host.id, msg.from, { t: 'fail', index: body.index });
        break;
      case 'cancel': {
        const at = host.queue.findIndex((j) => j.to === msg.from && j.index === body.index);
        if (at >= 0) host.queue.splice(at, 1);
        break;
      }
      case 'data':
        // The host layer's hash check: only good bytes reach the disk.
        if (body.ok) host.disk.add(body.index);
        sched.chunkReceived(now, msg.from, body.index, body.ok);
        break;
      case 'fail':
        sched.requestFailed(now, msg.from, body.index);
        break;
      case 'have':
        sched.peerHave(now, msg.from, body.bits);
        break;
      case 'has':
        sched.peerHas(now, msg.from, body.index);
        break;
      case 'gone':
        sched.peerGone(now, msg.from);
        break;
    }
    this.drain(host);
  }

  private driveTimeout(host: Host): void {
    const due = host.sched?.pollTimeout();
    if (host.sched === undefined || due === undefined || due > this.now()) return;
    host.sched.handleTimeout(this.now());
    this.drain(host);
  }

  /** The quinn drain order: transmits, then events; checkers run on each. */
  private drain(host: Host): void {
    const sched = host.sched;
    if (sched === undefined) return;
    for (let tx = sched.pollTransmit(); tx !== undefined; tx = sched.pollTransmit()) {
      this.send(host.id, tx.peer, tx.kind === 'request' ? { t: 'req', index: tx.index } : { t: 'cancel', index: tx.index });
      if (tx.kind === 'request') this.checkLimits(host, tx.peer);
    }
    for (let ev = sched.pollEvent(); ev !== undefined; ev = sched.pollEvent()) {
      if (ev.type === 'chunk:verified') {
        if (++host.verifiedCount[ev.index]! > 1) this.failures.push(`${host.id} verified chunk ${ev.index} twice`);
        if (!host.disk.has(ev.index)) this.failures.push(`${host.id} verified chunk ${ev.index} not on disk`);
        for (const other of this.hosts) if (other !== host) this.send(host.id, other.id, { t: 'has', index: ev.index });
      } else if (ev.type === 'download:complete') {
        if (host.completedAt < 0) host.completedAt = this.tick;
      } else if (ev.type === 'peer:dropped') {
        this.dropped++;
        if (!this.byId.get(ev.peer)?.corrupt) this.failures.push(`${host.id} dropped honest peer ${ev.peer} (${ev.reason})`);
      }
    }
  }

  private checkLimits(host: Host, peer: PeerId): void {
    const sched = host.sched!;
    const perPeer = peer === ORIGIN ? this.originMaxInFlight : this.limits.maxInFlightPerPeer!;
    if (sched.inFlightTo(peer).length > perPeer) this.failures.push(`${host.id} has too many requests at ${peer}`);
    if (sched.inFlightCount > this.limits.maxInFlightTotal!) this.failures.push(`${host.id} has too many requests in flight`);
  }

  /** Each server sends from the head of its queue at its bandwidth. */
  private serve(): void {
    const { chunkBytes, originTicksPerChunk, hostTicksPerChunk } = this.options;
    const originSent = this.sendFrom(ORIGIN, this.originQueue, Math.ceil(chunkBytes / originTicksPerChunk), false);
    this.originBytes += originSent;
    for (const host of this.hosts) {
      if (host.sched !== undefined) this.sendFrom(host.id, host.queue, Math.ceil(chunkBytes / hostTicksPerChunk), host.corrupt);
    }
  }

  private sendFrom(from: PeerId, queue: Job[], budget: number, corrupt: boolean): number {
    let spent = 0;
    while (budget > 0 && queue.length > 0) {
      const job = queue[0]!;
      const n = Math.min(budget, job.remaining);
      job.remaining -= n;
      budget -= n;
      spent += n;
      if (job.remaining === 0) {
        queue.shift();
        this.send(from, job.to, { t: 'data', index: job.index, ok: !corrupt });
      }
    }
    return spent;
  }

  private chunkBytes(index: number): number {
    const { chunkBytes, bundleBytes } = this.options;
    return Math.min(chunkBytes, bundleBytes - index * chunkBytes);
  }
}
