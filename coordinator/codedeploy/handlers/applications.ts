// CreateApplication, GetApplication, BatchGetApplications, ListApplications, UpdateApplication, DeleteApplication.
import { randomUUID } from 'node:crypto';
import { fail } from '../errors.ts';
import { applicationArn, groupArn, secs, type ApiContext } from '../context.ts';
import { paginate } from '../pagination.ts';
import { name, oneOf, optName, stringList, type Input } from '../validate.ts';
import { own, put } from '../../model/model-store.ts';
import type { ApplicationRecord, ComputePlatform } from '../../model/types.ts';
import { tagsInput } from './tagging.ts';

const APP_NAME = ['applicationName', 'ApplicationNameRequiredException', 'InvalidApplicationNameException'] as const;

export function requireApplication(ctx: ApiContext, app: string): ApplicationRecord {
  return ctx.model.application(app) ?? fail('ApplicationDoesNotExistException', `No application found for name: ${app}`);
}

export function applicationInfo(a: ApplicationRecord): Record<string, unknown> {
  return { applicationId: a.applicationId, applicationName: a.applicationName, createTime: secs(a.createTime), linkedToGitHub: false, computePlatform: a.computePlatform };
}

export async function createApplication(ctx: ApiContext, input: Input): Promise<unknown> {
  const app = name(input, ...APP_NAME);
  const computePlatform = input.computePlatform === undefined ? 'Server'
    : oneOf<ComputePlatform>(input.computePlatform, ['Server', 'Lambda', 'ECS'], 'InvalidComputePlatformException', 'computePlatform');
  const tags = tagsInput(input.tags, 'InvalidTagsToAddException');
  return ctx.model.mutate(['applications', 'resourceTags'], (d) => {
    if (own(d.applications, app) !== undefined) fail('ApplicationAlreadyExistsException', `${app} already exists in your account.`);
    const record: ApplicationRecord = { applicationId: randomUUID(), applicationName: app, computePlatform, createTime: ctx.now() };
    put(d.applications, app, record);
    if (tags.length > 0) put(d.resourceTags, applicationArn(ctx, app), tags);
    return { applicationId: record.applicationId };
  });
}

export async function getApplication(ctx: ApiContext, input: Input): Promise<unknown> {
  return { application: applicationInfo(requireApplication(ctx, name(input, ...APP_NAME))) };
}

export async function batchGetApplications(ctx: ApiContext, input: Input): Promise<unknown> {
  const names = stringList(input, 'applicationNames', 'ApplicationNameRequiredException', 'InvalidApplicationNameException', { max: 100, type: 'BatchLimitExceededException' });
  return { applicationsInfo: names.map((n) => applicationInfo(requireApplication(ctx, n))) };
}

export async function listApplications(ctx: ApiContext, input: Input): Promise<unknown> {
  const names = Object.keys(ctx.model.data.applications).sort();
  const { page, nextToken } = paginate('ListApplications', names, input.nextToken, ctx.pageSize);
  return { applications: page, ...(nextToken !== undefined ? { nextToken } : {}) };
}

export async function updateApplication(ctx: ApiContext, input: Input): Promise<unknown> {
  const app = optName(input, 'applicationName', 'InvalidApplicationNameException') ?? fail('ApplicationNameRequiredException', 'applicationName is required');
  const to = optName(input, 'newApplicationName', 'InvalidApplicationNameException');
  await ctx.model.mutate(['applications', 'deploymentGroups', 'revisions', 'resourceTags'], (d) => {
    const record = own(d.applications, app) ?? fail('ApplicationDoesNotExistException', `No application found for name: ${app}`);
    if (to === undefined || to === app) return;
    if (own(d.applications, to) !== undefined) fail('ApplicationAlreadyExistsException', `${to} already exists in your account.`);
    delete d.applications[app];
    record.applicationName = to;
    put(d.applications, to, record);
    const groups = own(d.deploymentGroups, app) ?? {};
    delete d.deploymentGroups[app];
    for (const g of Object.values(groups)) {
      moveTags(d.resourceTags, groupArn(ctx, app, g.deploymentGroupName), groupArn(ctx, to, g.deploymentGroupName));
      g.applicationName = to;
    }
    put(d.deploymentGroups, to, groups);
    const revisions = own(d.revisions, app);
    delete d.revisions[app];
    if (revisions !== undefined) put(d.revisions, to, revisions);
    moveTags(d.resourceTags, applicationArn(ctx, app), applicationArn(ctx, to));
  });
  return undefined;
}

export async function deleteApplication(ctx: ApiContext, input: Input): Promise<unknown> {
  const app = name(input, ...APP_NAME);
  await ctx.model.mutate(['applications', 'deploymentGroups', 'revisions', 'resourceTags'], (d) => {
    for (const g of Object.keys(own(d.deploymentGroups, app) ?? {})) delete d.resourceTags[groupArn(ctx, app, g)];
    delete d.applications[app];
    delete d.deploymentGroups[app];
    delete d.revisions[app];
    delete d.resourceTags[applicationArn(ctx, app)];
  });
  return undefined;
}

function moveTags(tags: Record<string, unknown>, from: string, to: string): void {
  const t = own(tags, from);
  if (t === undefined) return;
  delete tags[from];
  put(tags, to, t);
}
