// Download progress of one host for one deployment: published by the agent on the reports topic at most
// once a second while DownloadBundle runs, signed by the host (envelope kind `progress`). Advisory only:
// the coordinator keeps the latest per (deployment, host) in memory for `convoy deploy wait`.
import { z } from 'zod';
import { DEPLOYMENT_ID, EPOCH_MS, PEER_ID, decodeWith } from './common.ts';

export const PROGRESS_VERSION = 1;

export const ProgressSchema = z.object({
  type: z.literal('progress'),
  v: z.literal(PROGRESS_VERSION),
  host: PEER_ID,
  deploymentId: DEPLOYMENT_ID,
  /** Verified bytes on disk. */
  bytes: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** Peers currently serving this host (the origin not counted). */
  peers: z.number().int().nonnegative().max(10_000),
  sentAt: EPOCH_MS,
}).strict().refine((p) => p.bytes <= p.total, { message: 'must not exceed total', path: ['bytes'] });

export type DownloadProgress = z.infer<typeof ProgressSchema>;

export function decodeProgress(value: unknown): DownloadProgress {
  return decodeWith(ProgressSchema, value, 'progress', PROGRESS_VERSION);
}
