// The real @aws-sdk/client-codedeploy (and the Debian aws CLI 2.9.19, when installed) against a running
// coordinator daemon with a 3-agent sandbox fleet and an s3rver holding the revision bundles.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CodeDeployClient, CreateApplicationCommand, CreateDeploymentCommand, CreateDeploymentGroupCommand, GetDeploymentCommand,
  RegisterApplicationRevisionCommand, BatchGetDeploymentTargetsCommand, GetApplicationRevisionCommand, ListOnPremisesInstancesCommand,
  ApplicationDoesNotExistException, DeploymentDoesNotExistException, DeploymentConfigDoesNotExistException, InvalidRevisionException,
  CodeDeployServiceException, ListDeploymentTargetsCommand, paginateListDeployments, paginateListDeploymentConfigs, waitUntilDeploymentSuccessful,
  type LifecycleEvent,
} from '@aws-sdk/client-codedeploy';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ACCESS_KEY, REGION, makeRevision, startCodeDeployFleet, type CodeDeployFleet } from './fleet.ts';

const AWS = '/usr/bin/aws';
const run = promisify(execFile);

let fleet: CodeDeployFleet;
let cd: CodeDeployClient;
let okEtag = '';

async function upload(key: string, file: string): Promise<string> {
  const s3 = new S3Client({
    endpoint: fleet.s3Endpoint, region: REGION, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const out = await s3.send(new PutObjectCommand({ Bucket: 'bundles', Key: key, Body: await readFile(file) }));
  s3.destroy();
  return (out.ETag ?? '').replace(/"/g, '');
}

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const p of pages) out.push(p);
  return out;
}

beforeAll(async () => {
  fleet = await startCodeDeployFleet({ agents: 3, pageSize: 2 });
  cd = new CodeDeployClient({ endpoint: fleet.endpoint, region: REGION, credentials: ACCESS_KEY, maxAttempts: 1 });
  okEtag = await upload('app/ok.zip', await makeRevision(fleet.dir, 'ok'));
  await upload('app/bad.zip', await makeRevision(fleet.dir, 'bad', 3));
}, 120_000);

afterAll(async () => {
  cd?.destroy();
  await fleet?.stop();
}, 60_000);

describe('CodeDeploy API through @aws-sdk/client-codedeploy', () => {
  it('deploys an S3 revision to a tag-filtered group and reports targets and lifecycle events', async () => {
    const { applicationId } = await cd.send(new CreateApplicationCommand({ applicationName: 'sdk-app', computePlatform: 'Server' }));
    expect(applicationId).toMatch(/^[0-9a-f-]{36}$/);
    await cd.send(new CreateDeploymentGroupCommand({
      applicationName: 'sdk-app', deploymentGroupName: 'web', serviceRoleArn: 'arn:aws:iam::123456789012:role/cd',
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      onPremisesInstanceTagFilters: [{ Key: 'env', Value: 'cd', Type: 'KEY_AND_VALUE' }],
      autoRollbackConfiguration: { enabled: false, events: ['DEPLOYMENT_FAILURE'] },
    }));
    const instances = await cd.send(new ListOnPremisesInstancesCommand({ registrationStatus: 'Registered', tagFilters: [{ Key: 'env', Value: 'cd', Type: 'KEY_AND_VALUE' }] }));
    expect(instances.instanceNames?.length).toBeGreaterThan(0);

    const revision = { revisionType: 'S3' as const, s3Location: { bucket: 'bundles', key: 'app/ok.zip', bundleType: 'zip' as const, eTag: okEtag } };
    await cd.send(new RegisterApplicationRevisionCommand({ applicationName: 'sdk-app', revision, description: 'first' }));
    const got = await cd.send(new GetApplicationRevisionCommand({ applicationName: 'sdk-app', revision }));
    expect(got.revisionInfo?.description).toBe('first');

    const { deploymentId } = await cd.send(new CreateDeploymentCommand({ applicationName: 'sdk-app', deploymentGroupName: 'web', revision, description: 'sdk' }));
    expect(deploymentId).toMatch(/^d-[A-Z0-9]{9}$/);
    const waited = await waitUntilDeploymentSuccessful({ client: cd, maxWaitTime: 90, minDelay: 1, maxDelay: 2 }, { deploymentId });
    expect(waited.state).toBe('SUCCESS');

    const info = (await cd.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo;
    expect(info?.status).toBe('Succeeded');
    // Hooks see where the revision came from, as on CodeDeploy, though the bytes came from the coordinator.
    const env = await readFile(path.join(fleet.dir, 'agents', 'agent-1', 'dest', 'srv', 'convoy-cd-test', 'ok', 'bundle.env'), 'utf8');
    expect(env.trim()).toBe(`bundles app/ok.zip ${okEtag}`);
    expect(info?.deploymentOverview).toEqual({ Pending: 0, InProgress: 0, Succeeded: 3, Failed: 0, Skipped: 0, Ready: 0 });
    expect(info?.createTime).toBeInstanceOf(Date);
    expect(info?.completeTime).toBeInstanceOf(Date);
    expect(info?.revision?.s3Location).toMatchObject({ bucket: 'bundles', key: 'app/ok.zip', bundleType: 'zip', eTag: okEtag });

    // The SDK has no paginator for ListDeploymentTargets: follow nextToken by hand (page size 2, 3 targets).
    const targetIds: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await cd.send(new ListDeploymentTargetsCommand({ deploymentId, ...(nextToken !== undefined ? { nextToken } : {}) }));
      targetIds.push(...(page.targetIds ?? []));
      nextToken = page.nextToken;
      pages += 1;
    } while (nextToken !== undefined);
    expect(pages).toBe(2);
    expect(targetIds.sort()).toEqual(['agent-1', 'agent-2', 'agent-3']);
    const { deploymentTargets } = await cd.send(new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds }));
    expect(deploymentTargets).toHaveLength(3);
    for (const t of deploymentTargets ?? []) {
      expect(t.deploymentTargetType).toBe('InstanceTarget');
      expect(t.instanceTarget?.status).toBe('Succeeded');
      expect(t.instanceTarget?.targetArn).toBe(`arn:aws:codedeploy:${REGION}:123456789012:instance/${t.instanceTarget?.targetId}`);
      const validate = t.instanceTarget?.lifecycleEvents?.find((e: LifecycleEvent) => e.lifecycleEventName === 'ValidateService');
      expect(validate).toMatchObject({ status: 'Succeeded', diagnostics: { errorCode: 'Success' } });
      expect(validate?.diagnostics?.logTail).toContain('validating ok');
      expect(validate?.startTime).toBeInstanceOf(Date);
    }
    const listed = (await collect(paginateListDeployments({ client: cd }, { applicationName: 'sdk-app', deploymentGroupName: 'web' }))).flatMap((p) => p.deployments ?? []);
    expect(listed).toContain(deploymentId);
  });

  it('ends a failing revision Failed with diagnostics', async () => {
    const revision = { revisionType: 'S3' as const, s3Location: { bucket: 'bundles', key: 'app/bad.zip', bundleType: 'zip' as const } };
    const { deploymentId } = await cd.send(new CreateDeploymentCommand({ applicationName: 'sdk-app', deploymentGroupName: 'web', revision }));
    const waited = await waitUntilDeploymentSuccessful({ client: cd, maxWaitTime: 90, minDelay: 1, maxDelay: 2 }, { deploymentId }).catch((err: Error) => err);
    expect(String(waited)).toMatch(/FAILURE|Failed/);
    const info = (await cd.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo;
    expect(info?.status).toBe('Failed');
    expect(info?.errorInformation?.code).toBe('HEALTH_CONSTRAINTS');
    const { deploymentTargets } = await cd.send(new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: ['agent-1'] }));
    const events = deploymentTargets?.[0]?.instanceTarget?.lifecycleEvents ?? [];
    const validate = events.find((e: LifecycleEvent) => e.lifecycleEventName === 'ValidateService');
    expect(validate).toMatchObject({ status: 'Failed', diagnostics: { errorCode: 'ScriptFailed', scriptName: 'scripts/validate.sh' } });
    expect(validate?.diagnostics?.logTail).toContain('health check failed');
    expect(events.find((e: LifecycleEvent) => e.lifecycleEventName === 'AfterAllowTraffic')?.status).toBe('Skipped');
  });

  it('answers errors with the modeled exception classes', async () => {
    await expect(cd.send(new CreateDeploymentCommand({ applicationName: 'nope', deploymentGroupName: 'web' }))).rejects.toBeInstanceOf(ApplicationDoesNotExistException);
    await expect(cd.send(new GetDeploymentCommand({ deploymentId: 'd-AAAAAAAAA' }))).rejects.toBeInstanceOf(DeploymentDoesNotExistException);
    await expect(cd.send(new CreateDeploymentGroupCommand({
      applicationName: 'sdk-app', deploymentGroupName: 'g2', serviceRoleArn: 'r', deploymentConfigName: 'CodeDeployDefault.Nope',
    }))).rejects.toBeInstanceOf(DeploymentConfigDoesNotExistException);
    await expect(cd.send(new RegisterApplicationRevisionCommand({
      applicationName: 'sdk-app', revision: { revisionType: 'S3', s3Location: { bucket: 'bundles', key: 'x', bundleType: 'rar' as 'zip' } },
    }))).rejects.toBeInstanceOf(InvalidRevisionException);
    const bad = new CodeDeployClient({ endpoint: fleet.endpoint, region: REGION, credentials: { ...ACCESS_KEY, secretAccessKey: 'wrong' }, maxAttempts: 1 });
    const err = await bad.send(new GetDeploymentCommand({ deploymentId: 'd-AAAAAAAAA' })).catch((e: unknown) => e);
    bad.destroy();
    expect(err).toBeInstanceOf(CodeDeployServiceException);
    expect((err as CodeDeployServiceException).name).toBe('InvalidSignatureException');
    expect((err as CodeDeployServiceException).$metadata.httpStatusCode).toBe(400);
    const configs = (await collect(paginateListDeploymentConfigs({ client: cd }, {}))).flatMap((p) => p.deploymentConfigsList ?? []);
    expect(configs).toContain('CodeDeployDefault.AllAtOnce');
  });
});

describe.skipIf(!existsSync(AWS))('CodeDeploy API through the aws CLI 2.9.19 (/usr/bin/aws)', () => {
  const env = {
    ...process.env, AWS_ACCESS_KEY_ID: ACCESS_KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: ACCESS_KEY.secretAccessKey,
    AWS_DEFAULT_REGION: REGION, AWS_PAGER: '', AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
  const aws = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await run(AWS, ['--endpoint-url', fleet.endpoint, 'deploy', ...args], { env, timeout: 90_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };

  it('creates, deploys and waits with the real CLI', async () => {
    expect((await aws('create-application', '--application-name', 'cli-app')).code).toBe(0);
    const dg = await aws('create-deployment-group', '--application-name', 'cli-app', '--deployment-group-name', 'web',
      '--service-role-arn', 'arn:aws:iam::123456789012:role/cd', '--deployment-config-name', 'CodeDeployDefault.AllAtOnce',
      '--on-premises-instance-tag-filters', 'Key=env,Value=cd,Type=KEY_AND_VALUE');
    expect(dg.code, dg.stderr).toBe(0);
    expect(JSON.parse(dg.stdout).deploymentGroupId).toMatch(/^dg-/);
    const reg = await aws('register-application-revision', '--application-name', 'cli-app', '--s3-location', `bucket=bundles,key=app/ok.zip,bundleType=zip,eTag=${okEtag}`);
    expect(reg.code, reg.stderr).toBe(0);
    const created = await aws('create-deployment', '--application-name', 'cli-app', '--deployment-group-name', 'web',
      '--s3-location', 'bucket=bundles,key=app/ok.zip,bundleType=zip', '--description', 'from the CLI');
    expect(created.code, created.stderr).toBe(0);
    const deploymentId = (JSON.parse(created.stdout) as { deploymentId: string }).deploymentId;
    const waited = await aws('wait', 'deployment-successful', '--deployment-id', deploymentId);
    expect(waited.code, waited.stderr).toBe(0);
    const got = JSON.parse((await aws('get-deployment', '--deployment-id', deploymentId)).stdout) as { deploymentInfo: Record<string, unknown> };
    expect(got.deploymentInfo.status).toBe('Succeeded');
    expect(String(got.deploymentInfo.createTime)).toMatch(/^\d{4}-\d\d-\d\dT/);
    const targets = JSON.parse((await aws('list-deployment-targets', '--deployment-id', deploymentId)).stdout) as { targetIds: string[] };
    expect(targets.targetIds.sort()).toEqual(['agent-1', 'agent-2', 'agent-3']); // merged across pages by the CLI
    const batch = JSON.parse((await aws('batch-get-deployment-targets', '--deployment-id', deploymentId, '--target-ids', 'agent-2')).stdout) as {
      deploymentTargets: { instanceTarget: { lifecycleEvents: { lifecycleEventName: string; status: string }[] } }[];
    };
    expect(batch.deploymentTargets[0]?.instanceTarget.lifecycleEvents.map((e) => e.status)).not.toContain('Failed');
  });

  it('reports errors the CLI way', async () => {
    const missing = await aws('get-application', '--application-name', 'nope');
    expect(missing.code).toBe(254);
    expect(missing.stderr).toContain('(ApplicationDoesNotExistException)');
    const rar = await aws('register-application-revision', '--application-name', 'cli-app', '--s3-location', 'bucket=b,key=k,bundleType=rar');
    expect(rar.code).toBe(254);
    expect(rar.stderr).toContain('InvalidRevisionException');
    const unknown = await aws('wait', 'deployment-successful', '--deployment-id', 'd-AAAAAAAAA');
    expect(unknown.code).toBe(255);
    expect(unknown.stderr).toContain('DeploymentDoesNotExistException');
    const { code, stderr } = await run(AWS, ['--endpoint-url', fleet.endpoint, 'deploy', 'list-applications'],
      { env: { ...env, AWS_SECRET_ACCESS_KEY: 'wrong' } }).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
    expect(code).toBe(254);
    expect(stderr).toContain('InvalidSignatureException');
  });
});

export const fixtureDir = path.dirname(new URL(import.meta.url).pathname);
