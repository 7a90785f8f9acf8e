// Flow-control helpers for chunk sessions: a token bucket (per-host upload/download limits, origin egress
// shaping) and an outbound frame queue whose `send` resolves once the stream has taken the frame, so a
// sender never reads ahead of the network.

/** Token bucket over bytes. `take(n)` waits until n bytes may pass; a zero or absent rate means unlimited. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    readonly bytesPerSec: number | undefined,
    /** Burst allowance; default a quarter second of traffic, at least 256 KiB. */
    private readonly burst = Math.max(256 * 1024, (bytesPerSec ?? 0) / 4),
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = this.burst;
    this.last = this.now();
  }

  get limited(): boolean {
    return this.bytesPerSec !== undefined && this.bytesPerSec > 0;
  }

  /** Waits (in FIFO order with other takers) until `bytes` may pass. */
  take(bytes: number, signal?: AbortSignal): Promise<void> {
    if (!this.limited) return Promise.resolve();
    const turn = this.tail.then(() => this.wait(bytes, signal));
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  private async wait(bytes: number, signal?: AbortSignal): Promise<void> {
    const rate = this.bytesPerSec as number;
    for (;;) {
      signal?.throwIfAborted();
      const t = this.now();
      this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * rate);
      this.last = t;
      if (this.tokens >= Math.min(bytes, this.burst)) {
        this.tokens -= bytes; // may go negative for frames above the burst: repaid before the next taker
        return;
      }
      const needMs = ((Math.min(bytes, this.burst) - this.tokens) / rate) * 1000;
      await sleep(Math.max(1, Math.ceil(needMs)), signal);
    }
  }
}

/** Outbound frames of one session: `send` resolves when the sink pulled the frame. */
export class FrameQueue implements AsyncIterable<Uint8Array> {
  private readonly items: { frame: Uint8Array; taken: () => void }[] = [];
  private waiting: (() => void) | undefined;
  private ended = false;

  send(frame: Uint8Array): Promise<void> {
    if (this.ended) return Promise.reject(new Error('session closed'));
    return new Promise((resolve) => {
      this.items.push({ frame, taken: resolve });
      this.wake();
    });
  }

  /** Queues a frame without waiting for it to be taken. */
  post(frame: Uint8Array): void {
    this.send(frame).catch(() => undefined);
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  get closed(): boolean {
    return this.ended;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    try {
      for (;;) {
        const item = this.items.shift();
        if (item !== undefined) {
          yield item.frame;
          item.taken();
          continue;
        }
        if (this.ended) return;
        await new Promise<void>((resolve) => { this.waiting = resolve; });
      }
    } finally {
      this.ended = true;
      for (const item of this.items.splice(0)) item.taken();
    }
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
