// ListDeploymentTargets, BatchGetDeploymentTargets, GetDeploymentTarget, and the legacy
// ListDeploymentInstances, GetDeploymentInstance, BatchGetDeploymentInstances. Target ids are on-premises
// instance names (the agent's instanceName); the per-event view comes from status/deployment-view.ts.
import { fail } from '../errors.ts';
import type { ApiContext } from '../context.ts';
import { paginate } from '../pagination.ts';
import { deploymentId, oneOf, optArray, optObject, reqString, type Input } from '../validate.ts';
import { TARGET_STATUSES, findTarget, instanceSummary, instanceTarget, targetStatus, targets, type LoadedDeployment, type TargetStatus } from '../deployment-info.ts';
import { requireDeployment } from './deployments.ts';

function statusFilter(value: unknown[] | undefined, what: string): TargetStatus[] {
  return (value ?? []).map((s) => oneOf(s, TARGET_STATUSES, 'InvalidInstanceStatusException', what));
}

function labelFilter(value: unknown[] | undefined, invalid: string, what: string): string[] {
  return (value ?? []).map((s) => oneOf(s, ['Blue', 'Green'] as const, invalid, what));
}

/** In-place targets carry no Blue/Green label, so any label filter selects none of them. */
function filteredIds(d: LoadedDeployment, statuses: TargetStatus[], labels: string[]): string[] {
  if (labels.length > 0) return [];
  return [...targets(d)].filter(([, h]) => statuses.length === 0 || statuses.includes(targetStatus(h))).map(([id]) => id).sort();
}

export async function listDeploymentTargets(ctx: ApiContext, input: Input): Promise<unknown> {
  const d = await requireDeployment(ctx, deploymentId(input));
  const filters = optObject(input, 'targetFilters', 'InvalidTargetFilterNameException') ?? {};
  for (const key of Object.keys(filters)) {
    if (key !== 'TargetStatus' && key !== 'ServerInstanceLabel') fail('InvalidTargetFilterNameException', `Target filter ${key} is not TargetStatus or ServerInstanceLabel`);
  }
  const ids = filteredIds(d,
    statusFilter(optArray(filters, 'TargetStatus', 'InvalidInstanceStatusException'), 'TargetStatus filter'),
    labelFilter(optArray(filters, 'ServerInstanceLabel', 'InvalidInstanceTypeException'), 'InvalidInstanceTypeException', 'ServerInstanceLabel filter'));
  const { page, nextToken } = paginate('ListDeploymentTargets', ids, input.nextToken, ctx.pageSize);
  return { targetIds: page, ...(nextToken !== undefined ? { nextToken } : {}) };
}

export async function batchGetDeploymentTargets(ctx: ApiContext, input: Input): Promise<unknown> {
  const d = await requireDeployment(ctx, deploymentId(input));
  const ids = optArray(input, 'targetIds', 'InvalidDeploymentTargetIdException');
  if (ids === undefined || ids.length === 0) fail('DeploymentTargetIdRequiredException', 'targetIds is required');
  if (ids.length > 25) fail('DeploymentTargetListSizeExceededException', 'At most 25 target ids per call');
  return {
    deploymentTargets: ids.map((id) => {
      if (typeof id !== 'string' || id === '') fail('InvalidDeploymentTargetIdException', `${JSON.stringify(id)} is not a target id`);
      const found = findTarget(d, id) ?? fail('DeploymentTargetDoesNotExistException', `${id} is not a target of deployment ${d.deploymentId}`);
      return instanceTarget(ctx, d, found[0], found[1]);
    }),
  };
}

export async function getDeploymentTarget(ctx: ApiContext, input: Input): Promise<unknown> {
  const d = await requireDeployment(ctx, deploymentId(input));
  const id = reqString(input, 'targetId', 'DeploymentTargetIdRequiredException', 'InvalidDeploymentTargetIdException');
  const found = findTarget(d, id) ?? fail('DeploymentTargetDoesNotExistException', `${id} is not a target of deployment ${d.deploymentId}`);
  return { deploymentTarget: instanceTarget(ctx, d, found[0], found[1]) };
}

export async function listDeploymentInstances(ctx: ApiContext, input: Input): Promise<unknown> {
  const d = await requireDeployment(ctx, deploymentId(input));
  const ids = filteredIds(d,
    statusFilter(optArray(input, 'instanceStatusFilter', 'InvalidInstanceStatusException'), 'instanceStatusFilter'),
    labelFilter(optArray(input, 'instanceTypeFilter', 'InvalidInstanceTypeException'), 'InvalidInstanceTypeException', 'instanceTypeFilter'));
  const { page, nextToken } = paginate('ListDeploymentInstances', ids, input.nextToken, ctx.pageSize);
  return { instancesList: page, ...(nextToken !== undefined ? { nextToken } : {}) };
}

export async function getDeploymentInstance(ctx: ApiContext, input: Input): Promise<unknown> {
  const d = await requireDeployment(ctx, deploymentId(input));
  const id = reqString(input, 'instanceId', 'InstanceIdRequiredException', 'InvalidInstanceNameException');
  const found = findTarget(d, id) ?? fail('InstanceDoesNotExistException', `${id} is not an instance of deployment ${d.deploymentId}`);
  return { instanceSummary: instanceSummary(d, found[0], found[1]) };
}

export async function batchGetDeploymentInstances(ctx: ApiContext, input: Input): Promise<unknown> {
  const d = await requireDeployment(ctx, deploymentId(input));
  const ids = optArray(input, 'instanceIds', 'InvalidInstanceNameException');
  if (ids === undefined || ids.length === 0) fail('InstanceIdRequiredException', 'instanceIds is required');
  if (ids.length > 25) fail('BatchLimitExceededException', 'At most 25 instance ids per call');
  const missing: string[] = [];
  const found: Record<string, unknown>[] = [];
  for (const id of ids) {
    if (typeof id !== 'string' || id === '') fail('InvalidInstanceNameException', `${JSON.stringify(id)} is not an instance id`);
    const t = findTarget(d, id);
    if (t === undefined) missing.push(id);
    else found.push(instanceSummary(d, t[0], t[1]));
  }
  return { instancesSummary: found, ...(missing.length > 0 ? { errorMessage: `Not instances of ${d.deploymentId}: ${missing.join(', ')}` } : {}) };
}
