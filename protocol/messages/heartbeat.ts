// Heartbeats: how the coordinator and other hosts learn who is in the fleet, with what tags and revisions.
import { z } from 'zod';
import { DEPLOYMENT_ID, EPOCH_MS, NAME, PEER_ID, SHA256_HEX, TAGS, decodeWith } from './common.ts';
import { HOST_STATUSES } from './report.ts';

export const HEARTBEAT_VERSION = 1;

export const HeartbeatSchema = z.object({
  type: z.literal('heartbeat'),
  v: z.literal(HEARTBEAT_VERSION),
  host: PEER_ID,
  instanceName: z.string().min(1).max(100),
  tags: TAGS,
  agentVersion: z.string().max(32),
  runtime: z.string().max(64),
  addrs: z.array(z.string().max(512)).max(16),
  revisions: z.array(z.object({
    application: NAME,
    deploymentGroup: NAME,
    revisionSha256: SHA256_HEX,
    deploymentId: DEPLOYMENT_ID,
  }).strict()).max(256),
  lastDeployment: z.object({ deploymentId: DEPLOYMENT_ID, status: z.enum(HOST_STATUSES) }).strict().optional(),
  uptimeMs: z.number().int().nonnegative(),
  sentAt: EPOCH_MS,
}).strict();

export type Heartbeat = z.infer<typeof HeartbeatSchema>;

export function decodeHeartbeat(value: unknown): Heartbeat {
  return decodeWith(HeartbeatSchema, value, 'heartbeat', HEARTBEAT_VERSION);
}
