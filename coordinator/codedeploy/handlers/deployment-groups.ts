// CreateDeploymentGroup, GetDeploymentGroup, BatchGetDeploymentGroups, ListDeploymentGroups,
// UpdateDeploymentGroup, DeleteDeploymentGroup, and the group's target resolution (tag filters and tag sets
// matched against the instance view built from agent heartbeats plus the on-premises registry).
import { fail } from '../errors.ts';
import { groupArn, type ApiContext } from '../context.ts';
import { paginate } from '../pagination.ts';
import { INSTANCE_NAME_RE, name, oneOf, optArray, optBool, optName, optObject, optString, type Input } from '../validate.ts';
import { own, put } from '../../model/model-store.ts';
import type { AlarmConfiguration, AutoRollbackConfiguration, DeploymentGroupRecord, DeploymentStyle, TagFilter } from '../../model/types.ts';
import { matchesAny, matchesTagSet } from '../../model/tag-filters.ts';
import { instanceViews } from '../../model/instances.ts';
import { groupId } from '../../daemon/create-deployment.ts';
import { requireApplication } from './applications.ts';
import { requireConfig } from './deployment-configs.ts';
import { tagsInput } from './tagging.ts';
import { groupDeploymentSummaries } from '../deployment-info.ts';
import { isAlive } from '../../status/fleet-view.ts';

const APP = ['applicationName', 'ApplicationNameRequiredException', 'InvalidApplicationNameException'] as const;
const DEFAULT_CONFIG = 'CodeDeployDefault.OneAtATime';
const ROLLBACK_EVENTS = ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'] as const;

export function requireGroup(ctx: ApiContext, app: string, group: string): DeploymentGroupRecord {
  return ctx.model.group(app, group) ?? fail('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${group}`);
}

function tagFilters(value: unknown, invalid: string, what: string): TagFilter[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(invalid, `${what} must be a list of {Key, Value, Type}`);
  return value.map((f: unknown) => {
    const r = (typeof f === 'object' && f !== null ? f : {}) as Record<string, unknown>;
    const Type = r.Type === undefined ? undefined : oneOf(r.Type, ['KEY_ONLY', 'VALUE_ONLY', 'KEY_AND_VALUE'] as const, invalid, `${what} Type`);
    for (const k of ['Key', 'Value'] as const) {
      if (r[k] !== undefined && typeof r[k] !== 'string') fail(invalid, `${what} ${k} must be a string`);
    }
    const Key = r.Key as string | undefined;
    const Value = r.Value as string | undefined;
    if ((Type === 'KEY_ONLY' || Type === 'KEY_AND_VALUE') && !Key) fail(invalid, `${what}: Type ${Type} needs a Key`);
    if (Type === 'VALUE_ONLY' && Value === undefined) fail(invalid, `${what}: Type VALUE_ONLY needs a Value`);
    if (!Key && Value === undefined) fail(invalid, `${what}: a filter needs a Key or a Value`);
    return { ...(Key !== undefined ? { Key } : {}), ...(Value !== undefined ? { Value } : {}), ...(Type !== undefined ? { Type } : {}) };
  });
}

function tagSet(value: Input | undefined, listKey: string, invalid: string, what: string): TagFilter[][] | undefined {
  if (value === undefined) return undefined;
  const lists = optArray(value, listKey, invalid) ?? [];
  if (lists.length > 3) fail(invalid, `${what} may hold at most 3 tag groups`);
  return lists.map((l) => tagFilters(l, invalid, what));
}

/** The settings shared by Create and Update; only the keys present in `input` are returned. */
function groupSettings(ctx: ApiContext, input: Input): Partial<DeploymentGroupRecord> {
  const out: Partial<DeploymentGroupRecord> = {};
  const configName = optName(input, 'deploymentConfigName', 'InvalidDeploymentConfigNameException');
  if (configName !== undefined) out.deploymentConfigName = requireConfig(ctx, configName).deploymentConfigName;
  const role = optString(input, 'serviceRoleArn', 'InvalidRoleException');
  if (role !== undefined) out.serviceRoleArn = role;
  if (input.ec2TagFilters !== undefined) out.ec2TagFilters = tagFilters(input.ec2TagFilters, 'InvalidEC2TagException', 'ec2TagFilters');
  if (input.onPremisesInstanceTagFilters !== undefined) out.onPremisesInstanceTagFilters = tagFilters(input.onPremisesInstanceTagFilters, 'InvalidTagException', 'onPremisesInstanceTagFilters');
  const ec2Set = tagSet(optObject(input, 'ec2TagSet', 'InvalidEC2TagException'), 'ec2TagSetList', 'InvalidEC2TagException', 'ec2TagSet');
  if (ec2Set !== undefined) out.ec2TagSet = { ec2TagSetList: ec2Set };
  const onPremSet = tagSet(optObject(input, 'onPremisesTagSet', 'InvalidTagException'), 'onPremisesTagSetList', 'InvalidTagException', 'onPremisesTagSet');
  if (onPremSet !== undefined) out.onPremisesTagSet = { onPremisesTagSetList: onPremSet };
  if ((out.ec2TagFilters?.length ?? 0) > 0 && (ec2Set?.length ?? 0) > 0) {
    fail('InvalidEC2TagCombinationException', 'Use ec2TagFilters or ec2TagSet, not both');
  }
  if ((out.onPremisesInstanceTagFilters?.length ?? 0) > 0 && (onPremSet?.length ?? 0) > 0) {
    fail('InvalidOnPremisesTagCombinationException', 'Use onPremisesInstanceTagFilters or onPremisesTagSet, not both');
  }
  const names = optArray(input, 'onPremisesInstanceNames', 'InvalidInstanceNameException');
  if (names !== undefined) {
    for (const n of names) if (typeof n !== 'string' || !INSTANCE_NAME_RE.test(n)) fail('InvalidInstanceNameException', `Instance name ${JSON.stringify(n)} is invalid`);
    out.instanceNames = names as string[];
  }
  const asgs = optArray(input, 'autoScalingGroups', 'InvalidAutoScalingGroupException');
  if (asgs !== undefined && asgs.length > 0) fail('InvalidAutoScalingGroupException', 'Convoy fleets have no Auto Scaling groups; target hosts with tag filters');
  if (asgs !== undefined) out.autoScalingGroups = [];
  const style = optObject(input, 'deploymentStyle', 'InvalidDeploymentStyleException');
  if (style !== undefined) {
    const deploymentType = style.deploymentType === undefined ? 'IN_PLACE' : oneOf(style.deploymentType, ['IN_PLACE', 'BLUE_GREEN'] as const, 'InvalidDeploymentTypeException', 'deploymentStyle.deploymentType');
    const deploymentOption = style.deploymentOption === undefined ? 'WITHOUT_TRAFFIC_CONTROL'
      : oneOf(style.deploymentOption, ['WITH_TRAFFIC_CONTROL', 'WITHOUT_TRAFFIC_CONTROL'] as const, 'InvalidDeploymentStyleException', 'deploymentStyle.deploymentOption');
    if (deploymentType === 'BLUE_GREEN') fail('InvalidDeploymentStyleException', 'Convoy runs in-place Server deployments only; BLUE_GREEN is not supported');
    out.deploymentStyle = { deploymentType, deploymentOption } satisfies DeploymentStyle;
  }
  const rollback = optObject(input, 'autoRollbackConfiguration', 'InvalidAutoRollbackConfigException');
  if (rollback !== undefined) out.autoRollbackConfiguration = autoRollback(rollback);
  const alarms = optObject(input, 'alarmConfiguration', 'InvalidAlarmConfigException');
  if (alarms !== undefined) out.alarmConfiguration = alarmConfig(alarms);
  const triggers = optArray(input, 'triggerConfigurations', 'InvalidTriggerConfigException');
  if (triggers !== undefined) out.triggerConfigurations = triggers;
  if (input.outdatedInstancesStrategy !== undefined) {
    out.outdatedInstancesStrategy = oneOf(input.outdatedInstancesStrategy, ['UPDATE', 'IGNORE'] as const, 'InvalidInputException', 'outdatedInstancesStrategy');
  }
  const lb = optObject(input, 'loadBalancerInfo', 'InvalidLoadBalancerInfoException');
  if (lb !== undefined) out.loadBalancerInfo = lb;
  const bg = optObject(input, 'blueGreenDeploymentConfiguration', 'InvalidBlueGreenDeploymentConfigurationException');
  if (bg !== undefined) out.blueGreenDeploymentConfiguration = bg;
  const ecs = optArray(input, 'ecsServices', 'InvalidECSServiceException');
  if (ecs !== undefined) out.ecsServices = ecs;
  return out;
}

export function autoRollback(r: Input): AutoRollbackConfiguration {
  const enabled = optBool(r, 'enabled', 'InvalidAutoRollbackConfigException');
  const events = optArray(r, 'events', 'InvalidAutoRollbackConfigException') ?? [];
  const checked = events.map((e) => oneOf(e, ROLLBACK_EVENTS, 'InvalidAutoRollbackConfigException', 'autoRollbackConfiguration.events'));
  if (enabled === true && checked.length === 0) fail('InvalidAutoRollbackConfigException', 'An enabled autoRollbackConfiguration needs at least one event');
  return { ...(enabled !== undefined ? { enabled } : {}), events: checked };
}

export function alarmConfig(a: Input): AlarmConfiguration {
  const alarms = optArray(a, 'alarms', 'InvalidAlarmConfigException') ?? [];
  if (alarms.length > 10) fail('InvalidAlarmConfigException', 'At most 10 alarms per deployment group');
  const checked = alarms.map((x) => {
    const n = (x as { name?: unknown } | null)?.name;
    if (typeof n !== 'string' || n === '') fail('InvalidAlarmConfigException', 'Every alarm needs a name');
    return { name: n };
  });
  const enabled = optBool(a, 'enabled', 'InvalidAlarmConfigException');
  const ignore = optBool(a, 'ignorePollAlarmFailure', 'InvalidAlarmConfigException');
  if (enabled === true && checked.length === 0) fail('InvalidAlarmConfigException', 'An enabled alarmConfiguration needs at least one alarm');
  return { ...(enabled !== undefined ? { enabled } : {}), ...(ignore !== undefined ? { ignorePollAlarmFailure: ignore } : {}), alarms: checked };
}

export async function createDeploymentGroup(ctx: ApiContext, input: Input): Promise<unknown> {
  const app = name(input, ...APP);
  const group = name(input, 'deploymentGroupName', 'DeploymentGroupNameRequiredException', 'InvalidDeploymentGroupNameException');
  const application = requireApplication(ctx, app);
  const settings = groupSettings(ctx, input);
  if (settings.serviceRoleArn === undefined || settings.serviceRoleArn === '') fail('RoleRequiredException', 'serviceRoleArn is required');
  const tags = tagsInput(input.tags, 'InvalidTagsToAddException');
  return ctx.model.mutate(['deploymentGroups', 'resourceTags'], (d) => {
    const groups = own(d.deploymentGroups, app) ?? {};
    if (own(groups, group) !== undefined) fail('DeploymentGroupAlreadyExistsException', `A deployment group named ${group} already exists for ${app}`);
    const record: DeploymentGroupRecord = {
      deploymentGroupId: groupId(app, group), applicationName: app, deploymentGroupName: group,
      serviceRoleArn: settings.serviceRoleArn ?? '', deploymentConfigName: DEFAULT_CONFIG,
      ec2TagFilters: [], onPremisesInstanceTagFilters: [], autoScalingGroups: [],
      deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
      triggerConfigurations: [], outdatedInstancesStrategy: 'UPDATE', fileExistsBehavior: 'DISALLOW',
      createTime: ctx.now(), ...settings,
    };
    if (application.computePlatform !== 'Server') record.deploymentStyle = { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' };
    put(groups, group, record);
    put(d.deploymentGroups, app, groups);
    if (tags.length > 0) put(d.resourceTags, groupArn(ctx, app, group), tags);
    return { deploymentGroupId: record.deploymentGroupId };
  });
}

export async function groupInfo(ctx: ApiContext, g: DeploymentGroupRecord): Promise<Record<string, unknown>> {
  const { lastSuccessful, lastAttempted, targetRevision } = await groupDeploymentSummaries(ctx, g.applicationName, g.deploymentGroupName);
  const platform = ctx.model.application(g.applicationName)?.computePlatform ?? 'Server';
  return {
    applicationName: g.applicationName, deploymentGroupId: g.deploymentGroupId, deploymentGroupName: g.deploymentGroupName,
    deploymentConfigName: g.deploymentConfigName, ec2TagFilters: g.ec2TagFilters, onPremisesInstanceTagFilters: g.onPremisesInstanceTagFilters,
    autoScalingGroups: [], serviceRoleArn: g.serviceRoleArn, triggerConfigurations: g.triggerConfigurations,
    ...(g.alarmConfiguration !== undefined ? { alarmConfiguration: g.alarmConfiguration } : {}),
    ...(g.autoRollbackConfiguration !== undefined ? { autoRollbackConfiguration: g.autoRollbackConfiguration } : {}),
    deploymentStyle: g.deploymentStyle, outdatedInstancesStrategy: g.outdatedInstancesStrategy,
    ...(g.ec2TagSet !== undefined ? { ec2TagSet: g.ec2TagSet } : {}),
    ...(g.onPremisesTagSet !== undefined ? { onPremisesTagSet: g.onPremisesTagSet } : {}),
    ...(g.loadBalancerInfo !== undefined ? { loadBalancerInfo: g.loadBalancerInfo } : {}),
    ...(g.blueGreenDeploymentConfiguration !== undefined ? { blueGreenDeploymentConfiguration: g.blueGreenDeploymentConfiguration } : {}),
    ...(g.ecsServices !== undefined ? { ecsServices: g.ecsServices } : {}),
    ...(g.instanceNames !== undefined ? { onPremisesInstanceNames: g.instanceNames } : {}),
    ...(targetRevision !== undefined ? { targetRevision } : {}),
    ...(lastSuccessful !== undefined ? { lastSuccessfulDeployment: lastSuccessful } : {}),
    ...(lastAttempted !== undefined ? { lastAttemptedDeployment: lastAttempted } : {}),
    computePlatform: platform, terminationHookEnabled: false,
  };
}

export async function getDeploymentGroup(ctx: ApiContext, input: Input): Promise<unknown> {
  const app = name(input, ...APP);
  const group = name(input, 'deploymentGroupName', 'DeploymentGroupNameRequiredException', 'InvalidDeploymentGroupNameException');
  requireApplication(ctx, app);
  return { deploymentGroupInfo: await groupInfo(ctx, requireGroup(ctx, app, group)) };
}

export async function batchGetDeploymentGroups(ctx: ApiContext, input: Input): Promise<unknown> {
  const app = name(input, ...APP);
  requireApplication(ctx, app);
  const names = optArray(input, 'deploymentGroupNames', 'InvalidDeploymentGroupNameException');
  if (names === undefined || names.length === 0) fail('DeploymentGroupNameRequiredException', 'deploymentGroupNames is required');
  if (names.length > 100) fail('BatchLimitExceededException', 'At most 100 deployment group names per call');
  const found: Record<string, unknown>[] = [];
  const missing: string[] = [];
  for (const n of names) {
    if (typeof n !== 'string') fail('InvalidDeploymentGroupNameException', 'deploymentGroupNames must hold strings');
    const g = ctx.model.group(app, n);
    if (g === undefined) missing.push(n);
    else found.push(await groupInfo(ctx, g));
  }
  return { deploymentGroupsInfo: found, ...(missing.length > 0 ? { errorMessage: `Deployment groups not found for ${app}: ${missing.join(', ')}` } : {}) };
}

export async function listDeploymentGroups(ctx: ApiContext, input: Input): Promise<unknown> {
  const app = name(input, ...APP);
  requireApplication(ctx, app);
  const names = ctx.model.groups(app).map((g) => g.deploymentGroupName).sort();
  const { page, nextToken } = paginate('ListDeploymentGroups', names, input.nextToken, ctx.pageSize);
  return { applicationName: app, deploymentGroups: page, ...(nextToken !== undefined ? { nextToken } : {}) };
}

export async function updateDeploymentGroup(ctx: ApiContext, input: Input): Promise<unknown> {
  const app = name(input, ...APP);
  const current = name(input, 'currentDeploymentGroupName', 'DeploymentGroupNameRequiredException', 'InvalidDeploymentGroupNameException');
  const to = optName(input, 'newDeploymentGroupName', 'InvalidDeploymentGroupNameException');
  requireApplication(ctx, app);
  requireGroup(ctx, app, current);
  const settings = groupSettings(ctx, input);
  await ctx.model.mutate(['deploymentGroups', 'resourceTags'], (d) => {
    const groups = own(d.deploymentGroups, app) ?? {};
    const record = own(groups, current) ?? fail('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${current}`);
    if (to !== undefined && to !== current && own(groups, to) !== undefined) fail('DeploymentGroupAlreadyExistsException', `A deployment group named ${to} already exists for ${app}`);
    const merged = { ...record, ...settings };
    // Replacing one form of tag targeting with the other clears the old form, as CodeDeploy does.
    if (settings.ec2TagSet !== undefined && input.ec2TagFilters === undefined) merged.ec2TagFilters = [];
    if (settings.onPremisesTagSet !== undefined && input.onPremisesInstanceTagFilters === undefined) merged.onPremisesInstanceTagFilters = [];
    if (settings.ec2TagFilters !== undefined && settings.ec2TagFilters.length > 0 && input.ec2TagSet === undefined) delete merged.ec2TagSet;
    if (settings.onPremisesInstanceTagFilters !== undefined && settings.onPremisesInstanceTagFilters.length > 0 && input.onPremisesTagSet === undefined) delete merged.onPremisesTagSet;
    if (to !== undefined && to !== current) {
      delete groups[current];
      merged.deploymentGroupName = to;
      const tags = own(d.resourceTags, groupArn(ctx, app, current));
      delete d.resourceTags[groupArn(ctx, app, current)];
      if (tags !== undefined) put(d.resourceTags, groupArn(ctx, app, to), tags);
    }
    put(groups, merged.deploymentGroupName, merged);
  });
  return { hooksNotCleanedUp: [] };
}

export async function deleteDeploymentGroup(ctx: ApiContext, input: Input): Promise<unknown> {
  const app = name(input, ...APP);
  const group = name(input, 'deploymentGroupName', 'DeploymentGroupNameRequiredException', 'InvalidDeploymentGroupNameException');
  requireApplication(ctx, app);
  await ctx.model.mutate(['deploymentGroups', 'resourceTags'], (d) => {
    const groups = own(d.deploymentGroups, app);
    if (groups !== undefined && own(groups, group) !== undefined) delete groups[group];
    delete d.resourceTags[groupArn(ctx, app, group)];
  });
  return { hooksNotCleanedUp: [] };
}

/** Live, registered instances the group's filters select, with the agents behind them. */
export function resolveGroupTargets(ctx: ApiContext, g: DeploymentGroupRecord): { instanceNames: string[]; peerIds: string[] } {
  const now = ctx.now();
  const instanceNames: string[] = [];
  const peerIds: string[] = [];
  for (const v of instanceViews(ctx.model, ctx.fleet())) {
    if (!v.registered) continue;
    const selected = (g.ec2TagFilters.length > 0 && matchesAny(v.tags, g.ec2TagFilters))
      || (g.onPremisesInstanceTagFilters.length > 0 && matchesAny(v.tags, g.onPremisesInstanceTagFilters))
      || (g.ec2TagSet !== undefined && matchesTagSet(v.tags, g.ec2TagSet.ec2TagSetList))
      || (g.onPremisesTagSet !== undefined && matchesTagSet(v.tags, g.onPremisesTagSet.onPremisesTagSetList))
      || (g.instanceNames?.includes(v.instanceName) ?? false);
    if (!selected) continue;
    const live = v.peers.filter((p) => isAlive(p, now, ctx.aliveWindowMs));
    if (live.length === 0) continue;
    instanceNames.push(v.instanceName);
    peerIds.push(...live.map((p) => p.heartbeat.host));
  }
  return { instanceNames, peerIds };
}
