// Seeded swarm runs of the slot protocol (first half; slots-b.sim.test.ts runs the second half).
// A failure prints the seed and `reproduce: npm run sim -- --seed N`.
import { describe, it } from 'vitest';
import { SEED_BASE, SEEDS_PER_FILE, sweep } from './sweep.ts';

describe('slots: simulator swarm', () => {
  it(`seeds ${SEED_BASE}..${SEED_BASE + SEEDS_PER_FILE - 1} keep every invariant and reach a final state`, () => {
    sweep(SEED_BASE, SEEDS_PER_FILE);
  });
});
