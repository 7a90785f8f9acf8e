// CreateDeployment, GetDeployment, BatchGetDeployments, ListDeployments, StopDeployment, ContinueDeployment,
// SkipWaitTimeForInstanceTermination, DeleteResourcesByExternalId. Automatic rollback is the daemon's (it
// creates the rollback deployment when a deployment that asked for one ends Failed or is stopped).
// Deployments go through the daemon's create() (the same path as `convoy deploy create`), with the group's
// targets resolved here to explicit peer ids.
import { fail, CodeDeployError } from '../errors.ts';
import { LOCAL_BUCKET, type ApiContext } from '../context.ts';
import { paginate } from '../pagination.ts';
import { deploymentId, name, oneOf, optBool, optName, optObject, optString, timestamp, type Input, DEPLOYMENT_ID_RE } from '../validate.ts';
import { put } from '../../model/model-store.ts';
import type { ApiDeploymentRecord, DeploymentGroupRecord, RevisionLocation } from '../../model/types.ts';
import { RequestError, newDeploymentId } from '../../daemon/create-deployment.ts';
import {
  DEPLOYMENT_STATUSES, allDeployments, deploymentInfo, groupDeploymentSummaries, isFinal, loadDeployment,
  type ApiDeploymentStatus, type LoadedDeployment,
} from '../deployment-info.ts';
import { requireApplication } from './applications.ts';
import { autoRollback, requireGroup, resolveGroupTargets } from './deployment-groups.ts';
import { requireConfig, requireExecutable } from './deployment-configs.ts';
import { MAX_DESCRIPTION, parseRevision, recordRevision } from './revisions.ts';
import { materializeRevision } from '../s3-revisions.ts';

const APP = ['applicationName', 'ApplicationNameRequiredException', 'InvalidApplicationNameException'] as const;
const GROUP = ['deploymentGroupName', 'DeploymentGroupNameRequiredException', 'InvalidDeploymentGroupNameException'] as const;

export async function requireDeployment(ctx: ApiContext, id: string): Promise<LoadedDeployment> {
  return (await loadDeployment(ctx, id)) ?? fail('DeploymentDoesNotExistException', `Deployment ${id} does not exist`);
}

/** One CreateDeployment at a time, so the one-active-deployment-per-group rule cannot race. */
let createQueue: Promise<unknown> = Promise.resolve();

export async function createDeployment(ctx: ApiContext, input: Input): Promise<unknown> {
  const run = (): Promise<unknown> => createDeploymentNow(ctx, input);
  const next = createQueue.then(run, run);
  createQueue = next.catch(() => undefined);
  return next;
}

async function createDeploymentNow(ctx: ApiContext, input: Input): Promise<unknown> {
  const app = name(input, ...APP);
  const application = requireApplication(ctx, app);
  const groupName = name(input, ...GROUP);
  const group = requireGroup(ctx, app, groupName);
  if (application.computePlatform !== 'Server') {
    fail('UnsupportedActionForDeploymentTypeException', `${app} is a ${application.computePlatform} application; its deployments are run by the Lambda/ECS plugins, not this endpoint`);
  }
  const description = optString(input, 'description', 'InvalidInputException');
  if (description !== undefined && description.length > MAX_DESCRIPTION) fail('DescriptionTooLongException', `description is ${description.length} characters; at most ${MAX_DESCRIPTION} are allowed`);
  const summaries = await groupDeploymentSummaries(ctx, app, groupName);
  const revision: RevisionLocation = input.revision !== undefined && input.revision !== null ? parseRevision(input.revision)
    : summaries.targetRevision ?? fail('RevisionRequiredException', 'revision is required (the deployment group has no target revision yet)');
  const configName = optName(input, 'deploymentConfigName', 'InvalidDeploymentConfigNameException') ?? group.deploymentConfigName;
  requireConfig(ctx, configName);
  requireExecutable(ctx, configName);
  const fileExistsBehavior = input.fileExistsBehavior === undefined ? group.fileExistsBehavior
    : oneOf(input.fileExistsBehavior, ['DISALLOW', 'OVERWRITE', 'RETAIN'] as const, 'InvalidFileExistsBehaviorException', 'fileExistsBehavior');
  const rollbackInput = optObject(input, 'autoRollbackConfiguration', 'InvalidAutoRollbackConfigException');
  const rollback = rollbackInput !== undefined ? autoRollback(rollbackInput) : group.autoRollbackConfiguration;
  const targetInstances = optObject(input, 'targetInstances', 'InvalidTargetInstancesException');
  if (targetInstances !== undefined) fail('InvalidTargetInstancesException', 'targetInstances is for blue/green deployments; Convoy targets the deployment group\'s instances');
  const ignoreStop = optBool(input, 'ignoreApplicationStopFailures') ?? false;
  const outdatedOnly = optBool(input, 'updateOutdatedInstancesOnly') ?? false;
  const overrideAlarm = optObject(input, 'overrideAlarmConfiguration', 'InvalidAlarmConfigException');

  const active = (await allDeployments(ctx)).find((d) => d.applicationName === app && d.deploymentGroupName === groupName && !isFinal(d.status)
    && (d.intent === undefined || d.intent.expiresAt > ctx.now()));
  if (active !== undefined) {
    fail('DeploymentLimitExceededException', `The deployment group ${app}/${groupName} already has an active deployment (${active.deploymentId})`);
  }
  const bundle = await materializeRevision(ctx, revision.s3Location);
  const base = {
    applicationName: app, deploymentGroupName: groupName, deploymentGroupId: group.deploymentGroupId, deploymentConfigName: configName,
    revision, revisionSha256: bundle.sha256, creator: 'user' as const, ignoreApplicationStopFailures: ignoreStop,
    updateOutdatedInstancesOnly: outdatedOnly, fileExistsBehavior, createTime: ctx.now(),
    ...(summaries.lastSuccessfulRevision !== undefined ? { previousRevision: summaries.lastSuccessfulRevision } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(rollback !== undefined ? { autoRollbackConfiguration: rollback } : {}),
    ...(overrideAlarm !== undefined ? { overrideAlarmConfiguration: overrideAlarm } : {}),
  };
  const id = await launch(ctx, group, base, bundle.sha256, {});
  await recordRevision(ctx, app, revision, { usedBy: groupName });
  return { deploymentId: id };
}

type RecordBase = Omit<ApiDeploymentRecord, 'deploymentId' | 'failedBeforeStart'>;

/** Creates the signed intent through the daemon and records the API metadata (or a NO_INSTANCES failure). */
async function launch(ctx: ApiContext, group: DeploymentGroupRecord, base: RecordBase, sha256: string, extra: { rollbackOf?: string; targetPeerIds?: readonly string[] }): Promise<string> {
  const peers = extra.targetPeerIds ?? resolveGroupTargets(ctx, group).peerIds;
  if (peers.length === 0) {
    const id = newDeploymentId();
    const record: ApiDeploymentRecord = {
      ...base, deploymentId: id,
      failedBeforeStart: {
        code: 'NO_INSTANCES',
        message: `No live, registered instance matches the tag filters of deployment group ${base.applicationName}/${base.deploymentGroupName}; check the group's tag filters and the agents' tags (ListOnPremisesInstances).`,
        completeTime: ctx.now(),
      },
    };
    await ctx.model.mutate(['deployments'], (d) => { put(d.deployments, id, record); });
    return id;
  }
  let intent;
  try {
    intent = await ctx.create({
      application: base.applicationName, deploymentGroup: base.deploymentGroupName, deploymentGroupId: group.deploymentGroupId,
      revision: sha256, config: base.deploymentConfigName, targets: [], targetPeerIds: peers,
      fileExistsBehavior: base.fileExistsBehavior, ignoreApplicationStopFailures: base.ignoreApplicationStopFailures,
      ...(rollbackEvents(base).length > 0 ? { autoRollbackEvents: rollbackEvents(base) } : {}),
      ...(base.description !== undefined ? { description: base.description } : {}),
      ...(extra.rollbackOf !== undefined ? { rollbackOf: extra.rollbackOf } : {}),
      ...s3LocationOf(base.revision),
    });
  } catch (err) {
    if (err instanceof RequestError) throw new CodeDeployError('InvalidInputException', err.message);
    throw err;
  }
  const record: ApiDeploymentRecord = { ...base, deploymentId: intent.deploymentId, createTime: intent.createdAt };
  await ctx.model.mutate(['deployments'], (d) => { put(d.deployments, intent.deploymentId, record); });
  return intent.deploymentId;
}

/** BUNDLE_* for the hooks: the S3 object the revision came from (not for the coordinator's own store). */
function s3LocationOf(revision: RecordBase['revision']): { s3Location?: { bucket: string; key: string; version?: string; etag?: string } } {
  const loc = (revision as { s3Location?: { bucket?: string; key?: string; version?: string; eTag?: string } }).s3Location;
  if (loc?.bucket === undefined || loc.key === undefined || loc.bucket === LOCAL_BUCKET) return {};
  return { s3Location: { bucket: loc.bucket, key: loc.key, ...(loc.version ? { version: loc.version } : {}), ...(loc.eTag ? { etag: loc.eTag } : {}) } };
}

/** The events the daemon acts on (DEPLOYMENT_STOP_ON_ALARM needs alarm polling, which Server deployments lack). */
function rollbackEvents(base: RecordBase): ('DEPLOYMENT_FAILURE' | 'DEPLOYMENT_STOP_ON_REQUEST')[] {
  const c = base.autoRollbackConfiguration;
  if (c?.enabled !== true) return [];
  return (c.events ?? []).filter((e): e is 'DEPLOYMENT_FAILURE' | 'DEPLOYMENT_STOP_ON_REQUEST' => e !== 'DEPLOYMENT_STOP_ON_ALARM');
}

export async function getDeployment(ctx: ApiContext, input: Input): Promise<unknown> {
  const d = await requireDeployment(ctx, deploymentId(input));
  return { deploymentInfo: deploymentInfo(ctx, d) };
}

export async function batchGetDeployments(ctx: ApiContext, input: Input): Promise<unknown> {
  const ids = input.deploymentIds;
  if (ids === undefined || ids === null || (Array.isArray(ids) && ids.length === 0)) fail('DeploymentIdRequiredException', 'deploymentIds is required');
  if (!Array.isArray(ids)) fail('InvalidDeploymentIdException', 'deploymentIds must be a list');
  if (ids.length > 25) fail('BatchLimitExceededException', 'At most 25 deployment ids per call');
  for (const id of ids) if (typeof id !== 'string' || !DEPLOYMENT_ID_RE.test(id)) fail('InvalidDeploymentIdException', `${JSON.stringify(id)} is not a deployment id`);
  const loaded = await Promise.all((ids as string[]).map((id) => loadDeployment(ctx, id)));
  return { deploymentsInfo: loaded.filter((d): d is LoadedDeployment => d !== undefined).map((d) => deploymentInfo(ctx, d)) };
}

export async function listDeployments(ctx: ApiContext, input: Input): Promise<unknown> {
  const app = optName(input, 'applicationName', 'InvalidApplicationNameException');
  const group = optName(input, 'deploymentGroupName', 'InvalidDeploymentGroupNameException');
  if (app !== undefined && group === undefined) fail('DeploymentGroupNameRequiredException', 'deploymentGroupName is required with applicationName');
  if (group !== undefined && app === undefined) fail('ApplicationNameRequiredException', 'applicationName is required with deploymentGroupName');
  if (app !== undefined && group !== undefined) {
    requireApplication(ctx, app);
    requireGroup(ctx, app, group);
  }
  const statusesIn = input.includeOnlyStatuses;
  if (statusesIn !== undefined && statusesIn !== null && !Array.isArray(statusesIn)) fail('InvalidDeploymentStatusException', 'includeOnlyStatuses must be a list');
  const statuses = ((statusesIn ?? []) as unknown[]).map((s) => oneOf<ApiDeploymentStatus>(s, DEPLOYMENT_STATUSES, 'InvalidDeploymentStatusException', 'includeOnlyStatuses'));
  const range = optObject(input, 'createTimeRange', 'InvalidTimeRangeException');
  const start = range?.start !== undefined && range.start !== null ? timestamp(range.start, 'InvalidTimeRangeException', 'createTimeRange.start') : -Infinity;
  const end = range?.end !== undefined && range.end !== null ? timestamp(range.end, 'InvalidTimeRangeException', 'createTimeRange.end') : Infinity;
  if (start > end) fail('InvalidTimeRangeException', 'createTimeRange.start is after createTimeRange.end');
  const externalId = optString(input, 'externalId', 'InvalidExternalIdException');
  const ids = externalId !== undefined ? [] : (await allDeployments(ctx))
    .filter((d) => app === undefined || (d.applicationName === app && d.deploymentGroupName === group))
    .filter((d) => statuses.length === 0 || statuses.includes(d.status))
    .filter((d) => d.createTime >= start && d.createTime <= end)
    .map((d) => d.deploymentId);
  const { page, nextToken } = paginate('ListDeployments', ids, input.nextToken, ctx.pageSize);
  return { deployments: page, ...(nextToken !== undefined ? { nextToken } : {}) };
}

export async function stopDeployment(ctx: ApiContext, input: Input): Promise<unknown> {
  const d = await requireDeployment(ctx, deploymentId(input));
  const rollback = optBool(input, 'autoRollbackEnabled') ?? false;
  if (isFinal(d.status)) fail('DeploymentAlreadyCompletedException', `Deployment ${d.deploymentId} has already completed (${d.status})`);
  if (ctx.stopDeployment === undefined || d.intent === undefined) {
    fail('UnsupportedActionForDeploymentTypeException', `This coordinator cannot stop deployments; ${d.deploymentId} keeps running`);
  }
  try {
    await ctx.stopDeployment(d.deploymentId, rollback);
  } catch (err) {
    if (err instanceof RequestError) fail('DeploymentAlreadyCompletedException', err.message);
    throw err;
  }
  return { status: 'Pending', statusMessage: `Stop requested for ${d.deploymentId}: hosts finish their current lifecycle event and stop${rollback ? '; a rollback deployment follows' : ''}` };
}

export async function continueDeployment(ctx: ApiContext, input: Input): Promise<unknown> {
  if (input.deploymentWaitType !== undefined) {
    oneOf(input.deploymentWaitType, ['READY_WAIT', 'TERMINATION_WAIT'] as const, 'InvalidDeploymentWaitTypeException', 'deploymentWaitType');
  }
  const d = await requireDeployment(ctx, deploymentId(input));
  if (isFinal(d.status)) fail('DeploymentAlreadyCompletedException', `Deployment ${d.deploymentId} has already completed (${d.status})`);
  return fail('DeploymentIsNotInReadyStateException', `Deployment ${d.deploymentId} is an in-place deployment and never waits in the Ready state`);
}

export async function skipWaitTimeForInstanceTermination(ctx: ApiContext, input: Input): Promise<unknown> {
  if (input.deploymentId !== undefined) await requireDeployment(ctx, deploymentId(input));
  return fail('UnsupportedActionForDeploymentTypeException', 'SkipWaitTimeForInstanceTermination applies to blue/green deployments; Convoy runs in-place deployments only');
}

export async function deleteResourcesByExternalId(_ctx: ApiContext, input: Input): Promise<unknown> {
  optString(input, 'externalId');
  return {};
}
