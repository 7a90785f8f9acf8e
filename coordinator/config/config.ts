// The coordinator's configuration (coordinator.yaml). Every coordinator command takes `--config FILE`
// or the CONVOY_CONFIG environment variable.
import path from 'node:path';
import { z } from 'zod';
import { BootstrapAddressSchema, readYamlConfig } from '../../agent/config/yaml-config.ts';
import { AwsSectionSchema } from '../platforms/aws-schema.ts';

export const CoordinatorConfigSchema = z.object({
  /** Durable store: deployments, reports, fleet view, revision store, libp2p identity. */
  dataDir: z.string().min(1),
  /** Ed25519 signing key (PEM, PKCS#8) made by `convoy keygen`. */
  keyFile: z.string().min(1),
  /** libp2p listen multiaddrs of the coordinator's own peer (it seeds revisions from here). */
  listen: z.array(z.string().startsWith('/')).min(1).default(['/ip4/127.0.0.1/tcp/0']),
  /** Peers dialled at start and redialled whenever the connection is lost (agent/network/bootstrap-keeper.ts). */
  bootstrap: z.array(BootstrapAddressSchema).default([]),
  /** Local control API used by the CLI; loopback by default. */
  api: z.object({
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(7480),
  }).strict().default({ host: '127.0.0.1', port: 7480 }),
  sharedAddresses: z.array(z.string().startsWith('/')).default(['/ip4/127.0.0.1']),
  /** How long a published intent stays valid for hosts that have not yet received it. */
  intentTtlMs: z.number().int().min(1000).default(24 * 3600 * 1000),
  /** A host whose last heartbeat is older than this is reported as not alive. */
  aliveWindowMs: z.number().int().min(1000).default(15_000),
  /**
   * `deploy create` returns once a target holds the verified revision (so the fleet can finish without the
   * coordinator), or after this long.
   */
  replicationTimeoutMs: z.number().int().min(0).default(120_000),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** The CodeDeploy-compatible API (requests carrying X-Amz-Target on the control API port). See docs/codedeploy-api.md. */
  codedeployApi: z.object({
    /** SigV4 keys the API accepts; a request signed with any other key is refused. */
    accessKeys: z.array(z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) }).strict()).default([]),
    /** Local sandboxes only: skip SigV4 verification entirely (logged loudly at start). */
    allowUnsigned: z.boolean().default(false),
    /** Region and account used in ARNs. */
    region: z.string().min(1).default('us-east-1'),
    accountId: z.string().regex(/^\d{12}$/).default('000000000000'),
    /** Page size of every List* operation. */
    pageSize: z.number().int().min(1).max(1000).default(100),
  }).strict().optional(),
  /** S3-compatible store the CodeDeploy API fetches `s3Location` revisions from. */
  s3: z.object({
    endpoint: z.string().url().optional(),
    region: z.string().min(1).default('us-east-1'),
    forcePathStyle: z.boolean().default(false),
    accessKeyId: z.string().min(1).optional(),
    secretAccessKey: z.string().min(1).optional(),
  }).strict().optional(),
  /** AWS access of the Lambda/ECS plugins: region, endpoint override, credentials, per-platform timings. See docs/plugins.md. */
  aws: AwsSectionSchema.optional(),
}).strict();

export type CoordinatorConfig = z.infer<typeof CoordinatorConfigSchema>;

export class CoordinatorConfigError extends Error {
  override readonly name = 'CoordinatorConfigError';
}

export function resolveConfigPath(flag: string | undefined): string {
  const file = flag ?? process.env.CONVOY_CONFIG;
  if (file === undefined || file === '') {
    throw new CoordinatorConfigError('No coordinator config: pass --config FILE or set CONVOY_CONFIG');
  }
  return file;
}

export async function loadCoordinatorConfig(file: string): Promise<CoordinatorConfig> {
  const config = await readYamlConfig(file, 'coordinator config', CoordinatorConfigSchema, (m) => new CoordinatorConfigError(m));
  const base = path.dirname(path.resolve(file));
  return { ...config, dataDir: path.resolve(base, config.dataDir), keyFile: path.resolve(base, config.keyFile) };
}
