// A deployment summary: the state of one deployment as one observer knows it. Agents answer status
// queries with their signed reports; the coordinator derives summaries from those.
import { z } from 'zod';
import { DEPLOYMENT_ID, EPOCH_MS, PEER_ID, decodeWith } from './common.ts';
import { HOST_STATUSES } from './report.ts';

export const SUMMARY_VERSION = 1;

export const DEPLOYMENT_STATUSES = ['Created', 'InProgress', 'Succeeded', 'Failed', 'Stopped'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

export const SummarySchema = z.object({
  type: z.literal('summary'),
  v: z.literal(SUMMARY_VERSION),
  deploymentId: DEPLOYMENT_ID,
  status: z.enum(DEPLOYMENT_STATUSES),
  hosts: z.record(PEER_ID, z.enum(HOST_STATUSES)),
  updatedAt: EPOCH_MS,
}).strict();

export type DeploymentSummary = z.infer<typeof SummarySchema>;

export function decodeSummary(value: unknown): DeploymentSummary {
  return decodeWith(SummarySchema, value, 'summary', SUMMARY_VERSION);
}
