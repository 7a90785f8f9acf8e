// The deployment intent: everything a host needs to decide, alone, whether and what to deploy.
// Signed by a trusted coordinator key; targets are resolved at creation and frozen (as CodeDeploy snapshots
// its target instances).
import { z } from 'zod';
import { DEPLOYMENT_ID, EPOCH_MS, NAME, PEER_ID, SHA256_HEX, decodeWith } from './common.ts';

export const INTENT_VERSION = 1;

const SeedSource = z.object({
  kind: z.literal('seed'),
  /** Peers that serve the bundle over the fetch protocol, with dialable addresses. */
  peers: z.array(z.object({ peerId: PEER_ID, addrs: z.array(z.string().max(512)).max(16) }).strict()).min(1).max(16),
}).strict();

const S3Source = z.object({
  kind: z.literal('s3'),
  bucket: z.string().min(3).max(63),
  key: z.string().min(1).max(1024),
  version: z.string().max(1024).optional(),
  etag: z.string().max(128).optional(),
  region: z.string().max(64).optional(),
  endpoint: z.string().url().max(512).optional(),
}).strict();

export const RevisionSchema = z.object({
  sha256: SHA256_HEX,
  size: z.number().int().positive(),
  bundleType: z.enum(['zip', 'tar', 'tgz']),
  source: z.discriminatedUnion('kind', [SeedSource, S3Source]),
  /** Hash of the chunk manifest, when the revision is distributed in chunks. */
  manifestSha256: SHA256_HEX.optional(),
  /**
   * The S3 object the revision was registered from, when its bytes travel another way (the coordinator
   * fetched it for an air-gapped fleet). Hooks see it as BUNDLE_BUCKET/KEY/VERSION/ETAG.
   */
  s3Location: z.object({
    bucket: z.string().min(3).max(63),
    key: z.string().min(1).max(1024),
    version: z.string().max(1024).optional(),
    etag: z.string().max(128).optional(),
  }).strict().optional(),
}).strict();

/** MOST_CONCURRENCY 1 is OneAtATime's service-internal type (m = N − 1); users set the other two. */
export const MinimumHealthySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('HOST_COUNT'), value: z.number().int().nonnegative() }).strict(),
  z.object({ type: z.literal('FLEET_PERCENT'), value: z.number().int().min(0).max(99) }).strict(),
  z.object({ type: z.literal('MOST_CONCURRENCY'), value: z.literal(1) }).strict(),
]);

export const DeploymentConfigSchema = z.object({
  name: z.string().min(1).max(100),
  minimumHealthyHosts: MinimumHealthySchema,
}).strict();

export const IntentSchema = z.object({
  type: z.literal('intent'),
  v: z.literal(INTENT_VERSION),
  deploymentId: DEPLOYMENT_ID,
  application: NAME,
  deploymentGroup: NAME,
  /** Stable id of the group (hooks see it as DEPLOYMENT_GROUP_ID). */
  deploymentGroupId: z.string().min(1).max(64).regex(/^[A-Za-z0-9-]+$/),
  /** Strictly increasing per deployment group: a host never applies an older or equal one. */
  groupSequence: z.number().int().positive(),
  revision: RevisionSchema,
  targets: z.array(PEER_ID).min(1).max(1000).refine((t) => new Set(t).size === t.length, 'must not repeat a peer id'),
  config: DeploymentConfigSchema,
  fileExistsBehavior: z.enum(['DISALLOW', 'OVERWRITE', 'RETAIN']),
  ignoreApplicationStopFailures: z.boolean(),
  appspecFileName: z.string().min(1).max(255).regex(/^[^/\\]+$/, 'must be a file name').optional(),
  createdAt: EPOCH_MS,
  expiresAt: EPOCH_MS,
  rollbackOf: DEPLOYMENT_ID.optional(),
  /** Acceptor committee size for fleets over 5 hosts (odd); default 5. */
  committeeSize: z.number().int().min(3).max(15).refine((n) => n % 2 === 1, 'must be odd').optional(),
  description: z.string().max(256).optional(),
}).strict().refine((i) => i.expiresAt > i.createdAt, { message: 'must be after createdAt', path: ['expiresAt'] });

export type DeploymentIntent = z.infer<typeof IntentSchema>;
export type RevisionRef = z.infer<typeof RevisionSchema>;
export type DeploymentConfig = z.infer<typeof DeploymentConfigSchema>;

export function decodeIntent(value: unknown): DeploymentIntent {
  return decodeWith(IntentSchema, value, 'intent', INTENT_VERSION);
}
