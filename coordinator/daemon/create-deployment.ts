// Turns an operator's request into a signed intent: resolves targets from live heartbeats (snapshotted
// at creation, as CodeDeploy does), allocates the group sequence, signs, stores. Publishing is the caller's.
import { createHash, randomInt } from 'node:crypto';
import { seal, type Signer, type SignedEnvelope } from '../../protocol/signing/envelope.ts';
import { INTENT_VERSION, decodeIntent, type DeploymentConfig, type DeploymentIntent } from '../../protocol/messages/intent.ts';
import type { CoordinatorStore, FleetEntry, StoredDeployment } from '../store/store.ts';
import { resolveDeploymentConfig, type CustomConfigLookup } from './deployment-configs.ts';
import { minimumHealthy } from '../../protocol/rollout/index.ts';
import { revisionDistribution } from '../revisions/manifest.ts';
import { isAlive } from '../status/fleet-view.ts';

export interface CreateDeploymentRequest {
  readonly application: string;
  readonly deploymentGroup: string;
  readonly revision: string;
  readonly config?: string;
  /** Tag filters; a host matches if it carries any of them (CodeDeploy's OR across filters). */
  readonly targets: readonly { key: string; value: string }[];
  readonly fileExistsBehavior?: 'DISALLOW' | 'OVERWRITE' | 'RETAIN';
  readonly ignoreApplicationStopFailures?: boolean;
  readonly description?: string;
  readonly rollbackOf?: string;
  /** Explicit targets (peer ids), e.g. resolved from a CodeDeploy deployment group; used instead of `targets`. */
  readonly targetPeerIds?: readonly string[];
  /** Overrides the group id derived from the names (a renamed CodeDeploy deployment group keeps its id). */
  readonly deploymentGroupId?: string;
  /** Roll back automatically (a new deployment of the group's last successful revision) on these events. */
  readonly autoRollbackEvents?: readonly AutoRollbackEvent[];
  /** Where the revision came from in S3 (CodeDeploy API deployments), for the hooks' BUNDLE_* variables. */
  readonly s3Location?: { bucket: string; key: string; version?: string; etag?: string };
}

/** A host the request matched but left out, as the API reports it (`unheard` in POST /v1/deployments). */
export interface UnheardHost {
  readonly peerId: string;
  readonly instanceName: string;
  /** When the coordinator last received a heartbeat from it (ms since the epoch). */
  readonly lastHeardAt: number;
}

export function describeUnheard(entries: readonly FleetEntry[]): UnheardHost[] {
  return entries.map((f) => ({ peerId: f.heartbeat.host, instanceName: f.heartbeat.instanceName, lastHeardAt: f.receivedAt }));
}

export type AutoRollbackEvent = 'DEPLOYMENT_FAILURE' | 'DEPLOYMENT_STOP_ON_REQUEST';

export class RequestError extends Error {
  override readonly name = 'RequestError';
}

export interface CreateContext {
  readonly store: CoordinatorStore;
  readonly signer: Signer;
  readonly seed: { peerId: string; addrs: string[] };
  readonly now: number;
  readonly aliveWindowMs: number;
  readonly intentTtlMs: number;
  readonly customConfig?: CustomConfigLookup;
}

export interface CreatedDeployment {
  readonly intent: DeploymentIntent;
  readonly envelope: SignedEnvelope;
  /**
   * Hosts the request matched but left out: none of their heartbeats arrived within aliveWindowMs. After a
   * coordinator restart that is every host until it hears from it again.
   */
  readonly unheard: readonly FleetEntry[];
  /** False when the deployment failed at creation (m ≥ N): nothing is published, no host is touched. */
  readonly publish: boolean;
}

export async function createDeployment(req: CreateDeploymentRequest, ctx: CreateContext): Promise<CreatedDeployment> {
  const revision = await ctx.store.findRevision(req.revision);
  if (revision === undefined) throw new RequestError(`Revision "${req.revision}" is not in the revision store (push it first; give the full hash or a unique prefix of at least 8 hex digits)`);
  const config: DeploymentConfig = resolveDeploymentConfig(req.config ?? 'CodeDeployDefault.OneAtATime', ctx.customConfig);
  const { targets, unheard } = resolveTargets(req, ctx.store.fleetEntries(), ctx.now, ctx.aliveWindowMs);
  if (targets.length === 0) {
    if (req.targetPeerIds !== undefined) throw new RequestError('None of the requested target hosts is alive');
    throw new RequestError(`No live host matches ${req.targets.map((t) => `${t.key}=${t.value}`).join(' or ') || '(no tag filter)'}`);
  }
  const deploymentGroupId = req.deploymentGroupId ?? groupId(req.application, req.deploymentGroup);
  const draft = {
    type: 'intent', v: INTENT_VERSION,
    deploymentId: newDeploymentId(),
    application: req.application,
    deploymentGroup: req.deploymentGroup,
    deploymentGroupId,
    groupSequence: await ctx.store.nextGroupSequence(deploymentGroupId),
    revision: {
      sha256: revision.sha256, size: revision.size, bundleType: revision.bundleType,
      ...(await revisionDistribution(ctx.store, revision, ctx.seed)),
      ...(req.s3Location !== undefined ? { s3Location: req.s3Location } : {}),
    },
    targets: targets.sort(),
    config,
    fileExistsBehavior: req.fileExistsBehavior ?? 'DISALLOW',
    ignoreApplicationStopFailures: req.ignoreApplicationStopFailures ?? false,
    createdAt: ctx.now,
    expiresAt: ctx.now + ctx.intentTtlMs,
    ...(req.rollbackOf !== undefined ? { rollbackOf: req.rollbackOf } : {}),
    ...(req.description !== undefined ? { description: req.description } : {}),
  };
  let intent: DeploymentIntent;
  try {
    intent = decodeIntent(draft);
  } catch (err) {
    throw new RequestError((err as Error).message);
  }
  const envelope = seal('intent', intent, ctx.signer);
  const stored: StoredDeployment = {
    intent, intentEnvelope: envelope, createdAt: ctx.now,
    ...(req.autoRollbackEvents && req.autoRollbackEvents.length > 0 ? { autoRollbackEvents: [...req.autoRollbackEvents] } : {}),
  };
  // §6.1: if the minimum healthy count cannot be kept, the deployment fails at once, touching no host.
  const m = minimumHealthy(config as never, intent.targets.length);
  const publish = m < intent.targets.length;
  if (!publish) {
    stored.finalStatus = 'Failed';
    stored.completedAt = ctx.now;
    stored.failureReason = `HEALTH_CONSTRAINTS_INVALID: ${config.name} needs ${m} healthy hosts of ${intent.targets.length}, so no host can be deployed`;
  }
  await ctx.store.saveDeployment(stored);
  return { intent, envelope, publish, unheard };
}

/** The hosts a request matches, split into targets (heard within the window) and unheard ones. */
export function resolveTargets(
  req: Pick<CreateDeploymentRequest, 'targets' | 'targetPeerIds'>, fleet: readonly FleetEntry[], now: number, aliveWindowMs: number,
): { targets: string[]; unheard: FleetEntry[] } {
  const wanted = req.targetPeerIds !== undefined ? new Set(req.targetPeerIds) : undefined;
  const matched = fleet.filter((f) => (wanted !== undefined
    ? wanted.has(f.heartbeat.host)
    : req.targets.length === 0 || req.targets.some((t) => f.heartbeat.tags[t.key] === t.value)));
  const alive = (f: FleetEntry): boolean => isAlive(f, now, aliveWindowMs);
  return { targets: matched.filter(alive).map((f) => f.heartbeat.host), unheard: matched.filter((f) => !alive(f)) };
}

/** A stable id for a group, safe as a file name on every host (hooks see it as DEPLOYMENT_GROUP_ID). */
export function groupId(application: string, group: string): string {
  return 'dg-' + createHash('sha256').update(`${application}\n${group}`).digest('hex').slice(0, 16);
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export function newDeploymentId(): string {
  let id = 'd-';
  for (let i = 0; i < 9; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}
