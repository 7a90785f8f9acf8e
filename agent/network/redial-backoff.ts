// When to dial a peer again after failed dials: exponential backoff with a cap, per peer. Shared by the
// bootstrap keeper and the mesh keeper. No I/O and no clock of its own: callers pass the time.

/** First retry after a failed dial; doubled per failure in a row. */
export const REDIAL_BASE_MS = 1_000;
/** Retries never wait longer than this, however long the peer has been down. */
export const REDIAL_MAX_MS = 30_000;

/** Per-peer retry times, reset by a connection. */
export class RedialBackoff {
  private readonly failures = new Map<string, { count: number; retryAt: number }>();

  constructor(private readonly baseMs = REDIAL_BASE_MS, private readonly maxMs = REDIAL_MAX_MS) {}

  due(peer: string, now: number): boolean {
    return now >= (this.failures.get(peer)?.retryAt ?? -Infinity);
  }

  /** Records a failed dial; returns the failures in a row so far. */
  failed(peer: string, now: number): number {
    const count = (this.failures.get(peer)?.count ?? 0) + 1;
    this.failures.set(peer, { count, retryAt: now + Math.min(this.maxMs, this.baseMs * 2 ** (count - 1)) });
    return count;
  }

  /** Clears the peer's record; returns the failures in a row it had. */
  connected(peer: string): number {
    const count = this.failures.get(peer)?.count ?? 0;
    this.failures.delete(peer);
    return count;
  }
}
