import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenBucket } from './flow.ts';

const MB = 1_000_000;

describe('TokenBucket: the agent\'s upload and download rate limits', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  /** Resolves `take` calls in order and records the simulated time each one passed. */
  function timed(bucket: TokenBucket, sizes: number[]): { passedAt: number[]; all: Promise<void[]> } {
    const passedAt: number[] = [];
    const start = Date.now();
    return { passedAt, all: Promise.all(sizes.map((n) => bucket.take(n).then(() => { passedAt.push(Date.now() - start); }))) };
  }

  it('lets a burst through at once, then holds the average to the rate', async () => {
    const bucket = new TokenBucket(1 * MB, 250_000, () => Date.now()); // 1 MB/s, a quarter second of burst
    const { passedAt, all } = timed(bucket, Array.from({ length: 9 }, () => 250_000)); // 2.25 MB in all
    await vi.advanceTimersByTimeAsync(5000);
    await all;
    expect(passedAt[0]).toBe(0); // the burst
    // The other 2 MB at 1 MB/s: the last passes at 2 s, none much earlier.
    expect(passedAt[8]).toBeGreaterThanOrEqual(1990);
    expect(passedAt[8]).toBeLessThanOrEqual(2100);
    expect([...passedAt].sort((a, b) => a - b)).toEqual(passedAt); // first come, first served
  });

  it('a frame larger than the burst passes once the burst is full, and the debt is repaid before the next', async () => {
    const bucket = new TokenBucket(1 * MB, 250_000, () => Date.now());
    const { passedAt, all } = timed(bucket, [1 * MB, 250_000]);
    await vi.advanceTimersByTimeAsync(5000);
    await all;
    expect(passedAt[0]).toBe(0);
    expect(passedAt[1]).toBeGreaterThanOrEqual(990); // 750 KB of debt, then 250 KB: a second
  });

  it('no rate (or 0) means unlimited', async () => {
    for (const rate of [undefined, 0]) {
      const bucket = new TokenBucket(rate);
      expect(bucket.limited).toBe(false);
      await bucket.take(100 * MB); // resolves without any timer
    }
  });

  it('an aborted wait rejects and does not hold up the takers behind it', async () => {
    const bucket = new TokenBucket(1 * MB, 250_000, () => Date.now());
    await bucket.take(250_000);
    const abort = new AbortController();
    const stuck = bucket.take(1 * MB, abort.signal);
    const next = bucket.take(100_000);
    abort.abort(new Error('session closed'));
    await vi.advanceTimersByTimeAsync(200);
    await expect(stuck).rejects.toThrow('session closed');
    await next;
  });
});
