// A fixed table of timers (deadlines in ms, or undefined when disarmed), like quinn's timer.rs.

export const Timer = {
  /** When to start the next claim / close / revoke proposal (rank delay plus jitter). */
  Claim: 0,
  /** Retransmit or re-ballot the proposal in flight; also the backoff after a nack. */
  Proposal: 1,
  /** Ask a few peers for chosen entries this node has not learned (catch-up). */
  Sync: 2,
  /** Gossip a handed-off release ourselves: the next tenure's opening, which carries it, did not come. */
  Announce: 3,
} as const;
export type Timer = (typeof Timer)[keyof typeof Timer];
const TIMER_COUNT = 4;

export class TimerTable {
  private readonly deadlines: (number | undefined)[] = new Array<number | undefined>(TIMER_COUNT).fill(undefined);

  set(timer: Timer, deadline: number): void {
    this.deadlines[timer] = deadline;
  }

  stop(timer: Timer): void {
    this.deadlines[timer] = undefined;
  }

  get(timer: Timer): number | undefined {
    return this.deadlines[timer];
  }

  isExpired(timer: Timer, now: number): boolean {
    const d = this.deadlines[timer];
    return d !== undefined && d <= now;
  }

  /** Earliest armed deadline, or undefined. */
  next(): number | undefined {
    let min: number | undefined;
    for (const d of this.deadlines) if (d !== undefined && (min === undefined || d < min)) min = d;
    return min;
  }
}

/** Defaults in ms. Timing affects liveness and cost only, never safety. */
export interface SlotTiming {
  /** A proposal phase unanswered this long starts again with a higher ballot. */
  readonly retryMs: number;
  /** Retries double per attempt up to this, so a slow network or disk (RTT above retryMs) cannot livelock a proposer. */
  readonly retryMaxMs: number;
  /** Backoff after a nack: uniform in [backoffMinMs, min(backoffMinMs·2^attempt, backoffMaxMs)]. */
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  /** Jitter added to every claim so equal-rank contenders rarely collide. */
  readonly claimJitterMs: number;
  /** Extra wait per rank position beyond the number of free slots (stampede damping). */
  readonly claimStepMs: number;
  /** First catch-up period; each round without a detected gap doubles it up to syncMaxMs (gossip carries every chosen value, so catch-up is the fallback, not the path). */
  readonly syncMs: number;
  readonly syncMaxMs: number;
  /** Peers asked per catch-up round. */
  readonly queryFanout: number;
}

export const DEFAULT_TIMING: SlotTiming = {
  retryMs: 400,
  retryMaxMs: 6_400,
  backoffMinMs: 40,
  backoffMaxMs: 2_000,
  claimJitterMs: 60,
  claimStepMs: 1_500,
  syncMs: 2_000,
  syncMaxMs: 30_000,
  queryFanout: 2,
};
