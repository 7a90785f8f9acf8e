// Lambda/ECS deployments through the coordinator daemon: `convoy deploy create --compute-platform ...` (the CLI
// as a child process), the daemon's plugin registry and store, the fake AWS endpoint via the `aws` config
// section, hook verdicts through the CodeDeploy endpoint, stop with rollback, and a restart mid-canary.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeploymentView } from '../../coordinator/status/deployment-view.ts';
import type { Harness } from '../plugins/harness.ts';
import { ecsAppSpec, ecsFixture } from '../plugins/ecs-fixture.ts';
import { FakeClock } from '../plugins/fake-clock.ts';
import { PlatformCoordinator, START, lambdaAppSpec } from './coordinator.ts';

const MIN = 60_000;
let c: PlatformCoordinator;

beforeEach(async () => {
  c = await PlatformCoordinator.create();
  c.fake.lambda.addFunction('api', ['1', '2'], { live: '1' });
});
afterEach(async () => {
  await c.close();
});

function aliasUpdates(): Array<{ at: number; version: string; weights: Record<string, number> }> {
  return c.fake.callsOf('lambda', 'UpdateAlias').filter((x) => x.error === undefined).map((x) => {
    const input = x.input as { FunctionVersion: string; RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> } };
    return { at: x.at, version: input.FunctionVersion, weights: input.RoutingConfig?.AdditionalVersionWeights ?? {} };
  });
}

const aliasNow = (): { version: string; weights: Record<string, number> } => {
  const a = c.fake.lambda.alias('api', 'live');
  return { version: a.FunctionVersion, weights: { ...a.weights } };
};

const events = (v: DeploymentView): Array<[string, string]> => v.hosts[0]!.events.map((e) => [e.event, e.status]);

describe('Lambda through the daemon', () => {
  it('deploy create --compute-platform Lambda (AllAtOnce) with hooks answering through the CodeDeploy endpoint', async () => {
    await c.start();
    c.fake.cloudwatch.setAlarm('errors', 'OK');
    const pre = c.hook('pre-traffic', 'Succeeded');
    c.hook('post-traffic', 'Succeeded');
    const file = await c.writeFile('appspec.yml', lambdaAppSpec({ before: 'pre-traffic', after: 'post-traffic' }));

    const out = await c.cli(['deploy', 'create', '--compute-platform', 'Lambda', '--appspec', file, '--deployment-config', 'CodeDeployDefault.LambdaAllAtOnce', '--alarms', 'errors', '--wait']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const id = out.stdout.split('\n')[0]!;
    expect(id).toMatch(/^d-[A-Z0-9]{9}$/);
    expect(out.stdout).toContain(`Deployment ${id}  Succeeded`);
    expect(aliasNow()).toEqual({ version: '2', weights: {} });

    const got = await c.cli(['deploy', 'get', id, '--json']);
    expect(got.code).toBe(0);
    const view = JSON.parse(got.stdout) as DeploymentView;
    expect(view).toMatchObject({ deploymentId: id, status: 'Succeeded', computePlatform: 'Lambda', application: 'api', deploymentGroup: 'live', revision: 'api:2', config: 'CodeDeployDefault.LambdaAllAtOnce' });
    expect(view.hosts).toHaveLength(1);
    expect(view.hosts[0]).toMatchObject({ instanceName: 'api:live', status: 'Succeeded' });
    expect(events(view)).toEqual([
      ['Start', 'Succeeded'],
      ['BeforeAllowTraffic', 'Succeeded'],
      ['BeforeAllowTraffic hook', 'Succeeded'],
      ['AllowTraffic', 'Succeeded'],
      ['AfterAllowTraffic', 'Succeeded'],
      ['AfterAllowTraffic hook', 'Succeeded'],
    ]);
    expect(view.hosts[0]!.events.find((e) => e.event === 'BeforeAllowTraffic hook')!.scriptName).toBe('pre-traffic');

    const list = await c.cli(['deploy', 'list', '--json']);
    expect((JSON.parse(list.stdout) as DeploymentView[]).map((d) => [d.deploymentId, d.status])).toContainEqual([id, 'Succeeded']);

    // The verdict went through the CodeDeploy endpoint; a second one for the same execution is refused.
    await expect(c.putHookStatus(id, pre[0]!, 'Succeeded')).rejects.toMatchObject({ name: 'LifecycleEventAlreadyCompletedException' });
  });

  it('a custom 1-minute TimeBasedCanary runs on the injected clock and moves the alias on schedule', async () => {
    await c.start();
    const file = await c.writeFile('appspec.yml', lambdaAppSpec());
    const config = JSON.stringify({ type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: 1 } });
    const out = await c.cli(['deploy', 'create', '--compute-platform', 'Lambda', '--appspec', file, '--deployment-config', config, '--application', 'billing', '--group', 'prod', '--json']);
    expect(out.code).toBe(0);
    const { deploymentId } = JSON.parse(out.stdout) as { deploymentId: string };
    const view = await c.waitFor(deploymentId, (v) => v.status !== 'InProgress');
    expect(view).toMatchObject({ status: 'Succeeded', application: 'billing', deploymentGroup: 'prod' });
    expect(view.hosts[0]!.events.find((e) => e.event === 'AllowTraffic')!.logTail).toContain('traffic step 2/2: 100%');
    const updates = aliasUpdates();
    expect(updates.map((u) => [u.at - updates[0]!.at, u.version, u.weights])).toEqual([[0, '1', { '2': 0.1 }], [MIN, '2', {}]]);
    expect(aliasNow()).toEqual({ version: '2', weights: {} });
  });

  it('refuses an invalid AppSpec and an unknown config with a usage error', async () => {
    await c.start();
    const bad = await c.writeFile('bad.yml', 'version: 0.0\nResources: []\n');
    const r1 = await c.cli(['deploy', 'create', '--compute-platform', 'Lambda', '--appspec', bad]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain('Invalid AppSpec');
    const good = await c.writeFile('good.yml', lambdaAppSpec());
    const r2 = await c.cli(['deploy', 'create', '--compute-platform', 'Lambda', '--appspec', good, '--deployment-config', 'CodeDeployDefault.Nope']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('Unknown deployment config');
    expect(c.fake.callsOf('lambda')).toEqual([]);
  });

  it('deploy stop mid-canary stops and rolls back (autoRollback.onStopRequest default)', async () => {
    await c.start(new FakeClock(START, { autoAdvance: false }));
    const created = await c.api.post<{ deploymentId: string }>('/v1/deployments', {
      computePlatform: 'Lambda', appspec: lambdaAppSpec(), deploymentConfig: 'CodeDeployDefault.LambdaCanary10Percent30Minutes',
    });
    const id = created.deploymentId;
    await c.until(() => aliasNow().weights['2'] === 0.1 && c.clock.pending > 0);
    expect((await c.view(id)).status).toBe('InProgress');

    const stop = await c.cli(['deploy', 'stop', id, '--wait']);
    expect(stop.code).toBe(0);
    const view = await c.view(id);
    expect(view).toMatchObject({ status: 'Stopped', stopRequested: true, rollback: { status: 'Succeeded' } });
    expect(view.failureReason).toContain('MANUAL_STOP');
    expect(events(view).at(-1)).toEqual(['Rollback', 'Succeeded']);
    expect(aliasNow()).toEqual({ version: '1', weights: {} });
    const again = await c.cli(['deploy', 'stop', id]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already ended Stopped');
  });

  it('deploy stop --no-rollback leaves traffic where it is', async () => {
    await c.start(new FakeClock(START, { autoAdvance: false }));
    const { deploymentId: id } = await c.api.post<{ deploymentId: string }>('/v1/deployments', {
      computePlatform: 'Lambda', appspec: lambdaAppSpec(), deploymentConfig: 'LambdaCanary10Percent30Minutes',
    });
    await c.until(() => aliasNow().weights['2'] === 0.1 && c.clock.pending > 0);
    expect((await c.cli(['deploy', 'stop', id, '--no-rollback'])).code).toBe(0);
    const view = await c.waitFor(id, (v) => v.status !== 'InProgress');
    expect(view.status).toBe('Stopped');
    expect(view.rollback).toBeUndefined();
    expect(aliasNow()).toEqual({ version: '1', weights: { '2': 0.1 } });
  });

  it('a coordinator restart mid-canary resumes the deployment instead of leaving traffic split', async () => {
    const first = new FakeClock(START, { autoAdvance: false });
    await c.start(first);
    const { deploymentId: id } = await c.api.post<{ deploymentId: string }>('/v1/deployments', {
      computePlatform: 'Lambda', appspec: lambdaAppSpec(),
      deploymentConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: 1 } },
    });
    await c.until(() => aliasNow().weights['2'] === 0.1 && first.pending > 0);
    first.advance(20_000);
    await c.daemon.stop();
    expect(aliasNow()).toEqual({ version: '1', weights: { '2': 0.1 } });

    // The new process comes up 10 s (virtual) later; 30 s of the canary interval are still to go.
    await c.start(new FakeClock(first.now() + 10_000));
    const view = await c.waitFor(id, (v) => v.status !== 'InProgress');
    expect(view.status).toBe('Succeeded');
    expect(view.hosts[0]!.events.find((e) => e.event === 'AllowTraffic')!.logTail).toContain('resumed after a coordinator restart');
    const updates = aliasUpdates();
    expect(updates.map((u) => [u.at - START, u.version])).toEqual([[0, '1'], [MIN, '2']]);
    expect(aliasNow()).toEqual({ version: '2', weights: {} });
  });
});

describe('ECS through the daemon', () => {
  it('deploy create --compute-platform ECS (AllAtOnce) with target options reaches Succeeded', async () => {
    await c.start();
    const f = ecsFixture({ fake: c.fake } as unknown as Harness);
    c.hook('ecs-after-install', 'Succeeded');
    const file = await c.writeFile('ecs.yml', ecsAppSpec({ AfterInstall: 'ecs-after-install' }));
    const out = await c.cli([
      'deploy', 'create', '--compute-platform', 'ECS', '--appspec', file, '--deployment-config', 'CodeDeployDefault.ECSAllAtOnce',
      '--cluster', 'prod-cluster', '--service', 'web', '--prod-listener', f.prod, '--test-listener', f.test,
      '--target-groups', `${f.blueTg},${f.greenTg}`, '--termination-wait', '1', '--wait',
    ]);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const id = out.stdout.split('\n')[0]!;
    const view = await c.view(id);
    expect(view).toMatchObject({ status: 'Succeeded', computePlatform: 'ECS', application: 'web', deploymentGroup: 'prod-cluster' });
    expect(view.hosts[0]!.instanceName).toBe('prod-cluster/web');
    expect(events(view).map(([e]) => e)).toEqual([
      'Start', 'BeforeInstall', 'Install', 'AfterInstall', 'AfterInstall hook', 'AllowTestTraffic', 'AfterAllowTestTraffic',
      'BeforeAllowTraffic', 'AllowTraffic', 'UpdatePrimary', 'AfterAllowTraffic', 'TerminationWait', 'TerminateBlue',
    ]);
    expect(c.fake.elbv2.weights(f.prod)).toEqual({ [f.blueTg]: 0, [f.greenTg]: 100 });
    expect(c.fake.ecs.service('prod-cluster', 'web').taskSets.map((t) => [t.taskDefinition.split('/').pop(), t.status])).toEqual([['web:8', 'PRIMARY']]);
  });

  it('ECS without the target options is a usage error', async () => {
    await c.start();
    const file = await c.writeFile('ecs.yml', ecsAppSpec());
    const out = await c.cli(['deploy', 'create', '--compute-platform', 'ECS', '--appspec', file, '--cluster', 'x']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('--target-groups');
  });
});
