// A lifecycle-event report: one host's outcome of one event of one deployment, signed by that host's
// peer key. `hostStatus` is the host's overall status for the deployment after this event.
import { z } from 'zod';
import { ERROR_CODES } from '../lifecycle.ts';
import { DEPLOYMENT_ID, EPOCH_MS, PEER_ID, decodeWith } from './common.ts';

export const REPORT_VERSION = 1;
/** Decision 10: the last 4 KiB of combined output travel in the report. */
export const LOG_TAIL_MAX_BYTES = 4096;

const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES, ...(keyof typeof ERROR_CODES)[]];

export const HOST_STATUSES = ['Pending', 'InProgress', 'Succeeded', 'Failed', 'Skipped', 'Stopped'] as const;
export type HostStatus = (typeof HOST_STATUSES)[number];
/** A host in one of these has its outcome for the deployment and reports nothing more for it. */
export const FINAL_HOST_STATUSES: ReadonlySet<HostStatus> = new Set(['Succeeded', 'Failed', 'Skipped', 'Stopped']);

export const ReportSchema = z.object({
  type: z.literal('report'),
  v: z.literal(REPORT_VERSION),
  deploymentId: DEPLOYMENT_ID,
  host: PEER_ID,
  /** Per host and deployment, increasing: lets a reader order reports and spot gaps. */
  seq: z.number().int().nonnegative(),
  event: z.string().min(1).max(64),
  status: z.enum(['InProgress', 'Succeeded', 'Failed', 'Skipped']),
  errorCode: z.enum(ERROR_CODE_NAMES),
  exitCode: z.number().int().optional(),
  scriptName: z.string().max(1024),
  message: z.string().max(4096),
  logTail: z.string().max(LOG_TAIL_MAX_BYTES * 2),
  startedAt: EPOCH_MS,
  endedAt: EPOCH_MS.optional(),
  hostStatus: z.enum(HOST_STATUSES),
}).strict();

export type LifecycleReport = z.infer<typeof ReportSchema>;

export function decodeReport(value: unknown): LifecycleReport {
  return decodeWith(ReportSchema, value, 'report', REPORT_VERSION);
}
