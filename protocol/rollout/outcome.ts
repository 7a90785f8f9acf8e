// Outcome rules of an in-place rollout (reference §6.1, §7), as pure functions over counts.
// "Unhealthy" = deploying + failed. In Convoy each unhealthy host holds one of K slots: a deploying
// host holds its slot until it succeeds, a failed host keeps (burns) it forever.

export type DeploymentState = 'in-progress' | 'succeeded' | 'failed' | 'stopped';

export type FinalReason =
  | 'HEALTH_CONSTRAINTS_INVALID' // m ≥ N at start: no host is touched
  | 'ALL_HOSTS_FINISHED' // every host has an outcome; the success rule decides
  | 'NO_HOST_CAN_START' // every slot is burned by a failed host while hosts remain
  | 'STOPPED'; // a stop was recorded and no host is deploying any more

export interface DeploymentStatus {
  readonly state: DeploymentState;
  readonly reason?: FinalReason;
}

/** Counts a node knows. Slot counts are over the K slots; hosts are over the N targets. */
export interface RolloutCounts {
  readonly n: number; // targets
  readonly m: number; // minimum healthy hosts
  readonly succeeded: number;
  readonly failed: number; // includes hosts an operator declared dead
  readonly slotsHeld: number; // slots whose current tenure has a holder (deploying or about to release)
  readonly slotsBurned: number; // slots kept forever by a failed host
  readonly slotsClosed: number; // slots closed by a stop
}

/** K = N − m, never negative. */
export function slotCount(n: number, m: number): number {
  return Math.max(n - m, 0);
}

/**
 * Success: at least m hosts succeeded AND at least one did (even when m = 0). Because only m are
 * needed, the failure of the very last host does not fail a OneAtATime deployment (9 of 10 ≥ 9),
 * while a single-host OneAtATime deployment (m = 0) still needs that host to succeed.
 */
export function successRule(succeeded: number, m: number): boolean {
  return succeeded >= m && succeeded >= 1;
}

/** One more host may start only if unhealthy + 1 ≤ K, i.e. healthy stays ≥ m. */
export function canStartAnother(deploying: number, failedInBudget: number, k: number): boolean {
  return deploying + failedInBudget + 1 <= k;
}

/**
 * The deployment's state from what is known. Monotone: once final, later knowledge of the same
 * history cannot change it, because a final state implies no slot can be granted again.
 *   1. m ≥ N → failed at once.
 *   2. Every host finished → the success rule decides (a late stop changes nothing).
 *   3. A slot still has a holder → in progress.
 *   4. Every slot closed or burned, one at least closed → stopped.
 *   5. Every slot burned while hosts remain → failed: no further host can start.
 */
export function deploymentStatus(c: RolloutCounts): DeploymentStatus {
  const k = slotCount(c.n, c.m);
  if (c.n === 0 || c.m >= c.n) return { state: 'failed', reason: 'HEALTH_CONSTRAINTS_INVALID' };
  if (c.succeeded + c.failed >= c.n) {
    return { state: successRule(c.succeeded, c.m) ? 'succeeded' : 'failed', reason: 'ALL_HOSTS_FINISHED' };
  }
  if (c.slotsHeld > 0) return { state: 'in-progress' };
  if (c.slotsClosed > 0 && c.slotsClosed + c.slotsBurned >= k) return { state: 'stopped', reason: 'STOPPED' };
  if (c.slotsBurned >= k) return { state: 'failed', reason: 'NO_HOST_CAN_START' };
  return { state: 'in-progress' };
}

export function isFinal(status: DeploymentStatus): boolean {
  return status.state !== 'in-progress';
}
