// Handler-level tests of the CodeDeploy endpoint: every operation's output shape, pagination, and errors,
// against a real model store and deployment store in a temp dir, a fabricated fleet (heartbeats) and
// fabricated lifecycle reports. No processes, no network.
import { createHash, createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CodeDeployModel } from '../../coordinator/model/model-store.ts';
import { CoordinatorStore } from '../../coordinator/store/store.ts';
import { generateCoordinatorKey } from '../../coordinator/config/keys.ts';
import { createDeployment } from '../../coordinator/daemon/create-deployment.ts';
import { buildDeploymentView } from '../../coordinator/status/deployment-view.ts';
import { createEndpoint, type CodeDeployEndpoint } from '../../coordinator/codedeploy/endpoint.ts';
import { OPERATIONS } from '../../coordinator/codedeploy/operations.ts';
import { onHookStatus } from '../../coordinator/codedeploy/hook-status.ts';
import type { ApiContext } from '../../coordinator/codedeploy/context.ts';
import type { LifecycleReport } from '../../protocol/messages/report.ts';
import type { SignedEnvelope } from '../../protocol/signing/envelope.ts';

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const peer = (n: number): string => '12D3KooW' + Buffer.concat([createHash('sha512').update(String(n)).digest()]).subarray(0, 44).reduce((s, b) => s + B58[b % 58], '');
const KEY = { accessKeyId: 'AKIDHANDLER', secretAccessKey: 'secret-handler' };

let dir: string;
let store: CoordinatorStore;
let ctx: ApiContext;
let endpoint: CodeDeployEndpoint;
let sha = '';
let seq = 0;

async function call(op: string, input: unknown = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const out = await endpoint.handleRaw({ method: 'POST', url: '/', headers: { 'x-amz-target': `CodeDeploy_20141006.${op}` }, body: Buffer.from(JSON.stringify(input)) });
  return { status: out.status, body: out.body === '' ? {} : JSON.parse(out.body) as Record<string, unknown> };
}

async function ok(op: string, input: unknown = {}): Promise<Record<string, any>> {
  const r = await call(op, input);
  if (r.status !== 200) throw new Error(`${op} -> ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function err(op: string, input: unknown = {}): Promise<string> {
  const r = await call(op, input);
  expect(r.status).toBe(400);
  expect(typeof r.body.message).toBe('string');
  return String(r.body.__type);
}

function heartbeat(n: number, tags: Record<string, string>): void {
  store.recordHeartbeat({
    type: 'heartbeat', v: 1, host: peer(n), instanceName: `host-${n}`, tags, agentVersion: '1', runtime: 'node', addrs: [],
    revisions: [], uptimeMs: 1000, sentAt: Date.now() + n,
  }, Date.now());
}

async function report(id: string, n: number, event: string, status: LifecycleReport['status'], hostStatus: LifecycleReport['hostStatus'], extra: Partial<LifecycleReport> = {}): Promise<void> {
  seq += 1;
  await store.appendReports([{
    report: {
      type: 'report', v: 1, deploymentId: id, host: peer(n), seq, event, status, errorCode: status === 'Failed' ? 'ScriptFailed' : 'Success',
      scriptName: '', message: '', logTail: '', startedAt: Date.now() - 1000, ...(status !== 'InProgress' ? { endedAt: Date.now() } : {}), hostStatus, ...extra,
    },
    envelope: {} as SignedEnvelope,
  }]);
}

async function succeedHost(id: string, n: number): Promise<void> {
  await report(id, n, 'ApplicationStop', 'Succeeded', 'InProgress');
  await report(id, n, 'AfterAllowTraffic', 'Succeeded', 'Succeeded');
}

const group = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  applicationName: 'app', deploymentGroupName: name, serviceRoleArn: 'arn:aws:iam::000000000000:role/x',
  deploymentConfigName: 'CodeDeployDefault.AllAtOnce', onPremisesInstanceTagFilters: [{ Key: 'env', Value: 'prod', Type: 'KEY_AND_VALUE' }], ...extra,
});
const local = (key = sha): Record<string, unknown> => ({ revisionType: 'S3', s3Location: { bucket: 'convoy-local', key, bundleType: 'zip' } });

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-cd-handlers-'));
  store = await CoordinatorStore.open(path.join(dir, 'data'));
  const signer = await generateCoordinatorKey(path.join(dir, 'key.pem'));
  const bundle = path.join(dir, 'b.zip');
  await writeFile(bundle, 'PK fake bundle');
  sha = createHash('sha256').update('PK fake bundle').digest('hex');
  await store.putRevision(bundle, { sha256: sha, size: 14, bundleType: 'zip', createdAt: Date.now() });
  heartbeat(1, { env: 'prod', role: 'web' });
  heartbeat(2, { env: 'prod', role: 'db' });
  heartbeat(3, { env: 'dev' });
  ctx = {
    model: await CodeDeployModel.open(path.join(dir, 'data')), store, fleet: () => store.fleetEntries(),
    create: async (req) => (await createDeployment(req, {
      store, signer, seed: { peerId: peer(99), addrs: [] }, now: Date.now(), aliveWindowMs: 60_000, intentTtlMs: 3_600_000,
    })).intent,
    view: async (id) => {
      const d = await store.getDeployment(id);
      return d === undefined ? undefined : buildDeploymentView(d, await store.reports(id), store.fleetEntries());
    },
    now: Date.now, aliveWindowMs: 60_000, region: 'eu-west-1', accountId: '111122223333', pageSize: 2, log: pino({ level: 'silent' }),
  };
  endpoint = createEndpoint(ctx, { accessKeys: [KEY], allowUnsigned: true });
  await ok('CreateApplication', { applicationName: 'app' });
});

afterEach(async () => {
  endpoint.close();
  await rm(dir, { recursive: true, force: true });
});

describe('protocol', () => {
  it('routes on X-Amz-Target and answers JSON 1.1 with a request id', async () => {
    const out = await endpoint.handleRaw({ method: 'POST', url: '/', headers: { 'x-amz-target': 'CodeDeploy_20141006.ListApplications' }, body: Buffer.alloc(0) });
    expect(out.status).toBe(200);
    expect(out.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(out.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(out.body)).toEqual({ applications: ['app'] });
    expect(await err('NoSuchOperation')).toBe('UnknownOperationException');
    const bad = await endpoint.handleRaw({ method: 'POST', url: '/', headers: { 'x-amz-target': 'CodeDeploy_20141006.ListApplications' }, body: Buffer.from('{nope') });
    expect(JSON.parse(bad.body).__type).toBe('SerializationException');
    expect(bad.headers['x-amzn-errortype']).toBe('SerializationException');
  });

  it('has a handler for each of the 47 operations', async () => {
    expect(OPERATIONS).toHaveLength(47);
    for (const op of OPERATIONS) {
      const r = await call(op, {});
      expect(r.body.__type, op).not.toBe('UnknownOperationException');
      expect(r.status, op).not.toBe(500);
    }
  });

  it('verifies SigV4 signatures', async () => {
    const strict = createEndpoint(ctx, { accessKeys: [KEY], allowUnsigned: false });
    try {
      const signed = async (creds: typeof KEY, at?: Date): Promise<string> => {
        const body = '{}';
        const signer = new SignatureV4({ service: 'codedeploy', region: 'eu-west-1', credentials: creds, sha256: Sha256 as never });
        const req = await signer.sign({
          method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 7480, path: '/', body,
          headers: { host: '127.0.0.1:7480', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'CodeDeploy_20141006.ListApplications' },
        }, at !== undefined ? { signingDate: at } : {});
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
        const out = await strict.handleRaw({ method: 'POST', url: '/', headers, body: Buffer.from(body) });
        return out.status === 200 ? 'ok' : `${out.status} ${JSON.parse(out.body).__type}`;
      };
      expect(await signed(KEY)).toBe('ok');
      expect(await signed({ ...KEY, secretAccessKey: 'wrong' })).toBe('400 InvalidSignatureException');
      expect(await signed({ ...KEY, accessKeyId: 'AKIDUNKNOWN' })).toBe('400 UnrecognizedClientException');
      expect(await signed(KEY, new Date(Date.now() - 20 * 60_000))).toBe('400 InvalidSignatureException');
      const unsigned = await strict.handleRaw({ method: 'POST', url: '/', headers: { 'x-amz-target': 'CodeDeploy_20141006.ListApplications' }, body: Buffer.from('{}') });
      expect(JSON.parse(unsigned.body).__type).toBe('MissingAuthenticationTokenException');
    } finally {
      strict.close();
    }
  });
});

/** Minimal hash constructor for @smithy/signature-v4 (the SDK's own comes from @aws-crypto, not installed at top level). */
class Sha256 {
  private readonly h;
  constructor(secret?: string | Uint8Array) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', Buffer.from(secret));
  }
  update(data: string | Uint8Array): void { this.h.update(data); }
  async digest(): Promise<Uint8Array> { return new Uint8Array(this.h.digest()); }
}

describe('applications', () => {
  it('creates, gets, lists with pagination, renames and deletes', async () => {
    await ok('CreateApplication', { applicationName: 'b-app', computePlatform: 'Lambda', tags: [{ Key: 'team', Value: 'x' }] });
    await ok('CreateApplication', { applicationName: 'c-app' });
    const got = await ok('GetApplication', { applicationName: 'b-app' });
    expect(got.application).toMatchObject({ applicationName: 'b-app', computePlatform: 'Lambda', linkedToGitHub: false });
    expect(typeof got.application.createTime).toBe('number');
    const p1 = await ok('ListApplications');
    expect(p1.applications).toEqual(['app', 'b-app']);
    const p2 = await ok('ListApplications', { nextToken: p1.nextToken });
    expect(p2).toEqual({ applications: ['c-app'] });
    expect(await err('ListApplications', { nextToken: 'garbage' })).toBe('InvalidNextTokenException');
    expect(await err('CreateApplication', { applicationName: 'app' })).toBe('ApplicationAlreadyExistsException');
    expect(await err('CreateApplication', {})).toBe('ApplicationNameRequiredException');
    expect(await err('CreateApplication', { applicationName: 'a b' })).toBe('InvalidApplicationNameException');
    expect(await err('CreateApplication', { applicationName: 'x', computePlatform: 'Mainframe' })).toBe('InvalidComputePlatformException');
    expect(await err('GetApplication', { applicationName: 'nope' })).toBe('ApplicationDoesNotExistException');
    expect((await ok('BatchGetApplications', { applicationNames: ['app', 'c-app'] })).applicationsInfo).toHaveLength(2);
    expect(await err('BatchGetApplications', { applicationNames: ['app', 'nope'] })).toBe('ApplicationDoesNotExistException');
    await ok('UpdateApplication', { applicationName: 'c-app', newApplicationName: 'd-app' });
    expect(await err('GetApplication', { applicationName: 'c-app' })).toBe('ApplicationDoesNotExistException');
    const arn = 'arn:aws:codedeploy:eu-west-1:111122223333:application:b-app';
    expect((await ok('ListTagsForResource', { ResourceArn: arn })).Tags).toEqual([{ Key: 'team', Value: 'x' }]);
    await ok('TagResource', { ResourceArn: arn, Tags: [{ Key: 'cost', Value: '1' }] });
    await ok('UntagResource', { ResourceArn: arn, TagKeys: ['team'] });
    expect((await ok('ListTagsForResource', { ResourceArn: arn })).Tags).toEqual([{ Key: 'cost', Value: '1' }]);
    expect(await err('ListTagsForResource', { ResourceArn: 'arn:aws:s3:::bucket' })).toBe('InvalidArnException');
    expect(await call('DeleteApplication', { applicationName: 'd-app' })).toEqual({ status: 200, body: {} });
    expect(await call('DeleteApplication', { applicationName: 'never-existed' })).toEqual({ status: 200, body: {} });
  });
});

describe('deployment groups and configs', () => {
  it('validates, stores and echoes group settings', async () => {
    const { deploymentGroupId } = await ok('CreateDeploymentGroup', group('web', {
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] }, alarmConfiguration: { enabled: true, alarms: [{ name: 'cpu' }] },
    }));
    expect(deploymentGroupId).toMatch(/^dg-[0-9a-f]{16}$/);
    const info = (await ok('GetDeploymentGroup', { applicationName: 'app', deploymentGroupName: 'web' })).deploymentGroupInfo;
    expect(info).toMatchObject({
      applicationName: 'app', deploymentGroupName: 'web', deploymentGroupId, deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      onPremisesInstanceTagFilters: [{ Key: 'env', Value: 'prod', Type: 'KEY_AND_VALUE' }], computePlatform: 'Server',
      deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] }, alarmConfiguration: { enabled: true, alarms: [{ name: 'cpu' }] },
    });
    expect(info.lastAttemptedDeployment).toBeUndefined();
    expect(await err('CreateDeploymentGroup', group('web'))).toBe('DeploymentGroupAlreadyExistsException');
    expect(await err('CreateDeploymentGroup', group('x', { serviceRoleArn: undefined }))).toBe('RoleRequiredException');
    expect(await err('CreateDeploymentGroup', group('x', { applicationName: 'nope' }))).toBe('ApplicationDoesNotExistException');
    expect(await err('CreateDeploymentGroup', group('x', { deploymentConfigName: 'Nope' }))).toBe('DeploymentConfigDoesNotExistException');
    expect(await err('CreateDeploymentGroup', group('x', { onPremisesInstanceTagFilters: [{ Key: 'a', Type: 'SOMETIMES' }] }))).toBe('InvalidTagException');
    expect(await err('CreateDeploymentGroup', group('x', { onPremisesTagSet: { onPremisesTagSetList: [[{ Key: 'a' }]] } }))).toBe('InvalidOnPremisesTagCombinationException');
    expect(await err('CreateDeploymentGroup', group('x', { deploymentStyle: { deploymentType: 'BLUE_GREEN' } }))).toBe('InvalidDeploymentStyleException');
    expect(await err('CreateDeploymentGroup', group('x', { autoRollbackConfiguration: { enabled: true, events: ['SOMETHING'] } }))).toBe('InvalidAutoRollbackConfigException');
    await ok('CreateDeploymentGroup', group('db'));
    await ok('CreateDeploymentGroup', group('zz'));
    const p1 = await ok('ListDeploymentGroups', { applicationName: 'app' });
    expect(p1).toMatchObject({ applicationName: 'app', deploymentGroups: ['db', 'web'] });
    expect((await ok('ListDeploymentGroups', { applicationName: 'app', nextToken: p1.nextToken })).deploymentGroups).toEqual(['zz']);
    expect(await ok('UpdateDeploymentGroup', { applicationName: 'app', currentDeploymentGroupName: 'zz', newDeploymentGroupName: 'yy' })).toEqual({ hooksNotCleanedUp: [] });
    expect(await err('UpdateDeploymentGroup', { applicationName: 'app', currentDeploymentGroupName: 'yy', newDeploymentGroupName: 'db' })).toBe('DeploymentGroupAlreadyExistsException');
    const batch = await ok('BatchGetDeploymentGroups', { applicationName: 'app', deploymentGroupNames: ['yy', 'gone'] });
    expect(batch.deploymentGroupsInfo[0].deploymentGroupId).toBe((await ok('GetDeploymentGroup', { applicationName: 'app', deploymentGroupName: 'yy' })).deploymentGroupInfo.deploymentGroupId);
    expect(batch.errorMessage).toContain('gone');
    expect(await ok('DeleteDeploymentGroup', { applicationName: 'app', deploymentGroupName: 'yy' })).toEqual({ hooksNotCleanedUp: [] });
    expect(await err('GetDeploymentGroup', { applicationName: 'app', deploymentGroupName: 'yy' })).toBe('DeploymentGroupDoesNotExistException');
  });

  it('lists built-in configs, creates and deletes custom ones', async () => {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await ok('ListDeploymentConfigs', token !== undefined ? { nextToken: token } : {});
      names.push(...page.deploymentConfigsList);
      token = page.nextToken;
    } while (token !== undefined);
    expect(names).toEqual(expect.arrayContaining(['CodeDeployDefault.OneAtATime', 'CodeDeployDefault.AllAtOnce', 'CodeDeployDefault.LambdaAllAtOnce', 'CodeDeployDefault.ECSAllAtOnce']));
    expect((await ok('GetDeploymentConfig', { deploymentConfigName: 'CodeDeployDefault.HalfAtATime' })).deploymentConfigInfo)
      .toMatchObject({ computePlatform: 'Server', minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 50 } });
    const { deploymentConfigId } = await ok('CreateDeploymentConfig', { deploymentConfigName: 'Two', minimumHealthyHosts: { type: 'HOST_COUNT', value: 2 } });
    expect(deploymentConfigId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await err('CreateDeploymentConfig', { deploymentConfigName: 'Two', minimumHealthyHosts: { type: 'HOST_COUNT', value: 2 } })).toBe('DeploymentConfigAlreadyExistsException');
    expect(await err('CreateDeploymentConfig', { deploymentConfigName: 'Bad', minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 100 } })).toBe('InvalidMinimumHealthyHostValueException');
    expect(await err('CreateDeploymentConfig', {})).toBe('DeploymentConfigNameRequiredException');
    expect(await err('DeleteDeploymentConfig', { deploymentConfigName: 'CodeDeployDefault.AllAtOnce' })).toBe('InvalidOperationException');
    await ok('CreateDeploymentGroup', group('uses-two', { deploymentConfigName: 'Two' }));
    expect(await err('DeleteDeploymentConfig', { deploymentConfigName: 'Two' })).toBe('DeploymentConfigInUseException');
    await ok('DeleteDeploymentGroup', { applicationName: 'app', deploymentGroupName: 'uses-two' });
    await ok('DeleteDeploymentConfig', { deploymentConfigName: 'Two' });
    expect(await err('GetDeploymentConfig', { deploymentConfigName: 'Two' })).toBe('DeploymentConfigDoesNotExistException');
  });
});

describe('revisions', () => {
  it('registers, gets, lists and validates locations', async () => {
    await ok('RegisterApplicationRevision', { applicationName: 'app', revision: local(), description: 'one' });
    await ok('RegisterApplicationRevision', { applicationName: 'app', revision: { revisionType: 'S3', s3Location: { bucket: 'b', key: 'k/2.zip', bundleType: 'zip', eTag: 'e' } } });
    await ok('RegisterApplicationRevision', { applicationName: 'app', revision: { revisionType: 'S3', s3Location: { bucket: 'b', key: 'k/3.tgz', bundleType: 'tgz' } } });
    const got = await ok('GetApplicationRevision', { applicationName: 'app', revision: local() });
    expect(got).toMatchObject({ applicationName: 'app', revision: local(), revisionInfo: { description: 'one', deploymentGroups: [] } });
    const p1 = await ok('ListApplicationRevisions', { applicationName: 'app', sortOrder: 'descending' });
    expect(p1.revisions).toHaveLength(2);
    const p2 = await ok('ListApplicationRevisions', { applicationName: 'app', sortOrder: 'descending', nextToken: p1.nextToken });
    expect(p2.revisions).toEqual([local()]);
    expect((await ok('ListApplicationRevisions', { applicationName: 'app', s3Bucket: 'b', s3KeyPrefix: 'k/3' })).revisions).toHaveLength(1);
    expect(await err('ListApplicationRevisions', { applicationName: 'app', s3KeyPrefix: 'k' })).toBe('BucketNameFilterRequiredException');
    expect(await err('ListApplicationRevisions', { applicationName: 'app', sortBy: 'size' })).toBe('InvalidSortByException');
    expect(await err('ListApplicationRevisions', { applicationName: 'app', deployed: 'maybe' })).toBe('InvalidDeployedStateFilterException');
    const batch = await ok('BatchGetApplicationRevisions', { applicationName: 'app', revisions: [local(), local('0000000000')] });
    expect(batch.revisions).toHaveLength(1);
    expect(batch.errorMessage).toContain('0000000000');
    expect(await err('RegisterApplicationRevision', { applicationName: 'app' })).toBe('RevisionRequiredException');
    expect(await err('RegisterApplicationRevision', { applicationName: 'app', revision: { revisionType: 'S3', s3Location: { bucket: 'b', key: 'k', bundleType: 'rar' } } })).toBe('InvalidRevisionException');
    expect(await err('RegisterApplicationRevision', { applicationName: 'app', revision: { revisionType: 'GitHub', gitHubLocation: { repository: 'o/r', commitId: 'c' } } })).toBe('InvalidRevisionException');
    expect(await err('RegisterApplicationRevision', { applicationName: 'nope', revision: local() })).toBe('ApplicationDoesNotExistException');
    expect(await err('RegisterApplicationRevision', { applicationName: 'app', revision: local(), description: 'x'.repeat(300) })).toBe('DescriptionTooLongException');
    expect(await err('GetApplicationRevision', { applicationName: 'app', revision: local('ffffffff') })).toBe('RevisionDoesNotExistException');
  });
});

describe('deployments, targets and lifecycle events', () => {
  it('creates through the daemon path and maps the per-host view', async () => {
    await ok('CreateDeploymentGroup', group('web'));
    const { deploymentId } = await ok('CreateDeployment', { applicationName: 'app', deploymentGroupName: 'web', revision: local(), description: 'hi' });
    const stored = await store.getDeployment(deploymentId);
    expect(stored?.intent.targets.sort()).toEqual([peer(1), peer(2)].sort());
    expect(stored?.intent.deploymentGroupId).toMatch(/^dg-/);
    let info = (await ok('GetDeployment', { deploymentId })).deploymentInfo;
    expect(info).toMatchObject({
      applicationName: 'app', deploymentGroupName: 'web', deploymentConfigName: 'CodeDeployDefault.AllAtOnce', deploymentId, status: 'Created',
      revision: local(), description: 'hi', creator: 'user', fileExistsBehavior: 'DISALLOW', computePlatform: 'Server',
      deploymentOverview: { Pending: 2, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 },
    });
    expect(await err('CreateDeployment', { applicationName: 'app', deploymentGroupName: 'web', revision: local() })).toBe('DeploymentLimitExceededException');

    await succeedHost(deploymentId, 1);
    await report(deploymentId, 2, 'ApplicationStop', 'Succeeded', 'InProgress');
    await report(deploymentId, 2, 'ValidateService', 'Failed', 'Failed', { scriptName: 'scripts/check.sh', message: 'exit 3', logTail: 'boom\n', exitCode: 3 });
    info = (await ok('GetDeployment', { deploymentId })).deploymentInfo;
    expect(info.status).toBe('Succeeded'); // AllAtOnce: one success is enough
    expect(typeof info.completeTime).toBe('number');
    expect(info.deploymentOverview).toMatchObject({ Succeeded: 1, Failed: 1 });

    const t1 = await ok('ListDeploymentTargets', { deploymentId });
    expect(t1.targetIds).toEqual(['host-1', 'host-2']);
    expect((await ok('ListDeploymentTargets', { deploymentId, targetFilters: { TargetStatus: ['Failed'] } })).targetIds).toEqual(['host-2']);
    expect((await ok('ListDeploymentTargets', { deploymentId, targetFilters: { ServerInstanceLabel: ['Blue'] } })).targetIds).toEqual([]);
    expect(await err('ListDeploymentTargets', { deploymentId, targetFilters: { TargetStatus: ['Sleeping'] } })).toBe('InvalidInstanceStatusException');
    expect(await err('ListDeploymentTargets', { deploymentId, targetFilters: { Colour: ['x'] } })).toBe('InvalidTargetFilterNameException');
    const target = (await ok('GetDeploymentTarget', { deploymentId, targetId: 'host-2' })).deploymentTarget;
    expect(target.deploymentTargetType).toBe('InstanceTarget');
    expect(target.instanceTarget).toMatchObject({ deploymentId, targetId: 'host-2', status: 'Failed', targetArn: 'arn:aws:codedeploy:eu-west-1:111122223333:instance/host-2' });
    const events = target.instanceTarget.lifecycleEvents as Record<string, any>[];
    expect(events.map((e) => e.lifecycleEventName)).toContain('DownloadBundle');
    const failed = events.find((e) => e.lifecycleEventName === 'ValidateService');
    expect(failed).toMatchObject({ status: 'Failed', diagnostics: { errorCode: 'ScriptFailed', scriptName: 'scripts/check.sh', message: 'exit 3', logTail: 'boom\n' } });
    expect(typeof failed?.startTime).toBe('number');
    expect(events.find((e) => e.lifecycleEventName === 'AfterAllowTraffic')).toEqual({ lifecycleEventName: 'AfterAllowTraffic', status: 'Skipped' });
    expect((await ok('BatchGetDeploymentTargets', { deploymentId, targetIds: ['host-1', peer(2)] })).deploymentTargets).toHaveLength(2);
    expect(await err('BatchGetDeploymentTargets', { deploymentId, targetIds: ['host-9'] })).toBe('DeploymentTargetDoesNotExistException');
    expect(await err('BatchGetDeploymentTargets', { deploymentId, targetIds: Array.from({ length: 26 }, (_, i) => `h${i}`) })).toBe('DeploymentTargetListSizeExceededException');
    expect((await ok('ListDeploymentInstances', { deploymentId, instanceStatusFilter: ['Succeeded'] })).instancesList).toEqual(['host-1']);
    expect((await ok('GetDeploymentInstance', { deploymentId, instanceId: 'host-1' })).instanceSummary).toMatchObject({ instanceId: 'host-1', status: 'Succeeded' });
    expect((await ok('BatchGetDeploymentInstances', { deploymentId, instanceIds: ['host-1', 'x'] })).errorMessage).toContain('x');
    expect(await err('GetDeploymentInstance', { deploymentId, instanceId: 'host-7' })).toBe('InstanceDoesNotExistException');

    const group1 = (await ok('GetDeploymentGroup', { applicationName: 'app', deploymentGroupName: 'web' })).deploymentGroupInfo;
    expect(group1.lastSuccessfulDeployment).toMatchObject({ deploymentId, status: 'Succeeded' });
    expect(group1.targetRevision).toEqual(local());
    expect((await ok('GetApplicationRevision', { applicationName: 'app', revision: local() })).revisionInfo.deploymentGroups).toEqual(['web']);
    expect(await err('StopDeployment', { deploymentId })).toBe('DeploymentAlreadyCompletedException');
    expect(await err('ContinueDeployment', { deploymentId })).toBe('DeploymentAlreadyCompletedException');
  });

  it('lists deployments with filters and pages', async () => {
    await ok('CreateDeploymentGroup', group('web'));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { deploymentId } = await ok('CreateDeployment', { applicationName: 'app', deploymentGroupName: 'web', revision: local() });
      await succeedHost(deploymentId, 1);
      await succeedHost(deploymentId, 2);
      ids.push(deploymentId);
    }
    const p1 = await ok('ListDeployments', { applicationName: 'app', deploymentGroupName: 'web' });
    expect(p1.deployments).toHaveLength(2);
    const p2 = await ok('ListDeployments', { applicationName: 'app', deploymentGroupName: 'web', nextToken: p1.nextToken });
    expect([...p1.deployments, ...p2.deployments].sort()).toEqual([...ids].sort());
    expect(p2.nextToken).toBeUndefined();
    expect((await ok('ListDeployments', { includeOnlyStatuses: ['Failed'] })).deployments).toEqual([]);
    expect((await ok('ListDeployments', { createTimeRange: { start: Date.now() / 1000 + 60 } })).deployments).toEqual([]);
    expect(await err('ListDeployments', { applicationName: 'app' })).toBe('DeploymentGroupNameRequiredException');
    expect(await err('ListDeployments', { includeOnlyStatuses: ['Sleeping'] })).toBe('InvalidDeploymentStatusException');
    expect(await err('ListDeployments', { createTimeRange: { start: 10, end: 5 } })).toBe('InvalidTimeRangeException');
    expect((await ok('BatchGetDeployments', { deploymentIds: [...ids, 'd-ZZZZZZZZZ'] })).deploymentsInfo).toHaveLength(3);
    expect(await err('BatchGetDeployments', { deploymentIds: ['bad'] })).toBe('InvalidDeploymentIdException');
    expect(await err('BatchGetDeployments', { deploymentIds: Array.from({ length: 26 }, () => 'd-AAAAAAAAA') })).toBe('BatchLimitExceededException');
  });

  it('refuses what it cannot run and fails with NO_INSTANCES when nothing matches', async () => {
    await ok('CreateDeploymentGroup', group('web'));
    await ok('CreateDeploymentGroup', group('none', { onPremisesInstanceTagFilters: [{ Key: 'env', Value: 'staging', Type: 'KEY_AND_VALUE' }] }));
    expect(await err('CreateDeployment', { applicationName: 'app', deploymentGroupName: 'web', revision: local(), deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce' })).toBe('InvalidDeploymentConfigNameException');
    expect(await err('CreateDeployment', { applicationName: 'app', deploymentGroupName: 'web', revision: local(), deploymentConfigName: 'Nope' })).toBe('DeploymentConfigDoesNotExistException');
    expect(await err('CreateDeployment', { applicationName: 'app', deploymentGroupName: 'web', revision: local(), fileExistsBehavior: 'MERGE' })).toBe('InvalidFileExistsBehaviorException');
    expect(await err('CreateDeployment', { applicationName: 'app', deploymentGroupName: 'nope', revision: local() })).toBe('DeploymentGroupDoesNotExistException');
    expect(await err('CreateDeployment', { applicationName: 'app', deploymentGroupName: 'web' })).toBe('RevisionRequiredException');
    expect(await err('CreateDeployment', { applicationName: 'app', deploymentGroupName: 'web', revision: local('abcdef12') })).toBe('RevisionDoesNotExistException');
    expect(await err('CreateDeployment', { applicationName: 'app', deploymentGroupName: 'web', revision: { revisionType: 'S3', s3Location: { bucket: 'remote', key: 'k', bundleType: 'zip' } } })).toBe('InvalidRevisionException');
    expect(await err('GetDeployment', { deploymentId: 'nonsense' })).toBe('InvalidDeploymentIdException');
    expect(await err('GetDeployment', {})).toBe('DeploymentIdRequiredException');
    expect(await err('GetDeployment', { deploymentId: 'd-AAAAAAAAA' })).toBe('DeploymentDoesNotExistException');
    const { deploymentId } = await ok('CreateDeployment', { applicationName: 'app', deploymentGroupName: 'none', revision: local() });
    const info = (await ok('GetDeployment', { deploymentId })).deploymentInfo;
    expect(info).toMatchObject({ status: 'Failed', errorInformation: { code: 'NO_INSTANCES' } });
    expect((await ok('ListDeploymentTargets', { deploymentId })).targetIds).toEqual([]);
    const running = (await ok('CreateDeployment', { applicationName: 'app', deploymentGroupName: 'web', revision: local() })).deploymentId;
    expect(await err('StopDeployment', { deploymentId: running })).toBe('UnsupportedActionForDeploymentTypeException'); // no stopDeployment in this context
    expect(await err('ContinueDeployment', { deploymentId: running })).toBe('DeploymentIsNotInReadyStateException');
    expect(await err('ContinueDeployment', { deploymentId: running, deploymentWaitType: 'SOON' })).toBe('InvalidDeploymentWaitTypeException');
  });

  it('hands auto-rollback settings and stops to the daemon', async () => {
    await ok('CreateDeploymentGroup', group('web', { autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] } }));
    const { deploymentId } = await ok('CreateDeployment', { applicationName: 'app', deploymentGroupName: 'web', revision: local() });
    expect((await store.getDeployment(deploymentId))?.autoRollbackEvents).toEqual(['DEPLOYMENT_FAILURE']);
    const stops: string[] = [];
    const withStop = createEndpoint({ ...ctx, stopDeployment: async (id, rollback) => { stops.push(`${id}:${rollback}`); } }, { accessKeys: [], allowUnsigned: true });
    try {
      const out = await withStop.handleRaw({ method: 'POST', url: '/', headers: { 'x-amz-target': 'CodeDeploy_20141006.StopDeployment' }, body: Buffer.from(JSON.stringify({ deploymentId, autoRollbackEnabled: true })) });
      expect(JSON.parse(out.body)).toMatchObject({ status: 'Pending' });
      expect(stops).toEqual([`${deploymentId}:true`]);
    } finally {
      withStop.close();
    }
  });
});

describe('on-premises instances', () => {
  it('shows agents from heartbeats and applies registrations and tags', async () => {
    const all = await ok('ListOnPremisesInstances');
    expect(all.instanceNames).toEqual(['host-1', 'host-2']);
    expect((await ok('ListOnPremisesInstances', { nextToken: all.nextToken })).instanceNames).toEqual(['host-3']);
    expect((await ok('ListOnPremisesInstances', { tagFilters: [{ Key: 'role', Value: 'db', Type: 'KEY_AND_VALUE' }] })).instanceNames).toEqual(['host-2']);
    await ok('RegisterOnPremisesInstance', { instanceName: 'spare', iamSessionArn: 'arn:aws:sts::111122223333:assumed-role/cd/spare' });
    expect(await err('RegisterOnPremisesInstance', { instanceName: 'spare', iamSessionArn: 'arn:aws:sts::111122223333:assumed-role/cd/x' })).toBe('InstanceNameAlreadyRegisteredException');
    expect(await err('RegisterOnPremisesInstance', { instanceName: 'other' })).toBe('IamArnRequiredException');
    expect(await err('RegisterOnPremisesInstance', { instanceName: 'other', iamSessionArn: 'a', iamUserArn: 'b' })).toBe('MultipleIamArnsProvidedException');
    expect(await err('RegisterOnPremisesInstance', { instanceName: 'i-123', iamUserArn: 'arn:aws:iam::111122223333:user/x' })).toBe('InvalidInstanceNameException');
    await ok('AddTagsToOnPremisesInstances', { instanceNames: ['host-3', 'spare'], tags: [{ Key: 'env', Value: 'prod' }] });
    await ok('RemoveTagsFromOnPremisesInstances', { instanceNames: ['host-1'], tags: [{ Key: 'env', Value: 'prod' }] });
    const infos = (await ok('BatchGetOnPremisesInstances', { instanceNames: ['host-1', 'host-3', 'spare'] })).instanceInfos as Record<string, any>[];
    expect(infos.find((i) => i.instanceName === 'host-3')?.tags).toEqual([{ Key: 'env', Value: 'prod' }]);
    expect(infos.find((i) => i.instanceName === 'host-1')?.tags).toEqual([{ Key: 'role', Value: 'web' }]);
    expect(infos.find((i) => i.instanceName === 'spare')).toMatchObject({ iamSessionArn: 'arn:aws:sts::111122223333:assumed-role/cd/spare', instanceArn: 'arn:aws:codedeploy:eu-west-1:111122223333:instance/spare' });
    await ok('DeregisterOnPremisesInstance', { instanceName: 'host-2' });
    expect((await ok('GetOnPremisesInstance', { instanceName: 'host-2' })).instanceInfo.deregisterTime).toEqual(expect.any(Number));
    expect((await ok('ListOnPremisesInstances', { registrationStatus: 'Deregistered' })).instanceNames).toEqual(['host-2']);
    expect(await err('ListOnPremisesInstances', { registrationStatus: 'Maybe' })).toBe('InvalidRegistrationStatusException');
    expect(await err('GetOnPremisesInstance', { instanceName: 'ghost' })).toBe('InstanceNotRegisteredException');
    expect(await err('AddTagsToOnPremisesInstances', { instanceNames: ['ghost'], tags: [{ Key: 'a', Value: 'b' }] })).toBe('InstanceNotRegisteredException');
    expect(await err('AddTagsToOnPremisesInstances', { instanceNames: ['host-3'] })).toBe('TagRequiredException');
    // The group's targets follow the registry: host-1 lost env=prod, host-2 is deregistered, host-3 gained it.
    await ok('CreateDeploymentGroup', group('web'));
    const { deploymentId } = await ok('CreateDeployment', { applicationName: 'app', deploymentGroupName: 'web', revision: local() });
    expect((await store.getDeployment(deploymentId))?.intent.targets).toEqual([peer(3)]);
  });
});

describe('hook verdicts', () => {
  it('stores PutLifecycleEventHookExecutionStatus and tells listeners', async () => {
    const seen: string[] = [];
    const off = onHookStatus((e) => { seen.push(`${e.deploymentId}/${e.lifecycleEventHookExecutionId}/${e.status}`); });
    try {
      expect(await ok('PutLifecycleEventHookExecutionStatus', { deploymentId: 'd-LAMBDA001', lifecycleEventHookExecutionId: 'exec-1', status: 'Succeeded' }))
        .toEqual({ lifecycleEventHookExecutionId: 'exec-1' });
      expect(seen).toEqual(['d-LAMBDA001/exec-1/Succeeded']);
      expect(await err('PutLifecycleEventHookExecutionStatus', { deploymentId: 'd-LAMBDA001', lifecycleEventHookExecutionId: 'exec-1', status: 'Failed' })).toBe('LifecycleEventAlreadyCompletedException');
      expect(await err('PutLifecycleEventHookExecutionStatus', { deploymentId: 'd-LAMBDA001', lifecycleEventHookExecutionId: 'exec-2', status: 'Pending' })).toBe('InvalidLifecycleEventHookExecutionStatusException');
      expect(await err('PutLifecycleEventHookExecutionStatus', { deploymentId: 'd-LAMBDA001', status: 'Failed' })).toBe('InvalidLifecycleEventHookExecutionIdException');
      expect(await err('PutLifecycleEventHookExecutionStatus', { lifecycleEventHookExecutionId: 'x', status: 'Failed' })).toBe('DeploymentIdRequiredException');
      const reopened = await CodeDeployModel.open(path.join(dir, 'data'));
      expect(reopened.data.hookStatuses['exec-1']).toMatchObject({ status: 'Succeeded' });
    } finally {
      off();
    }
  });

  it('refuses the GitHub and blue/green-only operations clearly', async () => {
    expect(await ok('ListGitHubAccountTokenNames')).toEqual({ tokenNameList: [] });
    expect(await err('DeleteGitHubAccountToken', { tokenName: 't' })).toBe('GitHubAccountTokenDoesNotExistException');
    expect(await err('SkipWaitTimeForInstanceTermination', {})).toBe('UnsupportedActionForDeploymentTypeException');
    expect(await ok('DeleteResourcesByExternalId', { externalId: 'x' })).toEqual({});
  });
});
