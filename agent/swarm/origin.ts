// The origin of a revision: the source that holds every chunk (the coordinator's revision store, or S3).
// The scheduler treats it as a pseudo-peer that it asks only for chunks no reachable peer has; the driver
// forwards the scheduler's origin transmits to an `OriginLink`.
import type { Uint8ArrayList } from 'uint8arraylist';
import type { FleetNode } from '../network/node.ts';
import type { Manifest } from '../../protocol/chunks/manifest.ts';
import { Bitfield } from '../../protocol/chunks/bitfield.ts';
import { TokenBucket } from './flow.ts';
import { ChunkSession, type SessionTarget } from './session.ts';
import type { Hello } from './wire.ts';

export interface OriginCallbacks {
  available(ok: boolean): void;
  piece(index: number, offset: number, bytes: Uint8Array | Uint8ArrayList): void;
  failed(index: number, reason: string): void;
  /** The origin can never serve this revision (e.g. the S3 object's ETag is not the signed one). */
  fatal(err: Error): void;
}

export interface OriginLink {
  /** `seed` (a peer serving the chunk protocol from its revision store) or `s3`. */
  readonly kind: 'seed' | 's3';
  /** Peer id of a seed origin (its sessions are not counted as swarm peers). */
  readonly peerIds: readonly string[];
  start(callbacks: OriginCallbacks): void;
  request(index: number): void;
  cancel(index: number): void;
  close(): void;
}

/** Seed peers (the coordinator) serving the chunk protocol; the first reachable one serves. */
export class SeedOrigin implements OriginLink {
  readonly kind = 'seed';
  private session: ChunkSession | undefined;
  private ready = false;
  private closed = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private callbacks: OriginCallbacks | undefined;

  constructor(
    private readonly node: FleetNode,
    private readonly seeds: readonly SessionTarget[],
    private readonly hello: Hello,
    private readonly manifest: Manifest,
    private readonly download: TokenBucket,
  ) {}

  get peerIds(): string[] {
    return this.seeds.map((s) => s.peerId);
  }

  start(callbacks: OriginCallbacks): void {
    this.callbacks = callbacks;
    this.connect();
  }

  request(index: number): void {
    if (this.session !== undefined && this.ready) this.session.request(index);
    else queueMicrotask(() => this.callbacks?.failed(index, 'origin not connected'));
  }

  cancel(index: number): void {
    this.session?.cancel(index);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.session?.close();
  }

  private connect(): void {
    if (this.closed || this.seeds.length === 0) return;
    const target = this.seeds[this.attempt++ % this.seeds.length] as SessionTarget;
    const cb = this.callbacks as OriginCallbacks;
    const session = ChunkSession.open(this.node, target, this.hello, this.download, {
      onBitfield: (bytes) => {
        const have = Bitfield.fromBytes(bytes, this.manifest.chunks.length);
        if (typeof have !== 'string' && have.full) {
          this.ready = true;
          cb.available(true);
        }
      },
      onPiece: (index, offset, bytes) => cb.piece(index, offset, bytes),
      onReject: (index) => cb.failed(index, 'origin rejected the request'),
      onClose: () => {
        if (this.session !== session) return;
        this.session = undefined;
        if (this.ready) cb.available(false);
        this.ready = false;
        if (!this.closed) this.timer = setTimeout(() => this.connect(), 1000);
      },
    });
    this.session = session;
  }
}
