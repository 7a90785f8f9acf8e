import { describe, expect, it } from 'vitest';
import { RedialBackoff } from './redial-backoff.ts';

describe('RedialBackoff', () => {
  it('doubles the wait per failure in a row up to the cap, and a connection resets it', () => {
    const b = new RedialBackoff(1000, 30_000);
    expect(b.due('p', 0)).toBe(true);
    const waits: number[] = [];
    let now = 0;
    for (let i = 0; i < 7; i++) {
      b.failed('p', now);
      let wait = 0;
      while (!b.due('p', now + wait)) wait += 500;
      waits.push(wait);
      now += wait;
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(b.due('q', now)).toBe(true); // peers are independent
    expect(b.connected('p')).toBe(7);
    b.failed('p', now);
    expect(b.due('p', now + 999)).toBe(false);
    expect(b.due('p', now + 1000)).toBe(true);
  });
});
