// Sans-IO download scheduler for one revision at one host. It reads no clock, arms no timers, draws no
// unseeded randomness and does no I/O: the host feeds it inputs stamped with a monotonic `now` and drains
// its outputs.
//
// Contract (after the shape of quinn-proto's `Connection`):
// - Inputs (each takes `now` first, never decreasing): `peerHave`, `peerHas`, `chunkReceived`,
//   `requestProgress`, `requestFailed`, `peerGone`, `originAvailable`, `handleTimeout` (extra calls are
//   no-ops).
// - Outputs, drained after every input in this order: `pollTransmit()` until undefined (send each request,
//   abort each cancelled stream), `pollEvent()` until undefined, then `pollTimeout()`: call
//   `handleTimeout(now)` once the clock reaches it.
// - Every request ends in exactly one of: `chunkReceived`, `requestFailed`, a `cancel` transmit, or
//   `peerGone`/`peer:dropped` for its peer. A chunk arriving after its request ended is still accepted if
//   verified (`ok`), since its bytes are good.
// - `ok` in `chunkReceived` means the host checked the chunk's SHA-256 against the manifest (and stored it).
//
// Policies: rarest first among reachable peers (ties by a per-host seeded order), per-peer / origin / total
// in-flight limits, timeout then retry preferring another source, endgame duplicates with cancellation of the
// losers, a peer serving a corrupt chunk dropped for the revision, peers suspended after repeated failures,
// and the origin only for chunks too few reachable peers have, staggered across hosts by rank.

import { Prng, hashString } from './_prng.ts';
import { Bitfield } from './bitfield.ts';
import * as C from './constants.ts';
import type { ChunkSchedulerInit, DropReason, PeerId, SchedulerEvent, Transmit } from './scheduler-types.ts';

interface SourceState {
  /** Outstanding requests to this source: chunk index → deadline. */
  readonly inFlight: Map<number, number>;
  failures: number;
  suspendedUntil: number;
}

interface PeerState extends SourceState {
  have: Bitfield;
}

interface OriginState extends SourceState {
  readonly id: PeerId;
  available: boolean;
  dropped: boolean;
  readonly minPeers: number;
  readonly graceMs: number;
  readonly rank: number;
  readonly hosts: number;
  readonly maxInFlight: number;
  /** Start time plus the discovery delay: no origin request before it. */
  readonly discoveredAt: number;
}

export class ChunkScheduler {
  readonly chunkCount: number;
  private readonly limits: Required<Omit<ChunkSchedulerInit, 'chunkCount' | 'now' | 'seed' | 'verified' | 'origin'>>;
  private readonly seed: number;
  private readonly verified: Bitfield;
  /** Reachable (known, not suspended, not dropped) peers holding each chunk. */
  private readonly availability: Uint32Array;
  /** Per-host random order used to break ties between equally rare chunks. */
  private readonly tieRank: Uint32Array;
  private readonly peers = new Map<PeerId, PeerState>();
  private readonly dropped = new Set<PeerId>();
  private readonly origin: OriginState | undefined;
  /** Chunk index → sources it is currently requested from. */
  private readonly requests = new Map<number, Set<PeerId>>();
  /** Chunk index → sources that failed it (preferred last for that chunk). */
  private readonly failedBy = new Map<number, Set<PeerId>>();
  private readonly transmits: Transmit[] = [];
  private readonly events: SchedulerEvent[] = [];
  private inFlightTotal = 0;
  private now: number;
  private lastNoveltyAt: number;
  private lastProgressAt: number;
  private stallReported = false;
  /** Earliest time a waiting chunk or suspended source may become usable. */
  private wakeAt = Infinity;

  constructor(init: ChunkSchedulerInit) {
    assert(Number.isSafeInteger(init.chunkCount) && init.chunkCount >= 0 && init.chunkCount <= C.MAX_CHUNKS, `chunkCount must be 0..${C.MAX_CHUNKS}`);
    this.chunkCount = init.chunkCount;
    this.seed = init.seed >>> 0;
    this.now = init.now;
    this.lastNoveltyAt = init.now;
    this.lastProgressAt = init.now;
    this.limits = {
      maxInFlightPerPeer: init.maxInFlightPerPeer ?? C.DEFAULT_MAX_IN_FLIGHT_PER_PEER,
      maxInFlightTotal: init.maxInFlightTotal ?? C.DEFAULT_MAX_IN_FLIGHT_TOTAL,
      requestTimeoutMs: init.requestTimeoutMs ?? C.requestTimeoutMsFor(C.DEFAULT_CHUNK_SIZE),
      endgameChunks: init.endgameChunks ?? C.DEFAULT_ENDGAME_CHUNKS,
      endgameCopies: init.endgameCopies ?? C.DEFAULT_ENDGAME_COPIES,
      peerFailuresToSuspend: init.peerFailuresToSuspend ?? C.DEFAULT_PEER_FAILURES_TO_SUSPEND,
      peerSuspendMs: init.peerSuspendMs ?? C.DEFAULT_PEER_SUSPEND_MS,
      stallTimeoutMs: init.stallTimeoutMs ?? C.DEFAULT_STALL_TIMEOUT_MS,
    };
    for (const [name, value] of Object.entries(this.limits)) {
      const min = name === 'endgameChunks' ? 0 : 1;
      assert(Number.isFinite(value) && value >= min, `${name} must be at least ${min}, got ${value}`);
    }
    this.verified = Bitfield.of(this.chunkCount, init.verified ?? []);
    this.availability = new Uint32Array(this.chunkCount);
    const prng = new Prng(this.seed);
    this.tieRank = new Uint32Array(this.chunkCount).map(() => prng.next());
    this.origin = init.origin === false ? undefined : makeOrigin(init.origin ?? {}, init.now);
    if (this.verified.full) this.events.push({ type: 'download:complete' });
    this.schedule();
  }

  // ---- getters ----

  get isComplete(): boolean {
    return this.verified.full;
  }

  get missingCount(): number {
    return this.chunkCount - this.verified.count;
  }

  get inFlightCount(): number {
    return this.inFlightTotal;
  }

  hasChunk(index: number): boolean {
    return this.verified.has(index);
  }

  /** Verified chunks in wire form, for the host's own `have` announcements. */
  bitfield(): Uint8Array {
    return this.verified.toBytes();
  }

  /** Reachable peers known to hold `index` (the origin not counted). */
  availabilityOf(index: number): number {
    return this.availability[index] ?? 0;
  }

  /** Chunk indices currently requested from `peer`. */
  inFlightTo(peer: PeerId): number[] {
    return [...(this.source(peer)?.inFlight.keys() ?? [])];
  }

  isDropped(peer: PeerId): boolean {
    return this.dropped.has(peer) || (this.origin?.id === peer && this.origin.dropped);
  }

  // ---- inputs ----

  /** Full announce: `bitfield` is the peer's complete set of verified chunks (wire form). */
  peerHave(now: number, peer: PeerId, bitfield: Uint8Array): void {
    this.advance(now);
    if (this.ignores(peer)) return this.schedule();
    const parsed = Bitfield.fromBytes(bitfield, this.chunkCount);
    if (typeof parsed === 'string') return this.dropPeer(peer, 'bad-bitfield');
    const state = this.peers.get(peer);
    if (state === undefined) {
      this.peers.set(peer, { have: parsed, inFlight: new Map(), failures: 0, suspendedUntil: -Infinity });
      this.count(parsed, +1);
    } else {
      if (this.counted(state)) this.count(state.have, -1);
      state.have = parsed;
      if (this.counted(state)) this.count(parsed, +1);
    }
    this.schedule();
  }

  /** Incremental announce: `peer` now holds chunk `index`. */
  peerHas(now: number, peer: PeerId, index: number): void {
    this.advance(now);
    if (this.ignores(peer)) return this.schedule();
    if (!this.verified.inRange(index)) return this.dropPeer(peer, 'bad-index', index);
    let state = this.peers.get(peer);
    if (state === undefined) {
      state = { have: new Bitfield(this.chunkCount), inFlight: new Map(), failures: 0, suspendedUntil: -Infinity };
      this.peers.set(peer, state);
    }
    if (state.have.set(index) && this.counted(state)) this.bump(index, +1);
    this.schedule();
  }

  /** The response to a request arrived; `ok` says the host verified its hash (and stored it). */
  chunkReceived(now: number, peer: PeerId, index: number, ok: boolean): void {
    this.advance(now);
    if (!this.verified.inRange(index)) return this.dropPeer(peer, 'bad-index', index);
    this.endRequest(peer, index);
    if (!ok) return this.dropPeer(peer, 'corrupt-chunk', index);
    const state = this.source(peer);
    if (state !== undefined) state.failures = 0;
    if (this.verified.set(index)) this.onVerified(index, peer);
    this.schedule();
  }

  /**
   * Bytes of an outstanding request arrived. Its deadline restarts: the timeout bounds a silence, not the
   * whole transfer, so a chunk that is moving slowly (a busy server, a thin link) is not re-requested elsewhere
   * while its bytes keep coming; each such retry moved the chunk twice.
   */
  requestProgress(now: number, peer: PeerId, index: number): void {
    this.advance(now);
    const state = this.source(peer);
    if (state?.inFlight.has(index) !== true) return;
    state.inFlight.set(index, now + this.limits.requestTimeoutMs);
    // The origin is serving us, so it is serving the hosts ahead of us too: their chunks are on the way, and
    // asking for them as well would only split the origin further. At the start of a 20-host swarm every
    // owner asks at once, and on a busy machine the first chunks took longer than a grace period; non-owners
    // then asked too (6 of 45 origin requests in one run).
    if (peer === this.origin?.id) this.lastNoveltyAt = now;
  }

  /** The request failed without data (stream error, refusal). The chunk is retried, preferably elsewhere. */
  requestFailed(now: number, peer: PeerId, index: number): void {
    this.advance(now);
    if (this.endRequest(peer, index)) this.recordFailure(peer, index);
    this.schedule();
  }

  /** The peer disconnected. It may come back with a new `peerHave`. Its requests end without cancels. */
  peerGone(now: number, peer: PeerId): void {
    this.advance(now);
    if (this.origin?.id === peer) {
      this.origin.available = false;
      for (const index of [...this.origin.inFlight.keys()]) this.endRequest(peer, index);
    } else {
      const state = this.peers.get(peer);
      if (state !== undefined) {
        for (const index of [...state.inFlight.keys()]) this.endRequest(peer, index);
        if (this.counted(state)) this.count(state.have, -1);
        this.peers.delete(peer);
      }
    }
    this.schedule();
  }

  /** The origin became reachable (or not). A dropped origin stays dropped. */
  originAvailable(now: number, available: boolean): void {
    this.advance(now);
    if (this.origin !== undefined && !this.origin.dropped) {
      this.origin.available = available;
      if (!available) for (const index of [...this.origin.inFlight.keys()]) this.endRequest(this.origin.id, index);
    }
    this.schedule();
  }

  handleTimeout(now: number): void {
    this.advance(now);
    for (const [index, sources] of [...this.requests]) {
      for (const peer of [...sources]) {
        const deadline = this.source(peer)?.inFlight.get(index);
        if (deadline !== undefined && deadline <= now) {
          this.endRequest(peer, index);
          this.transmits.push({ kind: 'cancel', peer, index });
          this.recordFailure(peer, index);
        }
      }
    }
    if (!this.isComplete && !this.stallReported && now >= this.lastProgressAt + this.limits.stallTimeoutMs) {
      this.stallReported = true;
      this.events.push({ type: 'download:stalled', missing: this.missingCount, noSource: this.noSourceCount() });
    }
    this.schedule();
  }

  // ---- outputs ----

  pollTransmit(): Transmit | undefined {
    return this.transmits.shift();
  }

  pollEvent(): SchedulerEvent | undefined {
    return this.events.shift();
  }

  /** Earliest time at which `handleTimeout` has work, or undefined when nothing is pending. */
  pollTimeout(): number | undefined {
    if (this.isComplete) return undefined;
    let next = this.wakeAt;
    for (const [index, sources] of this.requests) {
      for (const peer of sources) next = Math.min(next, this.source(peer)?.inFlight.get(index) ?? Infinity);
    }
    if (!this.stallReported) next = Math.min(next, this.lastProgressAt + this.limits.stallTimeoutMs);
    return Number.isFinite(next) ? next : undefined;
  }

  // ---- scheduling ----

  private schedule(): void {
    this.wakeAt = Infinity;
    if (this.isComplete) return;
    this.resumeSuspended();
    if (this.inFlightTotal >= this.limits.maxInFlightTotal) return;
    const endgame = this.missingCount <= this.limits.endgameChunks;
    const copiesMax = endgame ? this.limits.endgameCopies : 1;
    const wanted: number[] = [];
    for (let i = 0; i < this.chunkCount; i++) {
      if (!this.verified.has(i) && (this.requests.get(i)?.size ?? 0) < copiesMax) wanted.push(i);
    }
    wanted.sort((a, b) => this.compareRarity(a, b));
    for (const index of wanted) {
      if (this.inFlightTotal >= this.limits.maxInFlightTotal) break;
      const peer = this.pickPeer(index);
      if (peer !== undefined) {
        this.startRequest(peer, index);
      } else if ((this.requests.get(index)?.size ?? 0) === 0) {
        this.tryOrigin(index);
      }
    }
  }

  private compareRarity(a: number, b: number): number {
    const byAvailability = (this.availability[a] ?? 0) - (this.availability[b] ?? 0);
    if (byAvailability !== 0) return byAvailability;
    const byCopies = (this.requests.get(a)?.size ?? 0) - (this.requests.get(b)?.size ?? 0);
    if (byCopies !== 0) return byCopies;
    return (this.tieRank[a] ?? 0) - (this.tieRank[b] ?? 0) || a - b;
  }

  /** Least-loaded reachable holder with spare capacity, preferring peers that have not failed this chunk. */
  private pickPeer(index: number): PeerId | undefined {
    if ((this.availability[index] ?? 0) === 0) return undefined;
    const asked = this.requests.get(index);
    const failed = this.failedBy.get(index);
    let best: PeerId | undefined;
    let bestKey = [Infinity, Infinity, Infinity];
    for (const [peer, state] of this.peers) {
      if (!state.have.has(index) || !this.counted(state) || asked?.has(peer)) continue;
      if (state.inFlight.size >= this.limits.maxInFlightPerPeer) continue;
      const key = [failed?.has(peer) ? 1 : 0, state.inFlight.size, hashString(peer, this.seed ^ index)];
      if (lexLess(key, bestKey)) {
        best = peer;
        bestKey = key;
      }
    }
    return best;
  }

  private tryOrigin(index: number): void {
    const origin = this.origin;
    if (origin === undefined || !origin.available || origin.dropped) return;
    const holders = this.availability[index] ?? 0;
    if (holders >= origin.minPeers) return;
    if (origin.suspendedUntil > this.now) return;
    const slot = staggerSlot(index, origin.rank, origin.hosts);
    const slots = holders === 0 && slot === 0 ? 0 : Math.max(1, slot);
    const readyAt = Math.max(origin.discoveredAt, this.lastNoveltyAt + slots * origin.graceMs);
    if (readyAt > this.now) {
      this.wakeAt = Math.min(this.wakeAt, readyAt);
      return;
    }
    if (origin.inFlight.size < origin.maxInFlight) this.startRequest(origin.id, index);
  }

  private startRequest(peer: PeerId, index: number): void {
    const state = this.source(peer);
    assert(state !== undefined, `no source ${peer}`);
    state.inFlight.set(index, this.now + this.limits.requestTimeoutMs);
    let sources = this.requests.get(index);
    if (sources === undefined) this.requests.set(index, (sources = new Set()));
    sources.add(peer);
    this.inFlightTotal++;
    this.transmits.push({ kind: 'request', peer, index });
  }

  /** Forgets the request (peer, index) if it exists; returns whether it did. */
  private endRequest(peer: PeerId, index: number): boolean {
    const state = this.source(peer);
    if (state === undefined || !state.inFlight.delete(index)) return false;
    const sources = this.requests.get(index);
    sources?.delete(peer);
    if (sources?.size === 0) this.requests.delete(index);
    this.inFlightTotal--;
    assert(this.inFlightTotal >= 0, 'in-flight count went negative');
    return true;
  }

  private onVerified(index: number, peer: PeerId): void {
    this.lastProgressAt = this.now;
    this.lastNoveltyAt = this.now;
    this.stallReported = false;
    this.failedBy.delete(index);
    this.events.push({ type: 'chunk:verified', index, peer });
    for (const other of [...(this.requests.get(index) ?? [])]) {
      this.endRequest(other, index);
      this.transmits.push({ kind: 'cancel', peer: other, index });
    }
    if (this.isComplete) this.events.push({ type: 'download:complete' });
  }

  private recordFailure(peer: PeerId, index: number): void {
    let failed = this.failedBy.get(index);
    if (failed === undefined) this.failedBy.set(index, (failed = new Set()));
    failed.add(peer);
    const state = this.source(peer);
    if (state === undefined || ++state.failures < this.limits.peerFailuresToSuspend) return;
    const peerState = this.peers.get(peer);
    if (peerState !== undefined && this.counted(peerState)) this.count(peerState.have, -1);
    state.failures = 0;
    state.suspendedUntil = this.now + this.limits.peerSuspendMs;
  }

  /** Puts peers whose suspension ended back into availability; notes the next expiry in `wakeAt`. */
  private resumeSuspended(): void {
    for (const state of this.peers.values()) {
      if (state.suspendedUntil === -Infinity) continue;
      if (state.suspendedUntil <= this.now) {
        state.suspendedUntil = -Infinity;
        this.count(state.have, +1);
      } else {
        this.wakeAt = Math.min(this.wakeAt, state.suspendedUntil);
      }
    }
    const origin = this.origin;
    if (origin !== undefined && origin.suspendedUntil > this.now) this.wakeAt = Math.min(this.wakeAt, origin.suspendedUntil);
  }

  private dropPeer(peer: PeerId, reason: DropReason, index?: number): void {
    const origin = this.origin;
    // Once: a dropped peer's other chunks can still come back failed (their checks were under way).
    if (origin?.id === peer ? origin.dropped : this.dropped.has(peer)) return;
    if (origin?.id === peer) {
      for (const i of [...origin.inFlight.keys()]) this.cancelRequest(peer, i);
      origin.dropped = true;
      origin.available = false;
    } else {
      const state = this.peers.get(peer);
      if (state !== undefined) {
        for (const i of [...state.inFlight.keys()]) this.cancelRequest(peer, i);
        if (this.counted(state)) this.count(state.have, -1);
        this.peers.delete(peer);
      }
      this.dropped.add(peer);
    }
    this.events.push(index === undefined ? { type: 'peer:dropped', peer, reason } : { type: 'peer:dropped', peer, reason, index });
    this.schedule();
  }

  private cancelRequest(peer: PeerId, index: number): void {
    if (this.endRequest(peer, index)) this.transmits.push({ kind: 'cancel', peer, index });
  }

  // ---- helpers ----

  private advance(now: number): void {
    assert(Number.isFinite(now) && now >= this.now, `time went backwards: ${now} < ${this.now}`);
    this.now = now;
  }

  private ignores(peer: PeerId): boolean {
    return this.dropped.has(peer) || this.origin?.id === peer;
  }

  private source(peer: PeerId): SourceState | undefined {
    return this.origin?.id === peer ? this.origin : this.peers.get(peer);
  }

  private counted(state: PeerState): boolean {
    return state.suspendedUntil === -Infinity;
  }

  private count(have: Bitfield, delta: 1 | -1): void {
    for (const index of have.indices()) this.bump(index, delta);
  }

  private bump(index: number, delta: 1 | -1): void {
    const before = this.availability[index] ?? 0;
    assert(before + delta >= 0, `availability of chunk ${index} went negative`);
    this.availability[index] = before + delta;
    if (before === 0 && delta === 1 && !this.verified.has(index)) this.lastNoveltyAt = this.now;
  }

  private noSourceCount(): number {
    const originUsable = this.origin !== undefined && this.origin.available && !this.origin.dropped;
    if (originUsable) return 0;
    let n = 0;
    for (let i = 0; i < this.chunkCount; i++) if (!this.verified.has(i) && (this.availability[i] ?? 0) === 0) n++;
    return n;
  }
}

function makeOrigin(init: NonNullable<Exclude<ChunkSchedulerInit['origin'], false>>, now: number): OriginState {
  const hosts = init.hosts ?? 1;
  const rank = init.rank ?? 0;
  assert(Number.isSafeInteger(hosts) && hosts >= 1, `origin.hosts must be a positive integer, got ${hosts}`);
  assert(Number.isSafeInteger(rank) && rank >= 0 && rank < hosts, `origin.rank must be 0..${hosts - 1}, got ${rank}`);
  const state: OriginState = {
    id: init.id ?? C.DEFAULT_ORIGIN_ID,
    available: init.available ?? true,
    dropped: false,
    minPeers: init.minPeers ?? 1,
    graceMs: init.graceMs ?? C.DEFAULT_ORIGIN_GRACE_MS,
    rank,
    hosts,
    maxInFlight: init.maxInFlight ?? C.DEFAULT_MAX_IN_FLIGHT_ORIGIN,
    discoveredAt: now + (init.discoveryMs ?? C.DEFAULT_ORIGIN_DISCOVERY_MS),
    inFlight: new Map(),
    failures: 0,
    suspendedUntil: -Infinity,
  };
  assert(state.minPeers >= 1 && state.graceMs >= 0 && state.maxInFlight >= 1, 'origin limits must be positive');
  return state;
}

/** Distance in rank order from the chunk's owner (rank `index mod hosts`) to this host, capped. */
export function staggerSlot(index: number, rank: number, hosts: number): number {
  const distance = (((rank - (index % hosts)) % hosts) + hosts) % hosts;
  return Math.min(distance, C.ORIGIN_STAGGER_SLOTS_MAX);
}

function lexLess(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`ChunkScheduler invariant: ${message}`);
}
