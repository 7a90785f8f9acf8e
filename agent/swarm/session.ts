// Requesting side of a chunk session: dials a peer with PROTOCOL_CHUNKS, sends HELLO, then delivers the
// server's frames to handlers. Reading goes through the host's download token bucket, so a rate-limited
// host slows its peers through stream backpressure rather than buffering.
import { pipe } from 'it-pipe';
import * as lp from 'it-length-prefixed';
import { peerIdFromString } from '@libp2p/peer-id';
import type { FleetNode } from '../network/node.ts';
import { rememberAddrs } from '../network/addresses.ts';
import { FrameQueue, TokenBucket } from './flow.ts';
import { bytesOf } from './server.ts';
import type { Uint8ArrayList } from 'uint8arraylist';
import { FRAME, MAX_SESSION_FRAME_BYTES, PROTOCOL_CHUNKS, decodeFrame, decodePiece, encodeFrame, type Hello } from './wire.ts';

export interface SessionHandlers {
  onManifest?(bytes: Uint8Array): void;
  onBitfield?(bytes: Uint8Array): void;
  onHave?(index: number): void;
  /** Part of a requested chunk; `bytes` may still be split across the buffers it arrived in. */
  onPiece?(index: number, offset: number, bytes: Uint8Array | Uint8ArrayList): void;
  onReject?(index: number): void;
  /** The server said why it will not serve (e.g. `revision not held`); the session then ends. */
  onError?(reason: string): void;
  /** The session ended (always called once, last). */
  onClose?(err: Error | undefined): void;
}

export interface SessionTarget {
  readonly peerId: string;
  readonly addrs?: readonly string[];
}

/**
 * How long opening a session may take. Generous on purpose: a new stream's handshake waits behind the chunk
 * data already queued on the connection (up to a yamux window), and a busy 20-host swarm on 2 cores took over
 * 5 s; failing then meant re-dialing, re-requesting the chunks elsewhere and more load. A host that is down
 * refuses the connection at once; a slow dial to one peer holds up no other peer's session.
 */
const DIAL_TIMEOUT_MS = 30_000;

export class ChunkSession {
  private readonly out = new FrameQueue();
  private readonly abort = new AbortController();
  private closed = false;

  private constructor(readonly peer: string) {}

  static open(node: FleetNode, target: SessionTarget, hello: Hello, download: TokenBucket, handlers: SessionHandlers, dialTimeoutMs = DIAL_TIMEOUT_MS): ChunkSession {
    const session = new ChunkSession(target.peerId);
    void session.run(node, target, hello, download, handlers, dialTimeoutMs);
    return session;
  }

  request(index: number): void {
    if (!this.closed) this.out.post(encodeFrame({ type: FRAME.REQUEST, index }));
  }

  cancel(index: number): void {
    if (!this.closed) this.out.post(encodeFrame({ type: FRAME.CANCEL, index }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.out.end();
    this.abort.abort(new Error('session closed'));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private async run(node: FleetNode, target: SessionTarget, hello: Hello, download: TokenBucket, h: SessionHandlers, dialTimeoutMs: number): Promise<void> {
    let error: Error | undefined;
    let stream: Awaited<ReturnType<FleetNode['dialProtocol']>> | undefined;
    try {
      const peer = peerIdFromString(target.peerId);
      if (target.addrs !== undefined) await rememberAddrs(node, peer, target.addrs);
      // The deadline covers the dial only: a timer cleared once the stream is open (as in the slot
      // transport), so no timeout signal stays armed on what libp2p was given for the session's life.
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(new Error(`no chunk session with ${target.peerId} within ${dialTimeoutMs} ms`)), dialTimeoutMs);
      stream = await node.dialProtocol(peer, PROTOCOL_CHUNKS, { signal: AbortSignal.any([this.abort.signal, deadline.signal]) })
        .finally(() => clearTimeout(timer));
      this.out.post(encodeFrame({ type: FRAME.HELLO, hello }));
      const s = stream;
      const sending = pipe(this.out, (source) => lp.encode(source), s).catch(() => undefined);
      for await (const raw of lp.decode(s.source, { maxDataLength: MAX_SESSION_FRAME_BYTES })) {
        if (this.closed) break;
        await download.take(raw.byteLength, this.abort.signal);
        const piece = decodePiece(raw);
        if (piece !== undefined) {
          h.onPiece?.(piece.index, piece.offset, piece.bytes);
          continue;
        }
        const bytes = bytesOf(raw);
        const frame = decodeFrame(bytes);
        switch (frame.type) {
          case FRAME.MANIFEST: h.onManifest?.(frame.bytes); break;
          case FRAME.BITFIELD: h.onBitfield?.(frame.bytes); break;
          case FRAME.HAVE: h.onHave?.(frame.index); break;
          case FRAME.REJECT: h.onReject?.(frame.index); break;
          case FRAME.ERROR: h.onError?.(frame.reason); this.closed = true; break;
          default: throw new Error(`unexpected frame type ${frame.type} from a server`);
        }
      }
      void sending;
    } catch (err) {
      if (!this.closed) error = err instanceof Error ? err : new Error(String(err));
    } finally {
      this.closed = true;
      this.out.end();
      stream?.abort(new Error('session finished'));
      h.onClose?.(error);
    }
  }
}
