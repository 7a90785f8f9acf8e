// Gossips signed reports in batches. Reports are journaled before they get here (the journal is what
// status queries answer from), so the outbox only decides when the coordinator hears them: a report
// waits at most `delayMs` for the others of the same stretch of the lifecycle. A dozen reports go out
// as one or two messages, and none of them on the path from one host's release to the next host's
// first hook. Losing a batch loses nothing: the coordinator pulls what it missed over the status protocol.
import type { Logger } from 'pino';
import { encodeEnvelope, type SignedEnvelope } from '../../protocol/signing/envelope.ts';
import { encodeReportBatch, REPORT_BATCH_MAX } from '../../protocol/messages/report-batch.ts';

/** Well under gossipsub's inbound limit; a report is at most ~13 KB (4 KiB log tail, 4 KiB message, base64). */
export const REPORT_BATCH_MAX_BYTES = 256 * 1024;
/**
 * A host's final report waits this long at most: the coordinator (and `deploy wait`) learn the host is done
 * without waiting out the window, and the report still leaves after the slot hand-over it comes with
 * (tens of milliseconds on loopback).
 */
export const FINAL_REPORT_DELAY_MS = 100;

export interface ReportOutboxComponents {
  readonly publish: (data: Uint8Array) => Promise<void>;
  readonly logger: Logger;
  /** How long the first report of a batch waits for more; 0 sends each add() as it comes. */
  readonly delayMs: number;
}

export class ReportOutbox {
  private pending: SignedEnvelope[] = [];
  private pendingBytes = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private dueAt = 0;
  private inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly c: ReportOutboxComponents) {}

  /**
   * Queues reports, in order; they leave together within `delayMs`, sooner if the batch is full, and
   * within FINAL_REPORT_DELAY_MS when `final` (the host's last report for a deployment is among them).
   */
  add(envelopes: readonly SignedEnvelope[], final = false): void {
    for (const envelope of envelopes) {
      const bytes = encodeEnvelope(envelope).length;
      if (this.pending.length === REPORT_BATCH_MAX || this.pendingBytes + bytes > REPORT_BATCH_MAX_BYTES) this.flush();
      this.pending.push(envelope);
      this.pendingBytes += bytes;
    }
    if (this.pending.length === 0) return;
    if (this.closed || this.c.delayMs === 0) return this.flush();
    const wait = final ? Math.min(FINAL_REPORT_DELAY_MS, this.c.delayMs) : this.c.delayMs;
    if (this.timer !== undefined && this.dueAt <= Date.now() + wait) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.dueAt = Date.now() + wait;
    this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Sends what is queued now. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    const sent = this.c.publish(encodeReportBatch(batch))
      .catch((err: unknown) => this.c.logger.warn({ err, reports: batch.length }, 'reports could not be gossiped now; they stay available over the status protocol'))
      .finally(() => this.inFlight.delete(sent));
    this.inFlight.add(sent);
  }

  /** Sends what is queued and waits for every publish; later adds go out at once. */
  async close(): Promise<void> {
    this.closed = true;
    this.flush();
    await Promise.all([...this.inFlight]);
  }
}
