// The agent's configuration file (YAML), validated with messages that name the key.
import path from 'node:path';
import { z } from 'zod';
import { BootstrapAddressSchema, readYamlConfig, validateConfig } from './yaml-config.ts';

export const AgentConfigSchema = z.object({
  /** Where the agent keeps its identity key, journal, revisions and logs. */
  rootDir: z.string().min(1),
  /** libp2p listen multiaddrs, e.g. /ip4/0.0.0.0/tcp/7400 */
  listen: z.array(z.string().startsWith('/')).min(1).default(['/ip4/0.0.0.0/tcp/7400']),
  /** Peers dialled at start and redialled whenever the connection is lost (agent/network/bootstrap-keeper.ts). */
  bootstrap: z.array(BootstrapAddressSchema).default([]),
  /** Instance tags, as CodeDeploy's instance tags (Key=Value). */
  tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
  /** Coordinator public keys (`ed25519:...`) whose intents this agent obeys. */
  trustedCoordinators: z.array(z.string().startsWith('ed25519:')).min(1),
  /** On-prem instance name; defaults to the peer id. */
  instanceName: z.string().min(1).max(100).optional(),
  heartbeatIntervalMs: z.number().int().min(200).max(600_000).default(3000),
  /**
   * How long a lifecycle report waits to be gossiped with the ones after it (reporting/outbox.ts): one
   * message per stretch of the lifecycle instead of one per report. 0 gossips every journal write's reports at once.
   */
  reportBatchMs: z.number().int().min(0).max(10_000).default(1000),
  /**
   * Sandbox option: re-root absolute AppSpec destinations under this directory (relative to rootDir when
   * relative) so several agents on one machine never write over each other. Hooks see it as
   * CONVOY_DESTINATION_ROOT. Off by default.
   */
  destinationRoot: z.string().min(1).optional(),
  /** Revisions kept on disk, including the current one (compatibility decision 8). */
  maxRevisions: z.number().int().min(1).max(100).default(5),
  /** Upload / download rate limits of this host's chunk traffic, bytes per second (unlimited when absent). */
  uploadBytesPerSec: z.number().int().min(1024).optional(),
  downloadBytesPerSec: z.number().int().min(1024).optional(),
  /** S3-compatible endpoint and credentials for revisions whose intent names an S3 source. */
  s3: z.object({
    endpoint: z.string().url().optional(),
    region: z.string().min(1).optional(),
    forcePathStyle: z.boolean().optional(),
    accessKeyId: z.string().min(1).optional(),
    secretAccessKey: z.string().min(1).optional(),
  }).strict().optional(),
  /** Addresses many peers share (loopback fleets, NAT): exempt from per-IP limits. */
  sharedAddresses: z.array(z.string().startsWith('/')).default(['/ip4/127.0.0.1']),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
}).strict();

export type AgentConfig = z.infer<typeof AgentConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function parseAgentConfig(value: unknown, source: string, baseDir: string): AgentConfig {
  const config = validateConfig(value, source, AgentConfigSchema, (m) => new ConfigError(m));
  const rootDir = path.resolve(baseDir, config.rootDir);
  const destinationRoot = config.destinationRoot === undefined ? undefined : path.resolve(rootDir, config.destinationRoot);
  return { ...config, rootDir, destinationRoot };
}

export async function loadAgentConfig(file: string): Promise<AgentConfig> {
  const value = await readYamlConfig(file, 'agent config', z.unknown(), (m) => new ConfigError(m));
  return parseAgentConfig(value, file, path.dirname(path.resolve(file)));
}
