// The control API's body for a Lambda/ECS deployment (POST /v1/deployments with `computePlatform`), and the
// facts the coordinator keeps next to the plugin's record (names shown by `deploy get/list`).
import { z } from 'zod';

export const PLATFORMS = ['Lambda', 'ECS'] as const;
export type PlatformName = (typeof PLATFORMS)[number];

const routing = z.discriminatedUnion('type', [
  z.object({ type: z.literal('AllAtOnce') }).strict(),
  z.object({ type: z.literal('TimeBasedCanary'), timeBasedCanary: z.object({ canaryPercentage: z.number(), canaryInterval: z.number() }).strict() }).strict(),
  z.object({ type: z.literal('TimeBasedLinear'), timeBasedLinear: z.object({ linearPercentage: z.number(), linearInterval: z.number() }).strict() }).strict(),
]);

export const PlatformCreateSchema = z.object({
  computePlatform: z.enum(PLATFORMS),
  /** AppSpec text (YAML or JSON). */
  appspec: z.string().min(1).max(60_000),
  /** Shown by `deploy get/list`; default: the function (Lambda) or service (ECS) name. */
  application: z.string().min(1).max(100).optional(),
  /** Default: the alias (Lambda) or cluster (ECS). */
  deploymentGroup: z.string().min(1).max(100).optional(),
  description: z.string().max(256).optional(),
  /** `CodeDeployDefault.X`, `X`, a custom config created with CreateDeploymentConfig, or a trafficRoutingConfig. */
  deploymentConfig: z.union([z.string().min(1), routing]).optional(),
  alarmConfiguration: z.object({
    alarms: z.array(z.string().min(1)).max(10),
    enabled: z.boolean().optional(),
    ignorePollAlarmFailure: z.boolean().optional(),
  }).strict().optional(),
  autoRollback: z.object({
    onFailure: z.boolean().optional(),
    onAlarm: z.boolean().optional(),
    onStopRequest: z.boolean().optional(),
  }).strict().optional(),
  /** ECS: cluster, service, prodListenerArn, testListenerArn?, targetGroupArns, terminationWaitMinutes?, stabilizeTimeoutMinutes?. */
  target: z.record(z.string(), z.unknown()).optional(),
}).strict();

export type PlatformCreateRequest = z.infer<typeof PlatformCreateSchema>;

/** True when a POST /v1/deployments body asks for a Lambda or ECS deployment. */
export function isPlatformRequest(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const p = (body as { computePlatform?: unknown }).computePlatform;
  return p !== undefined && p !== 'Server';
}

/** Kept in `<dataDir>/platforms/meta/<id>.json`, next to the plugin's own record. */
export interface PlatformMeta {
  readonly computePlatform: PlatformName;
  readonly application: string;
  readonly deploymentGroup: string;
  /** What is deployed: `function:version` or the task definition. */
  readonly revision: string;
  /** The pseudo-host name: `function:alias` or `cluster/service`. */
  readonly target: string;
  readonly config: string;
  readonly description?: string;
  stopRequested?: { at: number; rollback?: boolean };
}
