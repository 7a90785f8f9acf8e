import { describe, expect, it } from 'vitest';
import { parseSeed, Prng, saltSeed } from './prng.ts';

describe('Prng', () => {
  it('pins its output for seed 42 (an algorithm change shows as a diff)', () => {
    const p = new Prng(42);
    expect(Array.from({ length: 5 }, () => p.u32())).toMatchInlineSnapshot(`
      [
        2837322924,
        544945897,
        479756282,
        3500138142,
        339756180,
      ]
    `);
    const q = new Prng(2 ** 40 + 7);
    expect(Array.from({ length: 5 }, () => q.int(0, 99))).toMatchInlineSnapshot(`
      [
        36,
        83,
        56,
        61,
        4,
      ]
    `);
  });
  it('is reproducible and seeds differ', () => {
    const a = new Prng(7);
    const b = new Prng(7);
    const c = new Prng(8);
    const xs = Array.from({ length: 20 }, () => a.u32());
    expect(Array.from({ length: 20 }, () => b.u32())).toEqual(xs);
    expect(Array.from({ length: 20 }, () => c.u32())).not.toEqual(xs);
  });
  it('int() stays in range and hits both ends', () => {
    const p = new Prng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i += 1) {
      const x = p.int(-3, 3);
      expect(x).toBeGreaterThanOrEqual(-3);
      expect(x).toBeLessThanOrEqual(3);
      seen.add(x);
    }
    expect(seen.size).toBe(7);
  });
  it('chance() honours 0 and 1 and is roughly fair', () => {
    const p = new Prng(3);
    expect(p.chance(0, 10)).toBe(false);
    expect(p.chance(10, 10)).toBe(true);
    let hits = 0;
    for (let i = 0; i < 10_000; i += 1) if (p.chance(1, 4)) hits += 1;
    expect(hits).toBeGreaterThan(2300);
    expect(hits).toBeLessThan(2700);
  });
  it('shuffle() is a permutation; fork() is deterministic', () => {
    const p = new Prng(5);
    expect([...p.shuffle([1, 2, 3, 4, 5])].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(new Prng(9).fork().u32()).toBe(new Prng(9).fork().u32());
  });
  it('saltSeed() keeps seeds below 2^31 as they were and every bit of larger ones', () => {
    expect(saltSeed(12345, 0x5eed)).toBe(12345 ^ 0x5eed);
    for (const seed of [2 ** 31 + 7, 467939163236, 0x0123456789abc]) {
      const salted = saltSeed(seed, 0x5eed);
      expect(Number.isSafeInteger(salted) && salted >= 0).toBe(true);
      expect(() => new Prng(salted)).not.toThrow();
      expect(saltSeed(seed + 2 ** 32, 0x5eed)).not.toBe(salted);
    }
  });
  it('parseSeed() accepts decimals and commit hashes', () => {
    expect(parseSeed('123')).toBe(123);
    expect(parseSeed('0123456789abcdef0123456789abcdef01234567')).toBe(0x0123456789abc);
    expect(() => parseSeed('-1')).toThrow();
    expect(() => parseSeed('xyz')).toThrow();
  });
});
