import { describe, it } from 'vitest';
import { SEED_BASE, SEEDS_PER_FILE, sweep } from './sweep.ts';

describe('slots: simulator swarm (second half)', () => {
  const from = SEED_BASE + SEEDS_PER_FILE;
  it(`seeds ${from}..${from + SEEDS_PER_FILE - 1} keep every invariant and reach a final state`, () => {
    sweep(from, SEEDS_PER_FILE);
  });
});
