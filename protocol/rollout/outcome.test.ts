import { describe, expect, it } from 'vitest';
import { canStartAnother, deploymentStatus, isFinal, type RolloutCounts, slotCount, successRule } from './outcome.ts';

const base: RolloutCounts = { n: 10, m: 9, succeeded: 0, failed: 0, slotsHeld: 0, slotsBurned: 0, slotsClosed: 0 };
const status = (c: Partial<RolloutCounts>) => deploymentStatus({ ...base, ...c });

describe('successRule()', () => {
  it('needs at least m successes', () => {
    expect(successRule(8, 9)).toBe(false);
    expect(successRule(9, 9)).toBe(true);
  });
  it('needs at least one success even when m = 0', () => {
    expect(successRule(0, 0)).toBe(false);
    expect(successRule(1, 0)).toBe(true);
  });
});

describe('canStartAnother()', () => {
  it('allows a start only while unhealthy + 1 ≤ K', () => {
    expect(canStartAnother(0, 0, 1)).toBe(true);
    expect(canStartAnother(1, 0, 1)).toBe(false);
    expect(canStartAnother(0, 1, 1)).toBe(false);
    expect(canStartAnother(1, 1, 3)).toBe(true);
    expect(canStartAnother(0, 0, 0)).toBe(false);
  });
});

describe('deploymentStatus()', () => {
  it('fails at once when m ≥ N (nothing touched)', () => {
    expect(status({ n: 10, m: 10 })).toEqual({ state: 'failed', reason: 'HEALTH_CONSTRAINTS_INVALID' });
    expect(status({ n: 0, m: 0 })).toEqual({ state: 'failed', reason: 'HEALTH_CONSTRAINTS_INVALID' });
  });
  it('is in progress while hosts remain and a slot is free or held', () => {
    expect(status({})).toEqual({ state: 'in-progress' });
    expect(status({ succeeded: 3, slotsHeld: 1 })).toEqual({ state: 'in-progress' });
  });
  it('OneAtATime: the failure of the very last host does not fail the deployment', () => {
    expect(status({ succeeded: 9, failed: 1, slotsBurned: 1 })).toEqual({ state: 'succeeded', reason: 'ALL_HOSTS_FINISHED' });
  });
  it('OneAtATime: an earlier failure fails it, since no further host can start', () => {
    expect(status({ succeeded: 4, failed: 1, slotsBurned: 1 })).toEqual({ state: 'failed', reason: 'NO_HOST_CAN_START' });
  });
  it('min 8 of 10: the last host being the second failure still succeeds', () => {
    expect(status({ m: 8, succeeded: 8, failed: 2, slotsBurned: 2 })).toEqual({
      state: 'succeeded',
      reason: 'ALL_HOSTS_FINISHED',
    });
  });
  it('min 8 of 10: two failures with hosts left fail it', () => {
    expect(status({ m: 8, succeeded: 5, failed: 2, slotsBurned: 2 }).state).toBe('failed');
    expect(status({ m: 8, succeeded: 5, failed: 1, slotsBurned: 1 }).state).toBe('in-progress');
  });
  it('single-host OneAtATime (m = 0): that host must succeed', () => {
    expect(status({ n: 1, m: 0, failed: 1, slotsBurned: 1 }).state).toBe('failed');
    expect(status({ n: 1, m: 0, succeeded: 1 }).state).toBe('succeeded');
  });
  it('AllAtOnce fails only if every host fails', () => {
    expect(status({ n: 3, m: 0, failed: 2, succeeded: 1, slotsBurned: 2 }).state).toBe('succeeded');
    expect(status({ n: 3, m: 0, failed: 3, slotsBurned: 3 }).state).toBe('failed');
  });
  it('HalfAtATime 9: needs 5 successes', () => {
    expect(status({ n: 9, m: 5, succeeded: 5, failed: 4, slotsBurned: 4 }).state).toBe('succeeded');
    expect(status({ n: 9, m: 5, succeeded: 4, failed: 4, slotsBurned: 4 }).state).toBe('failed');
  });
  it('a host declared dead counts as failed without burning a slot', () => {
    expect(status({ succeeded: 9, failed: 1 }).state).toBe('succeeded');
    expect(status({ succeeded: 3, failed: 1 }).state).toBe('in-progress');
  });
  it('is stopped once every slot is closed or burned and none is held', () => {
    expect(status({ m: 8, succeeded: 2, slotsClosed: 2 })).toEqual({ state: 'stopped', reason: 'STOPPED' });
    expect(status({ m: 8, succeeded: 2, failed: 1, slotsBurned: 1, slotsClosed: 1 }).state).toBe('stopped');
    expect(status({ m: 8, succeeded: 2, slotsClosed: 1 }).state).toBe('in-progress');
    expect(status({ m: 8, succeeded: 2, slotsClosed: 1, slotsHeld: 1 }).state).toBe('in-progress');
  });
  it('a stop that arrives after every host finished changes nothing', () => {
    expect(status({ succeeded: 10, slotsClosed: 1 }).state).toBe('succeeded');
  });
  it('isFinal() and slotCount()', () => {
    expect(isFinal({ state: 'in-progress' })).toBe(false);
    expect(isFinal({ state: 'stopped' })).toBe(true);
    expect(slotCount(10, 9)).toBe(1);
    expect(slotCount(10, 12)).toBe(0);
  });
});
