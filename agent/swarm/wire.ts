// Frames of the chunk exchange protocol (PROTOCOL_CHUNKS). One stream is one session about one revision,
// opened by the host that wants chunks (the requester) to a host that may hold them (the server):
//
//   requester → server   HELLO {v, bundle, manifest, wantManifest}   first frame, exactly once
//   server → requester   MANIFEST <canonical manifest bytes>         only when asked for
//                        BITFIELD <bitfield wire bytes>              the server's verified chunks
//                        HAVE u32                                    a chunk the server verified since
//                        PIECE u32 index, u32 offset, bytes          part of a requested chunk, in order
//                        REJECT u32                                  the server will not send that chunk
//                        ERROR <utf-8 reason>                        then the server closes the session
//   requester → server   REQUEST u32 / CANCEL u32
//
// Every frame travels length-prefixed (it-length-prefixed); byte 0 is the frame type. Integers are
// big-endian u32. Data flows one way per session: a host that wants the requester's chunks dials back.

import type { Uint8ArrayList } from 'uint8arraylist';

/** libp2p protocol id of chunk sessions. */
export const PROTOCOL_CHUNKS = '/convoy/chunks/1.0.0';

export const FRAME = {
  HELLO: 1,
  MANIFEST: 2,
  BITFIELD: 3,
  HAVE: 4,
  REQUEST: 5,
  CANCEL: 6,
  PIECE: 7,
  REJECT: 8,
  ERROR: 9,
} as const;

/** Bytes of chunk data per PIECE frame: small enough to keep buffers flat, large enough for throughput. */
export const PIECE_BYTES = 256 * 1024;

/** Largest frame accepted on a chunk session: a whole manifest (MAX_MANIFEST_BYTES, about 4.4 MB) plus headroom. */
export const MAX_SESSION_FRAME_BYTES = 5 * 1024 * 1024;

export interface Hello {
  readonly v: 1;
  /** Whole-bundle SHA-256 (names the revision on disk). */
  readonly bundle: string;
  /** SHA-256 of the canonical manifest, as signed in the intent. */
  readonly manifest: string;
  readonly wantManifest: boolean;
}

export type Frame =
  | { readonly type: typeof FRAME.HELLO; readonly hello: Hello }
  | { readonly type: typeof FRAME.MANIFEST; readonly bytes: Uint8Array }
  | { readonly type: typeof FRAME.BITFIELD; readonly bytes: Uint8Array }
  | { readonly type: typeof FRAME.HAVE | typeof FRAME.REQUEST | typeof FRAME.CANCEL | typeof FRAME.REJECT; readonly index: number }
  | { readonly type: typeof FRAME.PIECE; readonly index: number; readonly offset: number; readonly bytes: Uint8Array }
  | { readonly type: typeof FRAME.ERROR; readonly reason: string };

export class WireError extends Error {
  override readonly name = 'WireError';
}

const HEX64 = /^[0-9a-f]{64}$/;

export function encodeFrame(frame: Frame): Uint8Array {
  switch (frame.type) {
    case FRAME.HELLO:
      return withType(frame.type, new TextEncoder().encode(JSON.stringify(frame.hello)));
    case FRAME.MANIFEST:
    case FRAME.BITFIELD:
      return withType(frame.type, frame.bytes);
    case FRAME.ERROR:
      return withType(frame.type, new TextEncoder().encode(frame.reason.slice(0, 500)));
    case FRAME.PIECE: {
      const { frame: out, body } = pieceFrame(frame.index, frame.offset, frame.bytes.byteLength);
      body.set(frame.bytes);
      return out;
    }
    default: {
      const out = new Uint8Array(5);
      out[0] = frame.type;
      new DataView(out.buffer).setUint32(1, frame.index);
      return out;
    }
  }
}

/**
 * A PIECE frame with its header written and `body` (a view into it) left for the caller to fill: the server
 * reads bundle bytes straight into the frame instead of reading and then copying them.
 */
export function pieceFrame(index: number, offset: number, length: number): { frame: Uint8Array; body: Uint8Array } {
  const frame = new Uint8Array(9 + length);
  const view = new DataView(frame.buffer);
  frame[0] = FRAME.PIECE;
  view.setUint32(1, index);
  view.setUint32(5, offset);
  return { frame, body: frame.subarray(9) };
}

/**
 * A received PIECE frame still split across the buffers it arrived in; undefined for any other frame type.
 * Its body is copied once, into the chunk being assembled, instead of being joined into one buffer first.
 */
export function decodePiece(raw: Uint8ArrayList): { index: number; offset: number; bytes: Uint8ArrayList } | undefined {
  if (raw.byteLength < 1 || raw.get(0) !== FRAME.PIECE) return undefined;
  if (raw.byteLength < 9) throw new WireError('PIECE frame too short');
  return { index: raw.getUint32(1), offset: raw.getUint32(5), bytes: raw.sublist(9) };
}

/** Parses one frame from a peer; throws WireError on anything malformed. */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.byteLength < 1) throw new WireError('empty frame');
  const type = bytes[0];
  const body = bytes.subarray(1);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (type) {
    case FRAME.HELLO: {
      let value: unknown;
      try {
        value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
      } catch {
        throw new WireError('HELLO is not UTF-8 JSON');
      }
      const h = value as Partial<Hello> | null;
      if (h === null || typeof h !== 'object' || h.v !== 1 || typeof h.bundle !== 'string' || !HEX64.test(h.bundle)
        || typeof h.manifest !== 'string' || !HEX64.test(h.manifest) || typeof h.wantManifest !== 'boolean') {
        throw new WireError('HELLO fields are invalid');
      }
      return { type, hello: { v: 1, bundle: h.bundle, manifest: h.manifest, wantManifest: h.wantManifest } };
    }
    case FRAME.MANIFEST:
    case FRAME.BITFIELD:
      return { type, bytes: body };
    case FRAME.ERROR:
      return { type, reason: new TextDecoder().decode(body) };
    case FRAME.PIECE:
      if (bytes.byteLength < 9) throw new WireError('PIECE frame too short');
      return { type, index: view.getUint32(1), offset: view.getUint32(5), bytes: bytes.subarray(9) };
    case FRAME.HAVE:
    case FRAME.REQUEST:
    case FRAME.CANCEL:
    case FRAME.REJECT:
      if (bytes.byteLength !== 5) throw new WireError(`frame type ${type} must be 5 bytes`);
      return { type, index: view.getUint32(1) };
    default:
      throw new WireError(`unknown frame type ${type}`);
  }
}

function withType(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + body.byteLength);
  out[0] = type;
  out.set(body, 1);
  return out;
}
