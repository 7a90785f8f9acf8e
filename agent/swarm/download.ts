// Drives one revision download at one host: owns the only clock and timers, feeds the sans-IO
// ChunkScheduler with what sessions and the origin report, carries out its transmits, and streams chunk
// pieces to the ChunkStore as they arrive, from the buffers they arrived in (a chunk is buffered in memory
// only when a second sender sends it at the same time, in the endgame). Peers are the other targets of the
// deployment plus any host that opens a session to us for the same revision; a peer that serves a chunk
// failing its hash is dropped for this revision and logged.
import { ChunkScheduler } from '../../protocol/chunks/scheduler.ts';
import { DEFAULT_MAX_IN_FLIGHT_TOTAL, requestTimeoutMsFor } from '../../protocol/chunks/constants.ts';
import { chunkLength } from '../../protocol/chunks/manifest.ts';
import type { ChunkSchedulerInit, SchedulerEvent, Transmit } from '../../protocol/chunks/scheduler-types.ts';
import type { FleetNode } from '../network/node.ts';
import type { FetchProgress } from '../fetch/revision-source.ts';
import type { ChunkWriter, WriteChunkResult } from '../chunkstore/store.ts';
import type { HeldStore } from './catalog.ts';
import { noteBytesMoved } from '../runtime/heap.ts';
import { TokenBucket } from './flow.ts';
import type { OriginLink } from './origin.ts';
import { ChunkSession, type SessionTarget } from './session.ts';
import type { Hello } from './wire.ts';
import type { Uint8ArrayList } from 'uint8arraylist';

export const ORIGIN_ID = 'origin';
/** Redial a known peer that is not connected at most this often. */
const REDIAL_MS = 1000;
const REDIAL_MAX_MS = 5000;
/** Most chunk requests in flight at once (they stream to disk; only endgame duplicates are buffered). */
const MAX_IN_FLIGHT_TOTAL = 8;

export type SwarmLog = (level: 'debug' | 'info' | 'warn', obj: Record<string, unknown>, msg: string) => void;

export interface SwarmDownloadInit {
  readonly node: FleetNode;
  readonly selfId: string;
  readonly entry: HeldStore;
  readonly hello: Hello;
  readonly origin: OriginLink | undefined;
  /** This host's rank among the deployment's targets, for the origin stagger. */
  readonly rank: number;
  readonly hosts: number;
  readonly download: TokenBucket;
  readonly log: SwarmLog;
  readonly onProgress: (p: FetchProgress) => void;
  readonly signal: AbortSignal;
  readonly schedulerOverrides?: Partial<ChunkSchedulerInit>;
  readonly now?: () => number;
}

export interface DownloadStats {
  readonly chunks: number;
  readonly resumed: number;
  readonly fromPeers: number;
  readonly fromOrigin: number;
  readonly originBytes: number;
  readonly peerBytes: number;
  readonly droppedPeers: string[];
  readonly ms: number;
}

type Assembly =
  | { readonly writer: ChunkWriter; readonly length: number; filled: number }
  | { readonly buf: Buffer; readonly length: number; filled: number };

interface PeerLink {
  readonly session: ChunkSession;
  announced: boolean;
}

interface KnownPeer {
  addrs: readonly string[] | undefined;
  retryAt: number;
  failures: number;
}

/** Up to this size every host may go to the origin at once: waiting for peers would cost more than the bytes. */
const SMALL_BUNDLE_BYTES = 8 * 1024 * 1024;

export class SwarmDownload {
  private readonly sched: ChunkScheduler;
  private readonly now: () => number;
  private readonly known = new Map<string, KnownPeer>();
  private readonly links = new Map<string, PeerLink>();
  private readonly dropped = new Set<string>();
  /** `${source}\n${index}` → partially received chunk: streaming to disk, or buffered (a second sender). */
  private readonly assembling = new Map<string, Assembly>();
  /** Source → chunk indices requested from it and not finished. */
  private readonly requested = new Map<string, Set<number>>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private readonly dialTimer: NodeJS.Timeout;
  private finished = false;
  private readonly startedAt: number;
  private readonly resumed: number;
  private fromPeers = 0;
  private fromOrigin = 0;
  private originBytes = 0;
  private peerBytes = 0;
  private verifiedBytes = 0;
  private readonly result: Promise<DownloadStats>;
  private resolve!: (s: DownloadStats) => void;
  private reject!: (e: Error) => void;

  constructor(private readonly init: SwarmDownloadInit) {
    this.now = init.now ?? (() => performance.now());
    this.result = new Promise((res, rej) => { this.resolve = res; this.reject = rej; });
    const store = init.entry.store;
    const manifest = store.manifest;
    const verified = store.verifiedChunks();
    this.resumed = verified.length;
    for (const i of verified) this.verifiedBytes += chunkLength(manifest, i);
    const rate = init.download.bytesPerSec;
    const inFlight = rate !== undefined && rate > 0
      ? Math.max(2, Math.min(MAX_IN_FLIGHT_TOTAL, Math.ceil((rate * 2) / manifest.chunkSize)))
      : MAX_IN_FLIGHT_TOTAL;
    const timeout = Math.max(requestTimeoutMsFor(manifest.chunkSize), rate !== undefined && rate > 0 ? Math.ceil(((inFlight + 1) * manifest.chunkSize / rate) * 2000) : 0);
    this.startedAt = this.now();
    this.sched = new ChunkScheduler({
      chunkCount: manifest.chunks.length,
      now: this.startedAt,
      seed: hashSeed(init.selfId),
      verified,
      origin: init.origin === undefined ? false : {
        id: ORIGIN_ID, available: init.origin.kind === 's3', rank: init.rank, hosts: init.hosts,
        // A small revision costs the origin little even N times over: no discovery wait, no stagger.
        ...(manifest.bundleSize <= SMALL_BUNDLE_BYTES ? { discoveryMs: 0, graceMs: 0 } : {}),
      },
      maxInFlightTotal: Math.min(inFlight, DEFAULT_MAX_IN_FLIGHT_TOTAL),
      requestTimeoutMs: timeout,
      ...init.schedulerOverrides,
    });
    this.dialTimer = setInterval(() => this.dialKnown(), REDIAL_MS / 2);
    init.signal.addEventListener('abort', () => this.fail(init.signal.reason instanceof Error ? init.signal.reason : new Error('download aborted')), { once: true });
  }

  /** Runs until every chunk is verified on disk; resolves with counters. */
  run(): Promise<DownloadStats> {
    const { origin } = this.init;
    origin?.start({
      available: (ok) => {
        if (!ok) this.forgetSource(ORIGIN_ID);
        this.input((now) => this.sched.originAvailable(now, ok));
      },
      piece: (index, offset, bytes) => this.onPiece(ORIGIN_ID, index, offset, bytes),
      failed: (index, reason) => {
        this.init.log('debug', { index, reason }, 'origin request failed');
        this.requested.get(ORIGIN_ID)?.delete(index);
        this.dropAssembly(`${ORIGIN_ID}\n${index}`);
        this.input((now) => this.sched.requestFailed(now, ORIGIN_ID, index));
      },
      fatal: (err) => this.fail(err),
    });
    this.dialKnown();
    this.pump();
    return this.result;
  }

  /** A peer that may hold (part of) the revision: a deployment target or a host that opened a session to us. */
  addPeer(peerId: string, addrs?: readonly string[]): void {
    if (peerId === this.init.selfId || this.init.origin?.peerIds.includes(peerId)) return;
    const known = this.known.get(peerId);
    if (known === undefined) this.known.set(peerId, { addrs, retryAt: 0, failures: 0 });
    else {
      if (addrs !== undefined && addrs.length > 0) known.addrs = addrs;
      known.retryAt = Math.min(known.retryAt, this.now());
    }
    if (!this.finished) queueMicrotask(() => this.dialKnown());
  }

  get peerCount(): number {
    let n = 0;
    for (const link of this.links.values()) if (link.announced) n++;
    return n;
  }

  // ---- sessions ----

  private dialKnown(): void {
    if (this.finished) return;
    const now = this.now();
    for (const [peer, known] of this.known) {
      if (this.links.has(peer) || this.dropped.has(peer) || known.retryAt > now) continue;
      this.openLink(peer, known);
    }
  }

  private openLink(peer: string, known: KnownPeer): void {
    const link: PeerLink = {
      announced: false,
      session: ChunkSession.open(this.init.node, { peerId: peer, ...(known.addrs !== undefined ? { addrs: known.addrs } : {}) } satisfies SessionTarget, this.init.hello, this.init.download, {
        onBitfield: (bytes) => {
          link.announced = true;
          known.failures = 0;
          this.input((now) => this.sched.peerHave(now, peer, bytes));
        },
        onHave: (index) => this.input((now) => this.sched.peerHas(now, peer, index)),
        onPiece: (index, offset, bytes) => this.onPiece(peer, index, offset, bytes),
        onReject: (index) => {
          this.requested.get(peer)?.delete(index);
          this.dropAssembly(`${peer}\n${index}`);
          this.input((now) => this.sched.requestFailed(now, peer, index));
        },
        onClose: (err) => {
          if (this.links.get(peer) !== link) return;
          this.links.delete(peer);
          this.forgetSource(peer);
          if (link.announced) this.input((now) => this.sched.peerGone(now, peer));
          known.failures = link.announced ? 0 : known.failures + 1;
          known.retryAt = this.now() + Math.min(REDIAL_MAX_MS, REDIAL_MS * 2 ** Math.min(known.failures, 3));
          if (err !== undefined) this.init.log('debug', { peer, err: err.message }, 'chunk session closed');
        },
      }),
    };
    this.links.set(peer, link);
  }

  private forgetSource(source: string): void {
    this.requested.delete(source);
    for (const key of [...this.assembling.keys()]) if (key.startsWith(`${source}\n`)) this.dropAssembly(key);
  }

  /** Forgets a partial chunk; a streaming one stops writing (its writes under way still land, then it is free). */
  private dropAssembly(key: string): void {
    const a = this.assembling.get(key);
    this.assembling.delete(key);
    if (a !== undefined && 'writer' in a) void a.writer.abort();
  }

  // ---- data ----

  private onPiece(source: string, index: number, offset: number, bytes: Uint8Array | Uint8ArrayList): void {
    if (this.finished) return;
    const key = `${source}\n${index}`;
    const store = this.init.entry.store;
    let a = this.assembling.get(key);
    // A transfer that restarts from byte 0 (the source re-sent the chunk after a reconnect) replaces the old one.
    if (a !== undefined && offset === 0 && a.filled > 0) {
      this.dropAssembly(key);
      a = undefined;
    }
    if (a === undefined) {
      // Only chunks we asked this source for, from their first byte (a cancelled chunk's tail is ignored).
      if (offset !== 0 || this.requested.get(source)?.has(index) !== true || index >= store.manifest.chunks.length) return;
      const length = chunkLength(store.manifest, index);
      const writer = store.beginChunk(index);
      a = writer !== undefined ? { writer, length, filled: 0 } : { buf: Buffer.allocUnsafe(length), length, filled: 0 };
      this.assembling.set(key, a);
    }
    if (offset !== a.filled || offset + bytes.byteLength > a.length) {
      this.dropAssembly(key);
      this.requested.get(source)?.delete(index);
      this.init.log('warn', { peer: source, index, offset }, 'peer sent chunk bytes out of order or past the chunk end');
      this.input((now) => this.sched.chunkReceived(now, source, index, false));
      return;
    }
    if ('writer' in a) {
      // Refused only once the writer was given up (the chunk came whole from another sender meanwhile).
      if (!a.writer.write(bytes)) {
        this.assembling.delete(key);
        return;
      }
    } else if (bytes instanceof Uint8Array) a.buf.set(bytes, offset);
    else {
      let at = offset;
      for (const part of bytes) {
        a.buf.set(part, at);
        at += part.byteLength;
      }
    }
    a.filled += bytes.byteLength;
    noteBytesMoved(bytes.byteLength);
    if (source === ORIGIN_ID) this.originBytes += bytes.byteLength;
    else this.peerBytes += bytes.byteLength;
    if (a.filled < a.length) {
      this.input((now) => this.sched.requestProgress(now, source, index));
      return;
    }
    this.assembling.delete(key);
    this.requested.get(source)?.delete(index);
    const length = a.length;
    const done: Promise<WriteChunkResult> = 'writer' in a ? a.writer.finish() : store.writeChunk(index, a.buf);
    done.then(
      (r) => {
        if (!r.ok) this.init.log('warn', { peer: source, index, reason: r.reason, message: r.message }, 'chunk failed verification');
        else if (!r.duplicate) {
          if (source === ORIGIN_ID) this.fromOrigin++;
          else this.fromPeers++;
          this.verifiedBytes += length;
        }
        this.input((now) => this.sched.chunkReceived(now, source, index, r.ok));
      },
      (err: unknown) => this.fail(err instanceof Error ? err : new Error(String(err))),
    );
  }

  // ---- scheduler plumbing ----

  private input(apply: (now: number) => void): void {
    if (this.finished) return;
    apply(Math.max(this.now(), this.lastNow));
    this.pump();
  }

  private lastNow = 0;

  private pump(): void {
    if (this.finished) return;
    this.lastNow = Math.max(this.lastNow, this.now());
    for (let t = this.sched.pollTransmit(); t !== undefined; t = this.sched.pollTransmit()) this.transmit(t);
    for (let e = this.sched.pollEvent(); e !== undefined; e = this.sched.pollEvent()) this.event(e);
    if (this.finished) return;
    const at = this.sched.pollTimeout();
    if (at === undefined) {
      clearTimeout(this.timer);
      this.timerAt = Infinity;
    } else if (at < this.timerAt) {
      // A later deadline (progress moves them every piece) keeps the armed timer: it fires early, finds
      // nothing due, and the pump after it arms the next one.
      clearTimeout(this.timer);
      this.timerAt = at;
      this.timer = setTimeout(() => {
        this.timerAt = Infinity;
        this.input((now) => this.sched.handleTimeout(now));
      }, Math.max(0, Math.ceil(at - this.now())));
    }
  }

  private transmit(t: Transmit): void {
    if (t.kind === 'request') {
      let set = this.requested.get(t.peer);
      if (set === undefined) this.requested.set(t.peer, (set = new Set()));
      set.add(t.index);
      if (t.peer === ORIGIN_ID) {
        this.init.origin?.request(t.index);
        return;
      }
      const link = this.links.get(t.peer);
      if (link !== undefined) link.session.request(t.index);
      else queueMicrotask(() => this.input((now) => this.sched.requestFailed(now, t.peer, t.index)));
    } else {
      this.requested.get(t.peer)?.delete(t.index);
      this.dropAssembly(`${t.peer}\n${t.index}`);
      if (t.peer === ORIGIN_ID) this.init.origin?.cancel(t.index);
      else this.links.get(t.peer)?.session.cancel(t.index);
    }
  }

  private event(e: SchedulerEvent): void {
    switch (e.type) {
      case 'chunk:verified':
        this.init.entry.held.announce(e.index);
        this.init.onProgress({ bytes: this.verifiedBytes, total: this.init.entry.store.manifest.bundleSize, peers: this.peerCount });
        break;
      case 'peer:dropped': {
        this.dropped.add(e.peer);
        this.init.log('warn', { peer: e.peer, reason: e.reason, index: e.index, revision: this.init.hello.bundle.slice(0, 12) }, `peer dropped for this revision: ${e.reason}`);
        const link = this.links.get(e.peer);
        this.links.delete(e.peer);
        this.forgetSource(e.peer);
        link?.session.close();
        if (e.peer === ORIGIN_ID) this.init.origin?.close();
        break;
      }
      case 'download:stalled':
        this.init.log('warn', { missing: e.missing, noSource: e.noSource, peers: this.peerCount }, 'download stalled: no chunk verified for a while');
        break;
      case 'download:complete':
        this.finish();
        break;
    }
  }

  private finish(): void {
    if (this.finished) return;
    this.stop();
    this.resolve({
      chunks: this.init.entry.store.manifest.chunks.length, resumed: this.resumed,
      fromPeers: this.fromPeers, fromOrigin: this.fromOrigin, originBytes: this.originBytes, peerBytes: this.peerBytes,
      droppedPeers: [...this.dropped], ms: Math.round(this.now() - this.startedAt),
    });
  }

  private fail(err: Error): void {
    if (this.finished) return;
    this.stop();
    this.reject(err);
  }

  private stop(): void {
    this.finished = true;
    clearTimeout(this.timer);
    clearInterval(this.dialTimer);
    for (const link of this.links.values()) link.session.close();
    this.links.clear();
    for (const key of [...this.assembling.keys()]) this.dropAssembly(key);
    this.init.origin?.close();
  }
}

function hashSeed(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
