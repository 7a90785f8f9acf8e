// RegisterApplicationRevision, GetApplicationRevision, BatchGetApplicationRevisions, ListApplicationRevisions.
// Only S3 locations are accepted (bucket convoy-local names the coordinator's own store); registering checks
// the location's shape, the bytes are fetched when a deployment uses it (as CodeDeploy does).
import { fail } from '../errors.ts';
import { secs, type ApiContext } from '../context.ts';
import { paginate } from '../pagination.ts';
import { name, oneOf, optArray, optString, type Input } from '../validate.ts';
import { own, put } from '../../model/model-store.ts';
import type { BundleType, RevisionLocation, RevisionRecord } from '../../model/types.ts';
import { requireApplication } from './applications.ts';

const APP = ['applicationName', 'ApplicationNameRequiredException', 'InvalidApplicationNameException'] as const;
export const MAX_DESCRIPTION = 256;

export function parseRevision(value: unknown): RevisionLocation {
  if (value === undefined || value === null) fail('RevisionRequiredException', 'revision is required');
  if (typeof value !== 'object' || Array.isArray(value)) fail('InvalidRevisionException', 'revision must be an object');
  const r = value as Input;
  switch (r.revisionType) {
    case 'S3': {
      const s3 = r.s3Location;
      if (typeof s3 !== 'object' || s3 === null) fail('InvalidRevisionException', 'An S3 revision needs s3Location');
      const l = s3 as Input;
      if (typeof l.bucket !== 'string' || l.bucket === '') fail('InvalidRevisionException', 's3Location.bucket is required');
      if (typeof l.key !== 'string' || l.key === '') fail('InvalidRevisionException', 's3Location.key is required');
      if (l.bundleType === undefined) fail('InvalidRevisionException', 's3Location.bundleType is required (zip, tar or tgz)');
      const bundleType = oneOf<BundleType>(l.bundleType, ['tar', 'tgz', 'zip', 'YAML', 'JSON'], 'InvalidRevisionException', 's3Location.bundleType');
      if (bundleType === 'YAML' || bundleType === 'JSON') {
        fail('InvalidRevisionException', `bundleType ${bundleType} is for Lambda/ECS AppSpec files; Server revisions are zip, tar or tgz`);
      }
      const version = optString(l, 'version', 'InvalidRevisionException');
      const eTag = optString(l, 'eTag', 'InvalidRevisionException');
      return {
        revisionType: 'S3',
        s3Location: { bucket: l.bucket, key: l.key, bundleType, ...(version !== undefined ? { version } : {}), ...(eTag !== undefined ? { eTag } : {}) },
      };
    }
    case 'GitHub':
      return fail('InvalidRevisionException', 'GitHub revisions are not supported: an air-gapped coordinator cannot reach GitHub (use an S3 location or bucket convoy-local)');
    case 'String':
    case 'AppSpecContent':
      return fail('InvalidRevisionException', `${String(r.revisionType)} revisions carry Lambda/ECS AppSpecs; Convoy Server deployments need an S3 bundle location`);
    default:
      return fail('InvalidRevisionException', `revisionType ${JSON.stringify(r.revisionType)} is not one of S3, GitHub, String, AppSpecContent`);
  }
}

export function sameLocation(a: RevisionLocation, b: RevisionLocation): boolean {
  const x = a.s3Location;
  const y = b.s3Location;
  return x.bucket === y.bucket && x.key === y.key && x.bundleType === y.bundleType && x.version === y.version && x.eTag === y.eTag;
}

function description(input: Input): string | undefined {
  const d = optString(input, 'description', 'InvalidInputException');
  if (d !== undefined && d.length > MAX_DESCRIPTION) fail('DescriptionTooLongException', `description is ${d.length} characters; at most ${MAX_DESCRIPTION} are allowed`);
  return d;
}

/** Registers (or refreshes) a revision; with `usedBy`, records that a deployment group deployed it. */
export async function recordRevision(ctx: ApiContext, app: string, location: RevisionLocation, opts: { description?: string; usedBy?: string }): Promise<void> {
  await ctx.model.mutate(['revisions'], (d) => {
    const list = own(d.revisions, app) ?? [];
    let record = list.find((r) => sameLocation(r.location, location));
    if (record === undefined) {
      record = { location, registerTime: ctx.now(), deploymentGroups: [] };
      list.push(record);
    }
    if (opts.description !== undefined) record.description = opts.description;
    if (opts.usedBy !== undefined) {
      record.firstUsedTime ??= ctx.now();
      record.lastUsedTime = ctx.now();
      if (!record.deploymentGroups.includes(opts.usedBy)) record.deploymentGroups.push(opts.usedBy);
    }
    put(d.revisions, app, list);
  });
}

function revisionInfo(r: RevisionRecord): Record<string, unknown> {
  return {
    ...(r.description !== undefined ? { description: r.description } : {}),
    deploymentGroups: r.deploymentGroups,
    ...(r.firstUsedTime !== undefined ? { firstUsedTime: secs(r.firstUsedTime) } : {}),
    ...(r.lastUsedTime !== undefined ? { lastUsedTime: secs(r.lastUsedTime) } : {}),
    registerTime: secs(r.registerTime),
  };
}

export async function registerApplicationRevision(ctx: ApiContext, input: Input): Promise<unknown> {
  const app = name(input, ...APP);
  const desc = description(input);
  const location = parseRevision(input.revision);
  requireApplication(ctx, app);
  await recordRevision(ctx, app, location, desc !== undefined ? { description: desc } : {});
  return undefined;
}

function findRecord(ctx: ApiContext, app: string, location: RevisionLocation): RevisionRecord {
  return ctx.model.revisions(app).find((r) => sameLocation(r.location, location))
    ?? fail('RevisionDoesNotExistException', `No application revision found for ${app} at s3://${location.s3Location.bucket}/${location.s3Location.key}`);
}

export async function getApplicationRevision(ctx: ApiContext, input: Input): Promise<unknown> {
  const app = name(input, ...APP);
  requireApplication(ctx, app);
  const location = parseRevision(input.revision);
  return { applicationName: app, revision: location, revisionInfo: revisionInfo(findRecord(ctx, app, location)) };
}

export async function batchGetApplicationRevisions(ctx: ApiContext, input: Input): Promise<unknown> {
  const app = name(input, ...APP);
  requireApplication(ctx, app);
  const list = optArray(input, 'revisions', 'InvalidRevisionException');
  if (list === undefined || list.length === 0) fail('RevisionRequiredException', 'revisions is required');
  if (list.length > 25) fail('BatchLimitExceededException', 'At most 25 revisions per call');
  const found: Record<string, unknown>[] = [];
  const missing: string[] = [];
  for (const item of list) {
    const location = parseRevision(item);
    const record = ctx.model.revisions(app).find((r) => sameLocation(r.location, location));
    if (record === undefined) missing.push(`s3://${location.s3Location.bucket}/${location.s3Location.key}`);
    else found.push({ revisionLocation: location, genericRevisionInfo: revisionInfo(record) });
  }
  return { applicationName: app, revisions: found, ...(missing.length > 0 ? { errorMessage: `Revisions not registered: ${missing.join(', ')}` } : {}) };
}

export async function listApplicationRevisions(ctx: ApiContext, input: Input): Promise<unknown> {
  const app = name(input, ...APP);
  requireApplication(ctx, app);
  const sortBy = input.sortBy === undefined ? 'registerTime' : oneOf(input.sortBy, ['registerTime', 'firstUsedTime', 'lastUsedTime'] as const, 'InvalidSortByException', 'sortBy');
  const sortOrder = input.sortOrder === undefined ? 'ascending' : oneOf(input.sortOrder, ['ascending', 'descending'] as const, 'InvalidSortOrderException', 'sortOrder');
  const deployed = input.deployed === undefined ? 'ignore' : oneOf(input.deployed, ['include', 'exclude', 'ignore'] as const, 'InvalidDeployedStateFilterException', 'deployed');
  const bucket = optString(input, 's3Bucket', 'InvalidBucketNameFilterException');
  const prefix = optString(input, 's3KeyPrefix', 'InvalidKeyPrefixFilterException');
  if (prefix !== undefined && bucket === undefined) fail('BucketNameFilterRequiredException', 's3KeyPrefix needs s3Bucket');
  const rows = ctx.model.revisions(app)
    .filter((r) => bucket === undefined || r.location.s3Location.bucket === bucket)
    .filter((r) => prefix === undefined || r.location.s3Location.key.startsWith(prefix))
    .filter((r) => deployed === 'ignore' || (deployed === 'include') === (r.deploymentGroups.length > 0))
    .map((r, i) => ({ r, i, t: r[sortBy] }))
    .sort((a, b) => ((a.t ?? -1) - (b.t ?? -1) || a.i - b.i) * (sortOrder === 'ascending' ? 1 : -1))
    .map((x) => x.r.location);
  const { page, nextToken } = paginate('ListApplicationRevisions', rows, input.nextToken, ctx.pageSize);
  return { revisions: page, ...(nextToken !== undefined ? { nextToken } : {}) };
}
