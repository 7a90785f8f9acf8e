import { describe, expect, it } from 'vitest';
import { seal } from '../signing/envelope.ts';
import { hostSignerForTest } from '../../test/support/keys.ts';
import { decodeReportBatch, encodeReportBatch, isReportBatch, REPORT_BATCH_MAX } from './report-batch.ts';
import { MessageError } from './common.ts';

const parse = (bytes: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(bytes));

describe('report batch wire format', () => {
  const signer = hostSignerForTest();
  const envelopes = [1, 2, 3].map((seq) => seal('report', { seq }, signer));

  it('carries the signed envelopes unchanged and in order', () => {
    const value = parse(encodeReportBatch(envelopes));
    expect(isReportBatch(value)).toBe(true);
    expect(decodeReportBatch(value).reports).toEqual(envelopes);
  });

  it('is told apart from a signed envelope gossiped alone', () => {
    expect(isReportBatch(envelopes[0])).toBe(false);
    expect(isReportBatch(null)).toBe(false);
    expect(isReportBatch('report-batch')).toBe(false);
  });

  it('refuses to encode an empty or oversized batch', () => {
    expect(() => encodeReportBatch([])).toThrow(/1 to 64 reports, not 0/);
    expect(() => encodeReportBatch(Array.from({ length: REPORT_BATCH_MAX + 1 }, () => envelopes[0]!))).toThrow(/not 65/);
  });

  it('rejects malformed batches with a message naming the field', () => {
    const good = parse(encodeReportBatch(envelopes)) as Record<string, unknown>;
    const cases: [unknown, RegExp][] = [
      [{ ...good, v: 2 }, /unsupported version 2/],
      [{ ...good, reports: [] }, /field "reports"/],
      [{ ...good, reports: ['not an envelope'] }, /field "reports.0"/],
      [{ ...good, reports: Array.from({ length: REPORT_BATCH_MAX + 1 }, () => envelopes[0]) }, /field "reports"/],
      [{ ...good, extra: true }, /\(root\)|extra/],
      [[good], /not an object/],
    ];
    for (const [value, message] of cases) {
      expect(() => decodeReportBatch(value)).toThrow(MessageError);
      expect(() => decodeReportBatch(value)).toThrow(message);
    }
  });
});
