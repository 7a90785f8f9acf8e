import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import { seal, type SignedEnvelope } from '../../protocol/signing/envelope.ts';
import { decodeReportBatch, REPORT_BATCH_MAX } from '../../protocol/messages/report-batch.ts';
import { hostSignerForTest } from '../../test/support/keys.ts';
import { FINAL_REPORT_DELAY_MS, REPORT_BATCH_MAX_BYTES, ReportOutbox } from './outbox.ts';

const signer = hostSignerForTest();
const report = (seq: number, logTail = ''): SignedEnvelope => seal('report', { seq, logTail }, signer);
const seqsOf = (data: Uint8Array): number[] =>
  decodeReportBatch(JSON.parse(new TextDecoder().decode(data))).reports.map((e) => (JSON.parse(Buffer.from(String(e['payload']), 'base64').toString()) as { seq: number }).seq);

describe('ReportOutbox', () => {
  let sent: number[][];
  const publish = vi.fn(async (data: Uint8Array) => { sent.push(seqsOf(data)); });
  beforeEach(() => { vi.useFakeTimers(); sent = []; publish.mockClear(); });
  afterEach(() => { vi.useRealTimers(); });

  it('holds reports for delayMs from the first one and sends them as one batch, in order', async () => {
    const outbox = new ReportOutbox({ publish, logger: pino({ level: 'silent' }), delayMs: 200 });
    outbox.add([report(0), report(1)]);
    await vi.advanceTimersByTimeAsync(150);
    outbox.add([report(2)]);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(50);
    expect(sent).toEqual([[0, 1, 2]]);
    outbox.add([report(3)]);
    await vi.advanceTimersByTimeAsync(199);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([[0, 1, 2], [3]]);
  });

  it('a host\'s final report cuts the wait to FINAL_REPORT_DELAY_MS, never lengthens it', async () => {
    const outbox = new ReportOutbox({ publish, logger: pino({ level: 'silent' }), delayMs: 1000 });
    outbox.add([report(0)]);
    await vi.advanceTimersByTimeAsync(300);
    outbox.add([report(1)], true);
    await vi.advanceTimersByTimeAsync(FINAL_REPORT_DELAY_MS - 1);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([[0, 1]]);
    // Due sooner than a final report would be: left as it is.
    outbox.add([report(2)]);
    await vi.advanceTimersByTimeAsync(950);
    outbox.add([report(3)], true);
    await vi.advanceTimersByTimeAsync(50);
    expect(sent).toEqual([[0, 1], [2, 3]]);
  });

  it('sends each add at once when delayMs is 0', () => {
    const outbox = new ReportOutbox({ publish, logger: pino({ level: 'silent' }), delayMs: 0 });
    outbox.add([report(0), report(1)]);
    outbox.add([report(2)]);
    expect(sent).toEqual([[0, 1], [2]]);
  });

  it('sends a full batch without waiting, by count and by bytes', () => {
    const outbox = new ReportOutbox({ publish, logger: pino({ level: 'silent' }), delayMs: 1000 });
    outbox.add(Array.from({ length: REPORT_BATCH_MAX + 1 }, (_, i) => report(i)));
    expect(sent.map((s) => s.length)).toEqual([REPORT_BATCH_MAX]);
    const big = 'x'.repeat(40_000); // ~53 KB per envelope once base64'd
    const perBatch = Math.floor(REPORT_BATCH_MAX_BYTES / JSON.stringify(report(0, big)).length);
    outbox.flush();
    sent = [];
    outbox.add(Array.from({ length: perBatch + 1 }, (_, i) => report(i, big)));
    expect(sent.map((s) => s.length)).toEqual([perBatch]);
  });

  it('close sends what is queued and waits for it; later reports go out at once', async () => {
    let release!: () => void;
    const slow = vi.fn(async (data: Uint8Array) => { await new Promise<void>((r) => { release = r; }); sent.push(seqsOf(data)); });
    const outbox = new ReportOutbox({ publish: slow, logger: pino({ level: 'silent' }), delayMs: 500 });
    outbox.add([report(0)]);
    let closed = false;
    const closing = outbox.close().then(() => { closed = true; });
    await vi.advanceTimersByTimeAsync(0);
    expect(slow).toHaveBeenCalledTimes(1);
    expect(closed).toBe(false);
    release();
    await closing;
    expect(sent).toEqual([[0]]);
    outbox.add([report(1)]);
    expect(slow).toHaveBeenCalledTimes(2);
  });

  it('logs a failed publish and keeps going', async () => {
    const lines: string[] = [];
    const failing = vi.fn(async () => { throw new Error('no peers'); });
    const outbox = new ReportOutbox({ publish: failing, logger: pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) }), delayMs: 0 });
    outbox.add([report(0)]);
    await outbox.close();
    expect(lines.join('')).toMatch(/reports could not be gossiped now/);
  });
});
