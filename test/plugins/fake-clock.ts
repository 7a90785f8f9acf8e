// A virtual clock for plugin tests. With `autoAdvance`, whenever a sleeper is pending and the event loop has
// had a turn, time jumps to the earliest deadline, so a 30-minute canary runs in milliseconds. The engine runs
// one run's steps sequentially, so a pending sleeper means the run is idle.

import type { Clock } from '../../coordinator/plugins/types.ts';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly resolve: () => void;
}

export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];
  #scheduled = false;
  readonly autoAdvance: boolean;

  constructor(start = Date.UTC(2025, 0, 1), options: { autoAdvance?: boolean } = {}) {
    this.#now = start;
    this.autoAdvance = options.autoAdvance ?? true;
  }

  now(): number {
    return this.#now;
  }

  get pending(): number {
    return this.#timers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const timer: Timer = {
        at: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#timers.push(timer);
      this.#schedule();
    });
  }

  /** Moves time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const next = this.#earliest();
      if (next === undefined || next.at > target) break;
      this.#fire(next);
    }
    this.#now = target;
  }

  #earliest(): Timer | undefined {
    return [...this.#timers].sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
  }

  #fire(timer: Timer): void {
    this.#timers = this.#timers.filter((t) => t !== timer);
    this.#now = Math.max(this.#now, timer.at);
    timer.resolve();
  }

  #schedule(): void {
    if (!this.autoAdvance || this.#scheduled) return;
    this.#scheduled = true;
    setTimeout(() => {
      this.#scheduled = false;
      const next = this.#earliest();
      if (next !== undefined) this.#fire(next);
      if (this.#timers.length > 0) this.#schedule();
    }, 0);
  }
}
