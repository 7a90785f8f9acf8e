// Request/response over libp2p streams with length-prefixed frames (it-pipe + it-length-prefixed).
// A request is one JSON frame; a response is a stream of frames whose meaning the protocol defines.
import { pipe } from 'it-pipe';
import * as lp from 'it-length-prefixed';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Uint8ArrayList } from 'uint8arraylist';
import { MAX_FRAME_BYTES } from '../../protocol/topics.ts';
import type { FleetNode } from './node.ts';
import { rememberAddrs } from './addresses.ts';

export interface PeerTarget {
  readonly peerId: string;
  readonly addrs?: readonly string[];
}

export type FrameHandler = (request: unknown, remotePeer: string) => AsyncIterable<Uint8Array>;

export function encodeJsonFrame(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

export function decodeJsonFrame(frame: Uint8Array): unknown {
  return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(frame));
}

/** Opens a stream to `target`, sends `request`, yields each response frame until the peer closes. */
export async function* requestFrames(
  node: FleetNode,
  target: PeerTarget,
  protocol: string,
  request: unknown,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  const peer = peerIdFromString(target.peerId);
  if (target.addrs && target.addrs.length > 0) await rememberAddrs(node, peer, target.addrs);
  const stream = await node.dialProtocol(peer, protocol, { signal });
  try {
    const frames = pipe(
      [encodeJsonFrame(request)],
      (source) => lp.encode(source),
      stream,
      (source) => lp.decode(source, { maxDataLength: MAX_FRAME_BYTES }),
    );
    for await (const frame of frames) yield toBytes(frame);
  } finally {
    stream.abort(new Error('request finished'));
  }
}

/** Registers a handler for `protocol`; a failing handler closes the stream without affecting the node. */
export async function serveFrames(
  node: FleetNode,
  protocol: string,
  handler: FrameHandler,
  onError: (err: unknown, remotePeer: string) => void,
  maxInboundStreams = 64,
): Promise<void> {
  await node.handle(
    protocol,
    ({ stream, connection }) => {
      const remotePeer = connection.remotePeer.toString();
      void pipe(
        stream,
        (source) => lp.decode(source, { maxDataLength: 64 * 1024 }),
        async function* (source) {
          for await (const frame of source) {
            let request: unknown;
            try {
              request = decodeJsonFrame(toBytes(frame));
            } catch {
              throw new Error('request frame is not JSON');
            }
            yield* handler(request, remotePeer);
            return; // one request per stream
          }
        },
        (source) => lp.encode(source),
        stream,
      ).catch((err: unknown) => {
        onError(err, remotePeer);
        stream.abort(err instanceof Error ? err : new Error(String(err)));
      });
    },
    { maxInboundStreams, runOnLimitedConnection: false },
  );
}

function toBytes(frame: Uint8Array | Uint8ArrayList): Uint8Array {
  return frame instanceof Uint8Array ? frame : frame.subarray();
}
