// Serving side of chunk sessions: answers a HELLO with the manifest (when asked), the bitfield and then
// incremental HAVEs; serves REQUESTs one chunk at a time per session, in PIECE_BYTES slices through the
// host's upload token bucket; drops queued chunks on CANCEL and stops a chunk in progress.
import { pipe } from 'it-pipe';
import * as lp from 'it-length-prefixed';
import type { Uint8ArrayList } from 'uint8arraylist';
import { chunkLength, chunkOffset } from '../../protocol/chunks/manifest.ts';
import type { FleetNode } from '../network/node.ts';
import { FrameQueue, TokenBucket } from './flow.ts';
import type { HeldRevision, RevisionLocator } from './held.ts';
import { noteBytesMoved } from '../runtime/heap.ts';
import { FRAME, PIECE_BYTES, PROTOCOL_CHUNKS, decodeFrame, encodeFrame, pieceFrame, type Hello } from './wire.ts';

/** Requester frames are tiny (HELLO, REQUEST, CANCEL). */
const MAX_REQUESTER_FRAME = 16 * 1024;
/** Requests a session may queue at the server; more are rejected. */
const MAX_QUEUED_PER_SESSION = 16;

export interface ChunkServerOptions {
  readonly upload: TokenBucket;
  /** A requester opened a session for a revision this host holds (the host may dial back to fetch from it). */
  readonly onSession?: (peer: string, hello: Hello) => void;
  readonly log: (level: 'debug' | 'info' | 'warn', obj: Record<string, unknown>, msg: string) => void;
  /** Counts bytes served, for benchmarks and logs. */
  readonly onServed?: (peer: string, bytes: number) => void;
}

export async function serveChunks(node: FleetNode, locate: RevisionLocator, opts: ChunkServerOptions): Promise<void> {
  await node.handle(
    PROTOCOL_CHUNKS,
    ({ stream, connection }) => {
      const peer = connection.remotePeer.toString();
      serveSession(stream, peer, locate, opts).catch((err: unknown) => {
        opts.log('debug', { peer, err: (err as Error).message }, 'chunk session ended with an error');
        stream.abort(err instanceof Error ? err : new Error(String(err)));
      });
    },
    { maxInboundStreams: 256, runOnLimitedConnection: false },
  );
}

type Duplex = Parameters<Parameters<FleetNode['handle']>[1]>[0]['stream'];

async function serveSession(stream: Duplex, peer: string, locate: RevisionLocator, opts: ChunkServerOptions): Promise<void> {
  const out = new FrameQueue();
  const sinkDone = pipe(out, (source) => lp.encode(source), stream);
  const frames = lp.decode(stream.source, { maxDataLength: MAX_REQUESTER_FRAME })[Symbol.asyncIterator]();
  let unsubscribe: (() => void) | undefined;
  try {
    const first = await frames.next();
    if (first.done === true) return;
    const hello = decodeFrame(bytesOf(first.value));
    if (hello.type !== FRAME.HELLO) throw new Error('first frame must be HELLO');
    const held = await locate(hello.hello.bundle, hello.hello.manifest);
    if (held === undefined) {
      await out.send(encodeFrame({ type: FRAME.ERROR, reason: 'revision not held' }));
      return;
    }
    if (hello.hello.wantManifest) out.post(encodeFrame({ type: FRAME.MANIFEST, bytes: held.manifestBytes }));
    out.post(encodeFrame({ type: FRAME.BITFIELD, bytes: held.bitfield() }));
    unsubscribe = held.onHave((index) => out.post(encodeFrame({ type: FRAME.HAVE, index })));
    opts.onSession?.(peer, hello.hello);
    const serving = new SessionServer(held, out, peer, opts);
    for (;;) {
      const next = await frames.next();
      if (next.done === true) break;
      const frame = decodeFrame(bytesOf(next.value));
      if (frame.type === FRAME.REQUEST) serving.request(frame.index);
      else if (frame.type === FRAME.CANCEL) serving.cancel(frame.index);
      else throw new Error(`unexpected frame type ${frame.type} from a requester`);
    }
    serving.stop();
  } finally {
    unsubscribe?.();
    out.end();
    await sinkDone.catch(() => undefined);
  }
}

class SessionServer {
  private readonly queue: number[] = [];
  private current: number | undefined;
  private abortCurrent = false;
  private stopped = false;
  private running = false;

  constructor(
    private readonly held: HeldRevision,
    private readonly out: FrameQueue,
    private readonly peer: string,
    private readonly opts: ChunkServerOptions,
  ) {}

  request(index: number): void {
    if (!this.held.has(index) || this.queue.length >= MAX_QUEUED_PER_SESSION || this.queue.includes(index) || this.current === index) {
      this.out.post(encodeFrame({ type: FRAME.REJECT, index }));
      return;
    }
    this.queue.push(index);
    if (!this.running) void this.run();
  }

  cancel(index: number): void {
    const at = this.queue.indexOf(index);
    if (at >= 0) this.queue.splice(at, 1);
    if (this.current === index) this.abortCurrent = true;
  }

  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.abortCurrent = true;
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (!this.stopped && !this.out.closed) {
        const index = this.queue.shift();
        if (index === undefined) break;
        this.current = index;
        this.abortCurrent = false;
        await this.serve(index);
        this.current = undefined;
      }
    } catch (err) {
      this.opts.log('debug', { peer: this.peer, err: (err as Error).message }, 'serving a chunk failed');
      this.out.end();
    } finally {
      this.running = false;
    }
  }

  private async serve(index: number): Promise<void> {
    const manifest = this.held.manifest;
    const base = chunkOffset(manifest, index);
    const length = chunkLength(manifest, index);
    for (let offset = 0; offset < length && !this.abortCurrent && !this.stopped; offset += PIECE_BYTES) {
      const n = Math.min(PIECE_BYTES, length - offset);
      await this.opts.upload.take(n);
      const { frame, body } = pieceFrame(index, offset, n);
      await this.held.readInto(body, base + offset);
      await this.out.send(frame);
      noteBytesMoved(n);
      this.opts.onServed?.(this.peer, n);
    }
  }
}

export function bytesOf(frame: Uint8Array | Uint8ArrayList): Uint8Array {
  return frame instanceof Uint8Array ? frame : frame.subarray();
}
