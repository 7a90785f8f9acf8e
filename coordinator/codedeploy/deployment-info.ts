// Builds the CodeDeploy shapes of a deployment (DeploymentInfo, InstanceTarget, InstanceSummary,
// LifecycleEvent) from the coordinator's own view (status/deployment-view.ts) plus the API metadata kept
// in the model. Deployments created with `convoy deploy create` appear too, with their revision shown as a
// location in the coordinator's store (bucket convoy-local, key = content hash).
import { IN_PLACE_EVENTS } from '../../protocol/lifecycle.ts';
import type { DeploymentIntent } from '../../protocol/messages/intent.ts';
import type { DeploymentView, EventView, HostView } from '../status/deployment-view.ts';
import type { ApiDeploymentRecord, RevisionLocation } from '../model/types.ts';
import type { StoredDeployment } from '../store/store.ts';
import { LOCAL_BUCKET, instanceArn, secs, type ApiContext } from './context.ts';

export type ApiDeploymentStatus = 'Created' | 'Queued' | 'InProgress' | 'Baking' | 'Succeeded' | 'Failed' | 'Stopped' | 'Ready';
export const DEPLOYMENT_STATUSES: readonly ApiDeploymentStatus[] = ['Created', 'Queued', 'InProgress', 'Baking', 'Succeeded', 'Failed', 'Stopped', 'Ready'];
export const TARGET_STATUSES = ['Pending', 'InProgress', 'Succeeded', 'Failed', 'Skipped', 'Unknown', 'Ready'] as const;
export type TargetStatus = (typeof TARGET_STATUSES)[number];

export interface LoadedDeployment {
  readonly deploymentId: string;
  readonly record?: ApiDeploymentRecord;
  readonly intent?: DeploymentIntent;
  readonly stored?: StoredDeployment;
  readonly view?: DeploymentView;
  readonly status: ApiDeploymentStatus;
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  readonly createTime: number;
}

export async function loadDeployment(ctx: ApiContext, id: string): Promise<LoadedDeployment | undefined> {
  const record = ctx.model.deployment(id);
  const [stored, view] = await Promise.all([ctx.store.getDeployment(id), ctx.view(id)]);
  if (record === undefined && view === undefined) return undefined;
  const status: ApiDeploymentStatus = record?.failedBeforeStart !== undefined ? 'Failed' : view?.status ?? 'Created';
  return {
    deploymentId: id, status,
    ...(record !== undefined ? { record } : {}),
    ...(stored !== undefined ? { intent: stored.intent, stored } : {}),
    ...(view !== undefined ? { view } : {}),
    applicationName: record?.applicationName ?? view?.application ?? '',
    deploymentGroupName: record?.deploymentGroupName ?? view?.deploymentGroup ?? '',
    createTime: record?.createTime ?? view?.createdAt ?? 0,
  };
}

/** Every deployment the coordinator knows, newest first. */
export async function allDeployments(ctx: ApiContext): Promise<LoadedDeployment[]> {
  const ids = new Set([...(await ctx.store.listDeployments()).map((d) => d.intent.deploymentId), ...Object.keys(ctx.model.data.deployments)]);
  const loaded = await Promise.all([...ids].map((id) => loadDeployment(ctx, id)));
  return loaded.filter((d): d is LoadedDeployment => d !== undefined)
    .sort((a, b) => b.createTime - a.createTime || (a.deploymentId < b.deploymentId ? 1 : -1));
}

export function isFinal(status: ApiDeploymentStatus): boolean {
  return status === 'Succeeded' || status === 'Failed' || status === 'Stopped';
}

export function revisionOf(d: LoadedDeployment): RevisionLocation {
  if (d.record !== undefined) return d.record.revision;
  return localLocation(d.intent?.revision.sha256 ?? d.view?.revision ?? '', d.intent?.revision.bundleType ?? 'zip');
}

export function localLocation(sha256: string, bundleType: 'zip' | 'tar' | 'tgz'): RevisionLocation {
  return { revisionType: 'S3', s3Location: { bucket: LOCAL_BUCKET, key: sha256, bundleType } };
}

export async function groupDeploymentSummaries(ctx: ApiContext, app: string, group: string): Promise<{
  lastSuccessful?: Record<string, unknown>; lastAttempted?: Record<string, unknown>; targetRevision?: RevisionLocation; lastSuccessfulRevision?: RevisionLocation;
}> {
  const mine = (await allDeployments(ctx)).filter((d) => d.applicationName === app && d.deploymentGroupName === group);
  const summary = (d: LoadedDeployment): Record<string, unknown> => {
    const end = completeTime(d);
    return { deploymentId: d.deploymentId, status: d.status, createTime: secs(d.createTime), ...(end !== undefined ? { endTime: secs(end) } : {}) };
  };
  const attempted = mine[0];
  const successful = mine.find((d) => d.status === 'Succeeded');
  return {
    ...(attempted !== undefined ? { lastAttempted: summary(attempted), targetRevision: revisionOf(attempted) } : {}),
    ...(successful !== undefined ? { lastSuccessful: summary(successful) } : {}),
    ...(successful !== undefined ? { lastSuccessfulRevision: revisionOf(successful) } : {}),
  };
}

function eventTimes(view: DeploymentView | undefined): number[] {
  return (view?.hosts ?? []).flatMap((h) => h.events.flatMap((e) => [e.startedAt, ...(e.endedAt !== undefined ? [e.endedAt] : [])]));
}

export function startTime(d: LoadedDeployment): number | undefined {
  const starts = (d.view?.hosts ?? []).flatMap((h) => h.events.map((e) => e.startedAt));
  return starts.length > 0 ? Math.min(...starts) : undefined;
}

export function completeTime(d: LoadedDeployment): number | undefined {
  if (d.record?.failedBeforeStart !== undefined) return d.record.failedBeforeStart.completeTime;
  if (!isFinal(d.status)) return undefined;
  const times = eventTimes(d.view);
  return d.view?.completedAt ?? (times.length > 0 ? Math.max(...times) : d.createTime);
}

export function targetStatus(h: HostView): TargetStatus {
  return h.status === 'Stopped' ? 'Failed' : h.status;
}

export function overview(d: LoadedDeployment): Record<string, number> {
  const o = { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 };
  for (const h of d.view?.hosts ?? []) o[targetStatus(h) as 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped'] += 1;
  return o;
}

function errorInformation(d: LoadedDeployment): { code: string; message: string } | undefined {
  if (d.record?.failedBeforeStart !== undefined) return { code: d.record.failedBeforeStart.code, message: d.record.failedBeforeStart.message };
  if (d.status === 'Stopped') return { code: 'MANUAL_STOP', message: 'The deployment was stopped before it finished.' };
  if (d.status === 'Failed' && d.stored?.failureReason !== undefined) {
    const m = /^([A-Z_]+): (.*)$/s.exec(d.stored.failureReason);
    return m !== null ? { code: m[1] ?? 'HEALTH_CONSTRAINTS', message: m[2] ?? '' } : { code: 'HEALTH_CONSTRAINTS', message: d.stored.failureReason };
  }
  if (d.status !== 'Failed') return undefined;
  const hosts = d.view?.hosts ?? [];
  const failed = hosts.filter((h) => targetStatus(h) === 'Failed');
  const first = failed.flatMap((h) => h.events.filter((e) => e.status === 'Failed').map((e) => `${h.instanceName}: ${e.event} ${e.errorCode}${e.scriptName ? ` (${e.scriptName})` : ''}`))[0];
  return {
    code: 'HEALTH_CONSTRAINTS',
    message: `The deployment failed: ${failed.length} of ${hosts.length} instances failed, fewer than the deployment config's minimum healthy hosts succeeded${first !== undefined ? `. First failure: ${first}` : ''}.`,
  };
}

export function deploymentInfo(ctx: ApiContext, d: LoadedDeployment): Record<string, unknown> {
  const r = d.record;
  const start = startTime(d);
  const end = completeTime(d);
  const err = errorInformation(d);
  const rollbackOf = d.intent?.rollbackOf;
  const rolledBackBy = d.stored?.rolledBackBy;
  const rollbackInfo = r?.rollbackInfo ?? (rollbackOf !== undefined || rolledBackBy !== undefined ? {
    ...(rollbackOf !== undefined ? { rollbackTriggeringDeploymentId: rollbackOf } : {}),
    ...(rolledBackBy !== undefined ? { rollbackDeploymentId: rolledBackBy, rollbackMessage: `Rolled back by ${rolledBackBy}` } : {}),
  } : undefined);
  const description = r?.description ?? d.intent?.description;
  return {
    applicationName: d.applicationName,
    deploymentGroupName: d.deploymentGroupName,
    deploymentConfigName: r?.deploymentConfigName ?? d.view?.config ?? '',
    deploymentId: d.deploymentId,
    ...(r?.previousRevision !== undefined ? { previousRevision: r.previousRevision } : {}),
    revision: revisionOf(d),
    status: d.status,
    ...(err !== undefined ? { errorInformation: err } : {}),
    createTime: secs(d.createTime),
    ...(start !== undefined ? { startTime: secs(start) } : d.status !== 'Created' ? { startTime: secs(d.createTime) } : {}),
    ...(end !== undefined ? { completeTime: secs(end) } : {}),
    deploymentOverview: overview(d),
    ...(description !== undefined ? { description } : {}),
    creator: r?.creator ?? (rollbackOf !== undefined ? 'codeDeployRollback' : 'user'),
    ignoreApplicationStopFailures: r?.ignoreApplicationStopFailures ?? d.intent?.ignoreApplicationStopFailures ?? false,
    ...(r?.autoRollbackConfiguration !== undefined ? { autoRollbackConfiguration: r.autoRollbackConfiguration } : {}),
    updateOutdatedInstancesOnly: r?.updateOutdatedInstancesOnly ?? false,
    ...(rollbackInfo !== undefined ? { rollbackInfo } : {}),
    deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
    ...(r?.targetInstances !== undefined ? { targetInstances: r.targetInstances } : {}),
    instanceTerminationWaitTimeStarted: false,
    fileExistsBehavior: r?.fileExistsBehavior ?? d.intent?.fileExistsBehavior ?? 'DISALLOW',
    deploymentStatusMessages: [],
    computePlatform: 'Server',
    ...(r?.overrideAlarmConfiguration !== undefined ? { overrideAlarmConfiguration: r.overrideAlarmConfiguration } : {}),
  };
}

/** Target ids: the on-premises instance name, or the peer id when two targets share a name. */
export function targets(d: LoadedDeployment): Map<string, HostView> {
  const hosts = d.view?.hosts ?? [];
  const counts = new Map<string, number>();
  for (const h of hosts) counts.set(h.instanceName, (counts.get(h.instanceName) ?? 0) + 1);
  return new Map(hosts.map((h) => [counts.get(h.instanceName) === 1 ? h.instanceName : h.peerId, h]));
}

export function findTarget(d: LoadedDeployment, id: string): [string, HostView] | undefined {
  const all = targets(d);
  const direct = all.get(id);
  if (direct !== undefined) return [id, direct];
  for (const [tid, h] of all) if (h.peerId === id || id.endsWith(`:instance/${tid}`)) return [tid, h];
  return undefined;
}

/** LifecycleErrorCode has no OutputsLeftOpen/FailedAfterRestart: map them to the nearest model value. */
function lifecycleErrorCode(code: EventView['errorCode']): string {
  switch (code) {
    case 'OutputsLeftOpen': return 'ScriptFailed';
    case 'FailedAfterRestart': return 'UnknownError';
    default: return code;
  }
}

export function lifecycleEvents(d: LoadedDeployment, h: HostView): Record<string, unknown>[] {
  const byName = new Map(h.events.map((e) => [e.event, e]));
  const hostDone = h.status !== 'Pending' && h.status !== 'InProgress';
  return IN_PLACE_EVENTS.map((event) => {
    const e = byName.get(event);
    if (e === undefined) return { lifecycleEventName: event, status: hostDone ? 'Skipped' : 'Pending' };
    const ended = e.status === 'Succeeded' || e.status === 'Failed';
    return {
      lifecycleEventName: event,
      ...(ended ? {
        diagnostics: {
          errorCode: e.status === 'Succeeded' ? 'Success' : lifecycleErrorCode(e.errorCode),
          scriptName: e.scriptName,
          message: e.message !== '' ? e.message : e.status,
          logTail: e.logTail,
        },
      } : {}),
      ...(e.status !== 'Skipped' ? { startTime: secs(e.startedAt) } : {}),
      ...(e.endedAt !== undefined ? { endTime: secs(e.endedAt) } : {}),
      status: e.status,
    };
  });
}

export function lastUpdated(d: LoadedDeployment, h: HostView): number {
  const times = h.events.flatMap((e) => [e.startedAt, ...(e.endedAt !== undefined ? [e.endedAt] : [])]);
  return times.length > 0 ? Math.max(...times) : d.createTime;
}

export function instanceTarget(ctx: ApiContext, d: LoadedDeployment, targetId: string, h: HostView): Record<string, unknown> {
  return {
    deploymentTargetType: 'InstanceTarget',
    instanceTarget: {
      deploymentId: d.deploymentId, targetId, targetArn: instanceArn(ctx, targetId), status: targetStatus(h),
      lastUpdatedAt: secs(lastUpdated(d, h)), lifecycleEvents: lifecycleEvents(d, h),
    },
  };
}

export function instanceSummary(d: LoadedDeployment, targetId: string, h: HostView): Record<string, unknown> {
  return {
    deploymentId: d.deploymentId, instanceId: targetId, status: targetStatus(h),
    lastUpdatedAt: secs(lastUpdated(d, h)), lifecycleEvents: lifecycleEvents(d, h),
  };
}
