// A fixed-length set of chunk indices. Wire form: ceil(n / 8) bytes, chunk 0 in the high bit of byte 0,
// spare bits at the end zero (the BitTorrent bitfield layout).

export class Bitfield {
  readonly length: number;
  private readonly bits: Uint8Array;
  private ones = 0;

  constructor(length: number) {
    if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`Bitfield length must be a non-negative integer, got ${length}`);
    this.length = length;
    this.bits = new Uint8Array(Math.ceil(length / 8));
  }

  /** Parses the wire form; returns a reason string instead of throwing, because the bytes come from a peer. */
  static fromBytes(bytes: Uint8Array, length: number): Bitfield | string {
    const field = new Bitfield(length);
    if (bytes.byteLength !== field.bits.byteLength) {
      return `bitfield has ${bytes.byteLength} bytes, expected ${field.bits.byteLength}`;
    }
    const spare = field.bits.byteLength * 8 - length;
    if (spare > 0 && ((bytes[bytes.byteLength - 1] ?? 0) & ((1 << spare) - 1)) !== 0) {
      return 'bitfield has spare bits set';
    }
    field.bits.set(bytes);
    for (const byte of bytes) field.ones += popcount(byte);
    return field;
  }

  static of(length: number, indices: Iterable<number>): Bitfield {
    const field = new Bitfield(length);
    for (const i of indices) field.set(i);
    return field;
  }

  get count(): number {
    return this.ones;
  }

  get full(): boolean {
    return this.ones === this.length;
  }

  has(index: number): boolean {
    if (!this.inRange(index)) return false;
    return ((this.bits[index >> 3] ?? 0) & (0x80 >> (index & 7))) !== 0;
  }

  /** Sets bit `index`; returns true when it was clear before. */
  set(index: number): boolean {
    if (!this.inRange(index)) throw new RangeError(`Chunk index ${index} is outside 0..${this.length - 1}`);
    if (this.has(index)) return false;
    this.bits[index >> 3] = (this.bits[index >> 3] ?? 0) | (0x80 >> (index & 7));
    this.ones++;
    return true;
  }

  /** Clears bit `index`; returns true when it was set before. */
  clear(index: number): boolean {
    if (!this.has(index)) return false;
    this.bits[index >> 3] = (this.bits[index >> 3] ?? 0) & ~(0x80 >> (index & 7));
    this.ones--;
    return true;
  }

  inRange(index: number): boolean {
    return Number.isInteger(index) && index >= 0 && index < this.length;
  }

  *indices(): IterableIterator<number> {
    for (let i = 0; i < this.length; i++) if (this.has(i)) yield i;
  }

  toBytes(): Uint8Array {
    return this.bits.slice();
  }
}

function popcount(byte: number): number {
  let n = 0;
  for (let b = byte; b !== 0; b &= b - 1) n++;
  return n;
}
