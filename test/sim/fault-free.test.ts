// What a rollout costs when nothing goes wrong, counted on the simulator (deterministic; simulated time).
import { describe, expect, it } from 'vitest';
import { faultFreeRollout } from './fault-free.ts';

describe('slots: fault-free OneAtATime rollout', () => {
  const small = faultFreeRollout(10);
  const large = faultFreeRollout(30);

  it('both rollouts succeed, one hand-over per host after the first', () => {
    expect(small.final).toBe('succeeded');
    expect(large.final).toBe('succeeded');
    expect(small.handoverMs).toHaveLength(9);
    expect(large.handoverMs).toHaveLength(29);
  });

  it('point-to-point messages per host stay flat from 10 to 30 hosts', () => {
    // A slot entry costs a fixed exchange with the committee (5 hosts), whatever the fleet size.
    expect(large.p2pMean / small.p2pMean).toBeLessThan(1.2);
    expect(small.p2pMean).toBeLessThan(50);
  });

  it('one gossip publish per hand-over reaches every other host: N + 1 per host, not 2N', () => {
    // The first grant, N - 1 hand-overs (the next grant carries the release ahead of it), the last release.
    expect(small.chosenMean).toBe(11);
    expect(large.chosenMean).toBe(31);
  });

  it('a hand-over takes two link delays: the release\'s Accept, then Accepted with the next grant reserved ahead', () => {
    // Three with the pipelined handoff alone (handoff, Accept, Accepted); five with neither.
    expect(Math.max(...small.handoverMs)).toBe(2);
    expect(Math.max(...faultFreeRollout(10, { linkMs: 5 }).handoverMs)).toBe(10);
  });
});
