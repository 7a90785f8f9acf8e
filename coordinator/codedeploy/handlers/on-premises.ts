// RegisterOnPremisesInstance, DeregisterOnPremisesInstance, GetOnPremisesInstance, BatchGetOnPremisesInstances,
// ListOnPremisesInstances, AddTagsToOnPremisesInstances, RemoveTagsFromOnPremisesInstances.
// Agents appear on their own (instance name and tags from heartbeats); the API can register names ahead of
// their agents, deregister instances (they are then never targeted), and add or remove tags.
import { fail } from '../errors.ts';
import { instanceArn, secs, type ApiContext } from '../context.ts';
import { paginate } from '../pagination.ts';
import { INSTANCE_NAME_RE, oneOf, optArray, optString, reqString, stringList, type Input } from '../validate.ts';
import { own, put } from '../../model/model-store.ts';
import { instanceViews, tagList, type InstanceView } from '../../model/instances.ts';
import type { InstanceRecord, Tag } from '../../model/types.ts';
import { matchesAny } from '../../model/tag-filters.ts';
import { tagsInput } from './tagging.ts';

const MAX_INSTANCE_TAGS = 10;

function instanceName(value: string): string {
  if (!INSTANCE_NAME_RE.test(value) || value.startsWith('i-')) {
    fail('InvalidInstanceNameException', `Instance name "${value}" must be 1-100 characters of letters, digits and +=,.@_- and must not start with i-`);
  }
  return value;
}

function views(ctx: ApiContext): Map<string, InstanceView> {
  return new Map(instanceViews(ctx.model, ctx.fleet()).map((v) => [v.instanceName, v]));
}

function info(ctx: ApiContext, v: InstanceView): Record<string, unknown> {
  return {
    instanceName: v.instanceName,
    ...(v.iamSessionArn !== undefined ? { iamSessionArn: v.iamSessionArn } : {}),
    ...(v.iamUserArn !== undefined ? { iamUserArn: v.iamUserArn } : {}),
    instanceArn: instanceArn(ctx, v.instanceName),
    registerTime: secs(v.registerTime),
    ...(v.deregisterTime !== undefined ? { deregisterTime: secs(v.deregisterTime) } : {}),
    tags: tagList(v.tags),
  };
}

function blank(name: string, now: number, explicit: boolean): InstanceRecord {
  return { instanceName: name, explicit, registerTime: now, tags: [], removedAgentTagKeys: [] };
}

export async function registerOnPremisesInstance(ctx: ApiContext, input: Input): Promise<unknown> {
  const n = instanceName(reqString(input, 'instanceName', 'InstanceNameRequiredException', 'InvalidInstanceNameException'));
  const session = optString(input, 'iamSessionArn', 'InvalidIamSessionArnException');
  const user = optString(input, 'iamUserArn', 'InvalidIamUserArnException');
  if (session !== undefined && user !== undefined) fail('MultipleIamArnsProvidedException', 'Give iamSessionArn or iamUserArn, not both');
  if (session === undefined && user === undefined) fail('IamArnRequiredException', 'iamSessionArn or iamUserArn is required');
  if (session !== undefined && !/^arn:aws[a-z-]*:sts::\d{12}:assumed-role\/.+/.test(session)) fail('InvalidIamSessionArnException', `"${session}" is not an STS assumed-role session ARN`);
  if (user !== undefined && !/^arn:aws[a-z-]*:iam::\d{12}:user\/.+/.test(user)) fail('InvalidIamUserArnException', `"${user}" is not an IAM user ARN`);
  await ctx.model.mutate(['instances'], (d) => {
    const existing = own(d.instances, n);
    if (existing?.explicit === true && existing.deregisterTime === undefined) fail('InstanceNameAlreadyRegisteredException', `The on-premises instance name ${n} is already registered`);
    for (const r of Object.values(d.instances)) {
      if (r.deregisterTime !== undefined || r.instanceName === n) continue;
      if (user !== undefined && r.iamUserArn === user) fail('IamUserArnAlreadyRegisteredException', `${user} is already registered for ${r.instanceName}`);
      if (session !== undefined && r.iamSessionArn === session) fail('IamSessionArnAlreadyRegisteredException', `${session} is already registered for ${r.instanceName}`);
    }
    const record: InstanceRecord = {
      ...(existing?.deregisterTime === undefined ? existing ?? blank(n, ctx.now(), true) : blank(n, ctx.now(), true)),
      explicit: true,
      ...(session !== undefined ? { iamSessionArn: session } : {}),
      ...(user !== undefined ? { iamUserArn: user } : {}),
    };
    put(d.instances, n, record);
  });
  return undefined;
}

export async function deregisterOnPremisesInstance(ctx: ApiContext, input: Input): Promise<unknown> {
  const n = instanceName(reqString(input, 'instanceName', 'InstanceNameRequiredException', 'InvalidInstanceNameException'));
  if (!views(ctx).has(n)) fail('InstanceNotRegisteredException', `The on-premises instance ${n} is not registered`);
  await ctx.model.mutate(['instances'], (d) => {
    const record = own(d.instances, n) ?? blank(n, ctx.now(), false);
    record.deregisterTime ??= ctx.now();
    put(d.instances, n, record);
  });
  return undefined;
}

function requireView(ctx: ApiContext, all: Map<string, InstanceView>, n: string): InstanceView {
  return all.get(instanceName(n)) ?? fail('InstanceNotRegisteredException', `The on-premises instance ${n} is not registered`);
}

export async function getOnPremisesInstance(ctx: ApiContext, input: Input): Promise<unknown> {
  const n = reqString(input, 'instanceName', 'InstanceNameRequiredException', 'InvalidInstanceNameException');
  return { instanceInfo: info(ctx, requireView(ctx, views(ctx), n)) };
}

export async function batchGetOnPremisesInstances(ctx: ApiContext, input: Input): Promise<unknown> {
  const names = stringList(input, 'instanceNames', 'InstanceNameRequiredException', 'InvalidInstanceNameException', { max: 25, type: 'BatchLimitExceededException' });
  const all = views(ctx);
  return { instanceInfos: names.map((n) => all.get(instanceName(n))).filter((v): v is InstanceView => v !== undefined).map((v) => info(ctx, v)) };
}

export async function listOnPremisesInstances(ctx: ApiContext, input: Input): Promise<unknown> {
  const status = input.registrationStatus === undefined || input.registrationStatus === null ? undefined
    : oneOf(input.registrationStatus, ['Registered', 'Deregistered'] as const, 'InvalidRegistrationStatusException', 'registrationStatus');
  const filters = (optArray(input, 'tagFilters', 'InvalidTagFilterException') ?? []).map((f) => {
    const r = (typeof f === 'object' && f !== null ? f : {}) as Record<string, unknown>;
    const Type = r.Type === undefined ? undefined : oneOf(r.Type, ['KEY_ONLY', 'VALUE_ONLY', 'KEY_AND_VALUE'] as const, 'InvalidTagFilterException', 'tagFilters Type');
    if ((r.Key !== undefined && typeof r.Key !== 'string') || (r.Value !== undefined && typeof r.Value !== 'string')) fail('InvalidTagFilterException', 'tagFilters Key and Value must be strings');
    return { ...(r.Key !== undefined ? { Key: r.Key as string } : {}), ...(r.Value !== undefined ? { Value: r.Value as string } : {}), ...(Type !== undefined ? { Type } : {}) };
  });
  const names = [...views(ctx).values()]
    .filter((v) => status === undefined || (status === 'Registered') === v.registered)
    .filter((v) => filters.length === 0 || matchesAny(v.tags, filters))
    .map((v) => v.instanceName);
  const { page, nextToken } = paginate('ListOnPremisesInstances', names, input.nextToken, ctx.pageSize);
  return { instanceNames: page, ...(nextToken !== undefined ? { nextToken } : {}) };
}

function tagTargets(ctx: ApiContext, input: Input): { names: string[]; tags: Tag[] } {
  const tags = tagsInput(input.tags, 'InvalidTagException');
  if (tags.length === 0) fail('TagRequiredException', 'tags is required');
  const names = stringList(input, 'instanceNames', 'InstanceNameRequiredException', 'InvalidInstanceNameException', { max: 100, type: 'InstanceLimitExceededException' });
  const all = views(ctx);
  for (const n of names) {
    const v = requireView(ctx, all, n);
    if (!v.registered) fail('InstanceNotRegisteredException', `The on-premises instance ${n} is deregistered`);
  }
  return { names, tags };
}

export async function addTagsToOnPremisesInstances(ctx: ApiContext, input: Input): Promise<unknown> {
  const { names, tags } = tagTargets(ctx, input);
  const all = views(ctx);
  await ctx.model.mutate(['instances'], (d) => {
    const updated = names.map((n) => {
      const record = structuredClone(own(d.instances, n) ?? blank(n, all.get(n)?.registerTime ?? ctx.now(), false));
      const merged = new Map(record.tags.map((t) => [t.Key, t]));
      for (const t of tags) merged.set(t.Key, t);
      record.tags = [...merged.values()];
      record.removedAgentTagKeys = record.removedAgentTagKeys.filter((k) => !merged.has(k));
      const effective = new Set([...Object.keys(all.get(n)?.tags ?? {}), ...merged.keys()]);
      if (effective.size > MAX_INSTANCE_TAGS) fail('TagLimitExceededException', `Instance ${n} would carry ${effective.size} tags; at most ${MAX_INSTANCE_TAGS} are allowed`);
      return record;
    });
    for (const r of updated) put(d.instances, r.instanceName, r);
  });
  return undefined;
}

export async function removeTagsFromOnPremisesInstances(ctx: ApiContext, input: Input): Promise<unknown> {
  const { names, tags } = tagTargets(ctx, input);
  const all = views(ctx);
  const removes = (t: Tag, key: string, value: string): boolean => t.Key === key && (t.Value === undefined || t.Value === value);
  await ctx.model.mutate(['instances'], (d) => {
    for (const n of names) {
      const record = own(d.instances, n) ?? blank(n, all.get(n)?.registerTime ?? ctx.now(), false);
      record.tags = record.tags.filter((own) => !tags.some((t) => removes(t, own.Key, own.Value ?? '')));
      const agentTags = Object.entries(all.get(n)?.peers[0]?.heartbeat.tags ?? {});
      for (const [k, v] of agentTags) {
        if (tags.some((t) => removes(t, k, v)) && !record.removedAgentTagKeys.includes(k)) record.removedAgentTagKeys.push(k);
      }
      put(d.instances, n, record);
    }
  });
  return undefined;
}
