// ECS plugin against the fake endpoint, in virtual time.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness } from './harness.ts';
import { ecsAppSpec, ecsFixture, ecsRequest, type EcsFixture } from './ecs-fixture.ts';

const MIN = 60_000;
let h: Harness;
let f: EcsFixture;

beforeEach(async () => {
  h = await Harness.create();
  f = ecsFixture(h);
});
afterEach(async () => {
  await h.close();
});

/** [ms since first prod shift, blue weight, green weight] for each successful prod ModifyListener. */
function prodSchedule(): Array<[number, number, number]> {
  const calls = h.fake.callsOf('elbv2', 'ModifyListener').filter((c) => c.error === undefined && (c.input as { ListenerArn: string }).ListenerArn === f.prod);
  const t0 = calls[0]?.at ?? 0;
  return calls.map((c) => {
    const groups = (c.input as { DefaultActions: Array<{ ForwardConfig: { TargetGroups: Array<{ TargetGroupArn: string; Weight: number }> } }> }).DefaultActions[0]!.ForwardConfig.TargetGroups;
    const w = Object.fromEntries(groups.map((g) => [g.TargetGroupArn, g.Weight]));
    return [c.at - t0, w[f.blueTg]!, w[f.greenTg]!];
  });
}

function listenersView(): unknown {
  return {
    prod: structuredClone(h.fake.elbv2.listeners.get(f.prod)!.DefaultActions),
    test: structuredClone(h.fake.elbv2.listeners.get(f.test)!.DefaultActions),
  };
}

function taskSetsView(): Array<[string, string]> {
  return h.fake.ecs.service('prod-cluster', 'web').taskSets.map((t) => [t.taskDefinition.split('/').pop()!, t.status]);
}

function linear(minutes: number): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let k = 0; k < 9; k++) out.push([k * minutes * MIN, 100 - (k + 1) * 10, (k + 1) * 10]);
  out.push([9 * minutes * MIN, 0, 100]);
  return out;
}

describe('ecs plugin: predefined weight schedules', () => {
  const cases: Array<[string, Array<[number, number, number]>]> = [
    ['CodeDeployDefault.ECSAllAtOnce', [[0, 0, 100]]],
    ['CodeDeployDefault.ECSCanary10Percent5Minutes', [[0, 90, 10], [5 * MIN, 0, 100]]],
    ['CodeDeployDefault.ECSCanary10Percent15Minutes', [[0, 90, 10], [15 * MIN, 0, 100]]],
    ['CodeDeployDefault.ECSLinear10PercentEvery1Minutes', linear(1)],
    ['CodeDeployDefault.ECSLinear10PercentEvery3Minutes', linear(3)],
  ];
  for (const [config, expected] of cases) {
    it(`${config} shifts exactly on schedule and finishes blue/green`, async () => {
      h.fake.cloudwatch.setAlarm('5xx', 'OK');
      const r = await h.ecsPlatform().deploy(ecsRequest(f, 'd-ecs', { deploymentConfig: config, alarmConfiguration: { alarms: ['5xx'] } }));
      expect(r).toMatchObject({ status: 'Succeeded' });
      expect(prodSchedule()).toEqual(expected);
      expect(h.fake.elbv2.weights(f.prod)).toEqual({ [f.blueTg]: 0, [f.greenTg]: 100 });
      expect(h.fake.elbv2.weights(f.test)).toEqual({ [f.greenTg]: 100, [f.blueTg]: 0 });
      expect(taskSetsView()).toEqual([['web:8', 'PRIMARY']]);
    });
  }

  it('runs the documented call sequence with hooks in lifecycle order', async () => {
    const hooks = { BeforeInstall: 'H_bi', AfterInstall: 'H_ai', AfterAllowTestTraffic: 'H_aatt', BeforeAllowTraffic: 'H_bat', AfterAllowTraffic: 'H_aat' };
    for (const fn of Object.values(hooks)) h.hook(fn, 'Succeeded');
    const platform = h.ecsPlatform({ pollIntervalMs: 15_000 });
    const t0 = h.clock.now();
    const r = await platform.deploy(ecsRequest(f, 'd-seq', { appspec: ecsAppSpec(hooks), deploymentConfig: 'ECSCanary10Percent5Minutes', terminationWaitMinutes: 60 }));
    expect(r.status).toBe('Succeeded');
    const ops = h.fake.calls.filter((c) => c.service !== 'cloudwatch').map((c) => (c.op === 'Invoke' ? `Invoke:${(c.input as { FunctionName: string }).FunctionName}` : c.op));
    expect(ops).toEqual([
      'DescribeServices', 'DescribeListeners', 'DescribeTargetGroups',
      'Invoke:H_bi',
      'DescribeServices', 'CreateTaskSet', 'DescribeTaskSets', 'DescribeTaskSets', 'DescribeTargetHealth',
      'Invoke:H_ai',
      'ModifyListener',
      'Invoke:H_aatt', 'Invoke:H_bat',
      'ModifyListener', 'ModifyListener',
      'UpdateServicePrimaryTaskSet',
      'Invoke:H_aat',
      'DeleteTaskSet',
    ]);
    const create = h.fake.callsOf('ecs', 'CreateTaskSet')[0]!.input as Record<string, unknown>;
    expect(create).toMatchObject({
      cluster: 'prod-cluster', service: 'web', externalId: 'd-seq', taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:8',
      loadBalancers: [{ targetGroupArn: f.greenTg, containerName: 'web', containerPort: 8080 }],
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-web'], assignPublicIp: 'DISABLED' } },
      launchType: 'FARGATE', platformVersion: '1.4.0', scale: { value: 100, unit: 'PERCENT' },
    });
    const del = h.fake.callsOf('ecs', 'DeleteTaskSet')[0]!;
    expect((del.input as { taskSet: string }).taskSet).toBe(f.blueTaskSet);
    // 15 s stabilising + 5 min canary + 60 min termination wait.
    expect(del.at - t0).toBe(15_000 + 5 * MIN + 60 * MIN);
  });

  it('attaches green at weight 0 when the prod listener does not forward to it yet', async () => {
    await h.close();
    h = await Harness.create();
    f = ecsFixture(h, { greenAtZero: false });
    const r = await h.ecsPlatform().deploy(ecsRequest(f, 'd-attach', { noTestListener: true }));
    expect(r.status).toBe('Succeeded');
    expect(prodSchedule().map(([, b, g]) => [b, g])).toEqual([[100, 0], [0, 100]]);
  });
});

describe('ecs plugin: failures and rollback', () => {
  it('a green task set that never becomes healthy times out, deletes green, leaves listeners untouched', async () => {
    h.fake.ecs.neverHealthy = true;
    const before = listenersView();
    const r = await h.ecsPlatform().deploy(ecsRequest(f, 'd-sick', { stabilizeTimeoutMinutes: 10 }));
    expect(r).toMatchObject({ status: 'Failed', error: { code: 'TIMEOUT' }, rollback: { status: 'Succeeded' } });
    expect(listenersView()).toEqual(before);
    expect(taskSetsView()).toEqual([['web:7', 'PRIMARY']]);
  });

  it('an alarm in ALARM mid-shift stops, restores both listeners exactly and deletes green', async () => {
    h.fake.cloudwatch.setAlarm('5xx', 'OK');
    const before = listenersView();
    const platform = h.ecsPlatform();
    h.watch(platform, (e) => {
      if (e.type === 'traffic:shift' && e.step === 3) h.fake.cloudwatch.setAlarm('5xx', 'ALARM');
    });
    const r = await platform.deploy(ecsRequest(f, 'd-alarm', { deploymentConfig: 'ECSLinear10PercentEvery1Minutes', alarmConfiguration: { alarms: ['5xx'] } }));
    expect(r).toMatchObject({ status: 'Stopped', error: { code: 'ALARM_ACTIVE' }, rollback: { status: 'Succeeded' } });
    expect(listenersView()).toEqual(before);
    expect(taskSetsView()).toEqual([['web:7', 'PRIMARY']]);
  });

  it('an alarm during the termination wait rolls back to blue (primary swapped back)', async () => {
    h.fake.cloudwatch.setAlarm('5xx', 'OK');
    const before = listenersView();
    const platform = h.ecsPlatform();
    h.watch(platform, (e) => {
      if (e.type === 'step:start' && e.step === 'TerminationWait') h.fake.cloudwatch.setAlarm('5xx', 'ALARM');
    });
    const r = await platform.deploy(ecsRequest(f, 'd-late', { alarmConfiguration: { alarms: ['5xx'] }, terminationWaitMinutes: 30 }));
    expect(r).toMatchObject({ status: 'Stopped', rollback: { status: 'Succeeded' } });
    expect(listenersView()).toEqual(before);
    expect(taskSetsView()).toEqual([['web:7', 'PRIMARY']]);
  });

  it('AfterAllowTestTraffic Failed restores the test listener and deletes green', async () => {
    h.hook('H_test', 'Failed');
    const before = listenersView();
    const r = await h.ecsPlatform().deploy(ecsRequest(f, 'd-hook', { appspec: ecsAppSpec({ AfterAllowTestTraffic: 'H_test' }) }));
    expect(r).toMatchObject({ status: 'Failed', error: { code: 'HOOK_EXECUTION_FAILURE' }, rollback: { status: 'Succeeded' } });
    expect(listenersView()).toEqual(before);
    expect(taskSetsView()).toEqual([['web:7', 'PRIMARY']]);
  });

  it('refuses a service that does not use the EXTERNAL controller', async () => {
    h.fake.ecs.service('prod-cluster', 'web').deploymentController.type = 'ECS';
    const r = await h.ecsPlatform().deploy(ecsRequest(f, 'd-ctl'));
    expect(r).toMatchObject({ status: 'Failed', error: { code: 'INVALID_ECS_SERVICE' }, rollback: { status: 'NotNeeded' } });
  });

  it('throttling on ECS and ELBv2 is absorbed by SDK retries', async () => {
    h.fake.throttle('ecs', 'CreateTaskSet', 2);
    h.fake.throttle('elbv2', 'ModifyListener', 1);
    const r = await h.ecsPlatform().deploy(ecsRequest(f, 'd-thr', { deploymentConfig: 'ECSCanary10Percent5Minutes' }));
    expect(r.status).toBe('Succeeded');
    expect(h.fake.callsOf('ecs', 'CreateTaskSet').map((c) => c.error ?? 'ok')).toEqual(['ThrottlingException', 'ThrottlingException', 'ok']);
    expect(prodSchedule().map(([t, b, g]) => [t, b, g])).toEqual([[0, 90, 10], [5 * MIN, 0, 100]]);
  }, 30_000);

  it('stop mid-shift routes back to blue and deletes green', async () => {
    const before = listenersView();
    const platform = h.ecsPlatform();
    h.watch(platform, (e) => {
      if (e.type === 'traffic:shift' && e.step === 1) void platform.stop('d-stop');
    });
    const r = await platform.deploy(ecsRequest(f, 'd-stop', { deploymentConfig: 'ECSLinear10PercentEvery3Minutes' }));
    expect(r).toMatchObject({ status: 'Stopped', error: { code: 'MANUAL_STOP' }, rollback: { status: 'Succeeded' } });
    expect(listenersView()).toEqual(before);
    expect(taskSetsView()).toEqual([['web:7', 'PRIMARY']]);
  });
});

describe('ecs plugin: durability', () => {
  it('a coordinator restart mid-canary resumes without re-creating green or restarting the schedule', async () => {
    const first = h.ecsPlatform();
    const crash = new AbortController();
    h.watch(first, (e) => {
      if (e.type === 'traffic:shift' && e.step === 0) crash.abort(new Error('crash'));
    });
    const req = ecsRequest(f, 'd-restart', { deploymentConfig: 'ECSCanary10Percent15Minutes' });
    expect((await first.deploy(req, crash.signal)).status).toBe('InProgress');
    expect(h.fake.elbv2.weights(f.prod)).toEqual({ [f.blueTg]: 90, [f.greenTg]: 10 });
    h.clock.advance(4 * MIN);
    h.restart();
    const done = await h.ecsPlatform().resume('d-restart');
    expect(done.status).toBe('Succeeded');
    expect(h.fake.callsOf('ecs', 'CreateTaskSet')).toHaveLength(1);
    expect(prodSchedule()).toEqual([[0, 90, 10], [15 * MIN, 0, 100]]);
    expect(taskSetsView()).toEqual([['web:8', 'PRIMARY']]);
  });

  it('a stop request for a deployment orphaned by a crash rolls it back from the store', async () => {
    const first = h.ecsPlatform();
    const crash = new AbortController();
    const before = listenersView();
    h.watch(first, (e) => {
      if (e.type === 'traffic:shift' && e.step === 0) crash.abort(new Error('crash'));
    });
    await first.deploy(ecsRequest(f, 'd-orphan', { deploymentConfig: 'ECSCanary10Percent15Minutes' }), crash.signal);
    h.restart();
    const r = await h.ecsPlatform().stop('d-orphan');
    expect(r).toMatchObject({ status: 'Stopped', rollback: { status: 'Succeeded' } });
    expect(listenersView()).toEqual(before);
    expect(taskSetsView()).toEqual([['web:7', 'PRIMARY']]);
  });
});
