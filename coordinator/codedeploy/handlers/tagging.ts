// ListTagsForResource, TagResource, UntagResource for applications and deployment groups (by ARN).
import { fail } from '../errors.ts';
import { applicationArn, groupArn, type ApiContext } from '../context.ts';
import { paginate } from '../pagination.ts';
import { reqString, stringList, type Input } from '../validate.ts';
import { own, put } from '../../model/model-store.ts';
import type { Tag } from '../../model/types.ts';

export const MAX_TAGS = 50;

/** Parses a `[{Key, Value}]` list; `invalid` names the exception for a malformed entry. */
export function tagsInput(value: unknown, invalid: string): Tag[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(invalid, 'tags must be a list of {Key, Value}');
  return value.map((t: unknown) => {
    const r = (typeof t === 'object' && t !== null ? t : {}) as Record<string, unknown>;
    if (typeof r.Key !== 'string' || r.Key === '' || r.Key.length > 128) fail(invalid, 'Every tag needs a Key of 1-128 characters');
    if (r.Value !== undefined && (typeof r.Value !== 'string' || r.Value.length > 256)) fail(invalid, `Tag ${r.Key}: Value must be a string of at most 256 characters`);
    return r.Value === undefined ? { Key: r.Key } : { Key: r.Key, Value: r.Value as string };
  });
}

function resolveArn(ctx: ApiContext, arn: string): string {
  const prefix = `arn:aws:codedeploy:${ctx.region}:${ctx.accountId}:`;
  const generic = /^arn:aws[a-z-]*:codedeploy:[^:]*:\d{12}:(application|deploymentgroup|deploymentconfig|instance)[:/](.+)$/.exec(arn);
  if (generic === null) fail('InvalidArnException', `"${arn}" is not a CodeDeploy ARN`);
  if (!arn.startsWith(prefix)) fail('ResourceArnRequiredException', `"${arn}" is not in this coordinator's region and account (${ctx.region}, ${ctx.accountId})`);
  const [, kind, rest = ''] = generic;
  if (kind === 'application') {
    if (ctx.model.application(rest) === undefined) fail('ApplicationDoesNotExistException', `No application found for name: ${rest}`);
    return applicationArn(ctx, rest);
  }
  if (kind === 'deploymentgroup') {
    const [app = '', group = ''] = rest.split('/');
    if (ctx.model.application(app) === undefined) fail('ApplicationDoesNotExistException', `No application found for name: ${app}`);
    if (ctx.model.group(app, group) === undefined) fail('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${group}`);
    return groupArn(ctx, app, group);
  }
  return fail('ArnNotSupportedException', `Tags are supported on applications and deployment groups, not ${kind}s`);
}

export async function listTagsForResource(ctx: ApiContext, input: Input): Promise<unknown> {
  const arn = resolveArn(ctx, reqString(input, 'ResourceArn', 'ResourceArnRequiredException', 'InvalidArnException'));
  const { page, nextToken } = paginate('ListTagsForResource', own(ctx.model.data.resourceTags, arn) ?? [], input.NextToken, ctx.pageSize);
  return { Tags: page, ...(nextToken !== undefined ? { NextToken: nextToken } : {}) };
}

export async function tagResource(ctx: ApiContext, input: Input): Promise<unknown> {
  const arn = resolveArn(ctx, reqString(input, 'ResourceArn', 'ResourceArnRequiredException', 'InvalidArnException'));
  const tags = tagsInput(input.Tags, 'InvalidTagsToAddException');
  if (tags.length === 0) fail('TagRequiredException', 'Tags is required');
  await ctx.model.mutate(['resourceTags'], (d) => {
    const merged = new Map((own(d.resourceTags, arn) ?? []).map((t) => [t.Key, t]));
    for (const t of tags) merged.set(t.Key, t);
    if (merged.size > MAX_TAGS) fail('InvalidTagsToAddException', `A resource can carry at most ${MAX_TAGS} tags`);
    put(d.resourceTags, arn, [...merged.values()]);
  });
  return {};
}

export async function untagResource(ctx: ApiContext, input: Input): Promise<unknown> {
  const arn = resolveArn(ctx, reqString(input, 'ResourceArn', 'ResourceArnRequiredException', 'InvalidArnException'));
  const keys = stringList(input, 'TagKeys', 'TagRequiredException', 'InvalidTagException');
  await ctx.model.mutate(['resourceTags'], (d) => {
    put(d.resourceTags, arn, (own(d.resourceTags, arn) ?? []).filter((t) => !keys.includes(t.Key)));
  });
  return {};
}
