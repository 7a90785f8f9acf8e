// Seeded PRNG for the simulator: xoshiro128** seeded through splitmix32. Integer-only API so runs
// are bit-for-bit reproducible from the seed. Pinned outputs in prng.test.ts catch algorithm drift.

/**
 * A seed for a run's root stream, salted so it differs from streams seeded with the run's number itself. The
 * salt goes into the low 32 bits only: `seed ^ salt` would truncate a seed to 32 signed bits, turning every
 * seed at or above 2^31 negative (refused) and mapping seeds that differ only above bit 32 onto one stream.
 */
export function saltSeed(seed: number, salt: number): number {
  return Math.floor(seed / 2 ** 32) * 2 ** 32 + ((seed ^ salt) >>> 0);
}

export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** `seed` is any safe integer ≥ 0 (both 32-bit halves are used). */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`seed must be a safe integer ≥ 0, got ${seed}`);
    let x = (seed >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32), 0x9e3779b9);
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform integer in [min, max] (inclusive), unbiased (rejection sampling); range ≤ 2^32. */
  int(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) throw new Error(`bad range [${min}, ${max}]`);
    const range = max - min + 1;
    if (range > 2 ** 32) throw new Error('range too large');
    if (range === 2 ** 32) return min + this.u32();
    const limit = 2 ** 32 - (2 ** 32 % range);
    let r = this.u32();
    while (r >= limit) r = this.u32();
    return min + (r % range);
  }

  /** True with probability numerator/denominator. */
  chance(numerator: number, denominator: number): boolean {
    if (numerator <= 0) return false;
    if (numerator >= denominator) return true;
    return this.int(0, denominator - 1) < numerator;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i -= 1) {
      const j = this.int(0, i);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }

  /** An independent generator for one component, derived from this one. */
  fork(): Prng {
    return new Prng(this.u32() * 2 ** 21 + (this.u32() >>> 11));
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Parses `--seed`: a decimal safe integer, or a 40-hex git commit (first 52 bits). */
export function parseSeed(text: string): number {
  if (/^[0-9]{1,16}$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  if (/^[0-9a-fA-F]{40}$/.test(text)) return Number.parseInt(text.slice(0, 13), 16);
  throw new Error(`seed must be a decimal integer or a 40-hex commit, got "${text}"`);
}
