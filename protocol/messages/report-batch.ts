// Several signed reports of one host in one gossip message on the reports topic. A lifecycle emits a
// dozen reports within a few hundred milliseconds; gossiped one message each, they cost the host a
// publish on its deployment path and the coordinator a receive, an fsync and a view rebuild apiece,
// all while the fleet hands its slot over. The batch itself is not signed: every report in it is, and
// is verified on its own, so a forged or altered batch can carry nothing a host did not sign.
import { z } from 'zod';
import type { SignedEnvelope } from '../signing/envelope.ts';
import { decodeWith } from './common.ts';

export const REPORT_BATCH_VERSION = 1;
/** A lifecycle has 13 events, each reported at most twice (started, outcome); the rest is headroom. */
export const REPORT_BATCH_MAX = 64;

const ReportBatchSchema = z.object({
  type: z.literal('report-batch'),
  v: z.literal(REPORT_BATCH_VERSION),
  /** Signed report envelopes, oldest first; each is opened and checked like a report gossiped alone. */
  reports: z.array(z.record(z.string(), z.unknown())).min(1).max(REPORT_BATCH_MAX),
}).strict();

export type ReportBatch = z.infer<typeof ReportBatchSchema>;

export function encodeReportBatch(reports: readonly SignedEnvelope[]): Uint8Array {
  if (reports.length === 0 || reports.length > REPORT_BATCH_MAX) {
    throw new RangeError(`a report batch holds 1 to ${REPORT_BATCH_MAX} reports, not ${reports.length}`);
  }
  return new TextEncoder().encode(JSON.stringify({ type: 'report-batch', v: REPORT_BATCH_VERSION, reports }));
}

/** True when a parsed reports-topic message is a batch (a signed envelope has `kind`, not `type`). */
export function isReportBatch(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'report-batch';
}

/** Validates a parsed batch; its envelopes still have to be opened one by one. Throws MessageError naming the field. */
export function decodeReportBatch(value: unknown): ReportBatch {
  return decodeWith(ReportBatchSchema, value, 'report-batch', REPORT_BATCH_VERSION);
}
