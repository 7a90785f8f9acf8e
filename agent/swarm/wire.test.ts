import { describe, expect, it } from 'vitest';
import { Uint8ArrayList } from 'uint8arraylist';
import { FRAME, WireError, decodeFrame, decodePiece, encodeFrame, pieceFrame } from './wire.ts';

describe('PIECE frames', () => {
  it('a frame built in place decodes from the buffers it arrives in, without joining them', () => {
    const { frame, body } = pieceFrame(7, 262_144, 5);
    body.set([1, 2, 3, 4, 5]);
    expect(frame).toEqual(encodeFrame({ type: FRAME.PIECE, index: 7, offset: 262_144, bytes: Uint8Array.of(1, 2, 3, 4, 5) }));
    // Split inside the header and inside the body, as a stream may deliver it.
    const split = new Uint8ArrayList(frame.subarray(0, 3), frame.subarray(3, 11), frame.subarray(11));
    const piece = decodePiece(split)!;
    expect(piece.index).toBe(7);
    expect(piece.offset).toBe(262_144);
    expect(piece.bytes.subarray()).toEqual(Uint8Array.of(1, 2, 3, 4, 5));
    expect(decodeFrame(frame)).toMatchObject({ type: FRAME.PIECE, index: 7, offset: 262_144 });
  });

  it('leaves other frames to decodeFrame and refuses a truncated PIECE', () => {
    expect(decodePiece(new Uint8ArrayList(encodeFrame({ type: FRAME.REQUEST, index: 3 })))).toBeUndefined();
    expect(decodePiece(new Uint8ArrayList())).toBeUndefined();
    expect(() => decodePiece(new Uint8ArrayList(Uint8Array.of(FRAME.PIECE, 0, 0, 0)))).toThrow(WireError);
    expect(() => decodePiece(new Uint8ArrayList(Uint8Array.of(FRAME.PIECE, 0, 0, 0)))).toThrow(/PIECE frame too short/);
  });
});
