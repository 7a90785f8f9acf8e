// Lambda plugin against the fake endpoint, in virtual time.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeploymentRequest, PlatformEvent } from '../../coordinator/plugins/types.ts';
import { Harness } from './harness.ts';

const MIN = 60_000;
let h: Harness;

beforeEach(async () => {
  h = await Harness.create();
  h.fake.lambda.addFunction('api', ['1', '2', '3'], { live: '1' });
});
afterEach(async () => {
  await h.close();
});

function appspec(hooks: { before?: string; after?: string } = {}, alias = 'live', current = '1'): string {
  const hookLines = [hooks.before ? `  - BeforeAllowTraffic: ${hooks.before}` : '', hooks.after ? `  - AfterAllowTraffic: ${hooks.after}` : ''].filter(Boolean);
  return [
    'version: 0.0',
    'Resources:',
    '  - api:',
    '      Type: AWS::Lambda::Function',
    `      Properties: {Name: api, Alias: ${alias}, CurrentVersion: "${current}", TargetVersion: "2"}`,
    ...(hookLines.length ? ['Hooks:', ...hookLines] : []),
  ].join('\n');
}

function request(id: string, extra: Partial<DeploymentRequest> = {}): DeploymentRequest {
  return { id, appspec: appspec(), ...extra };
}

/** [ms since first UpdateAlias, FunctionVersion, weights] for each successful UpdateAlias. */
function aliasSchedule(): Array<[number, string, Record<string, number>]> {
  const calls = h.fake.callsOf('lambda', 'UpdateAlias').filter((c) => c.error === undefined);
  const t0 = calls[0]?.at ?? 0;
  return calls.map((c) => {
    const input = c.input as { FunctionVersion: string; RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> } };
    return [c.at - t0, input.FunctionVersion, input.RoutingConfig?.AdditionalVersionWeights ?? {}];
  });
}

function canary(minutes: number): Array<[number, string, Record<string, number>]> {
  return [
    [0, '1', { '2': 0.1 }],
    [minutes * MIN, '2', {}],
  ];
}

function linear10(minutes: number): Array<[number, string, Record<string, number>]> {
  const steps: Array<[number, string, Record<string, number>]> = [];
  for (let k = 0; k < 9; k++) steps.push([k * minutes * MIN, '1', { '2': (k + 1) / 10 }]);
  steps.push([9 * minutes * MIN, '2', {}]);
  return steps;
}

function aliasView(): unknown {
  const a = h.fake.lambda.alias('api', 'live');
  return { version: a.FunctionVersion, weights: a.weights, description: a.Description };
}

describe('lambda plugin: predefined weight schedules', () => {
  const cases: Array<[string, Array<[number, string, Record<string, number>]>]> = [
    ['CodeDeployDefault.LambdaAllAtOnce', [[0, '2', {}]]],
    ['CodeDeployDefault.LambdaCanary10Percent5Minutes', canary(5)],
    ['CodeDeployDefault.LambdaCanary10Percent10Minutes', canary(10)],
    ['CodeDeployDefault.LambdaCanary10Percent15Minutes', canary(15)],
    ['CodeDeployDefault.LambdaCanary10Percent30Minutes', canary(30)],
    ['CodeDeployDefault.LambdaLinear10PercentEvery1Minute', linear10(1)],
    ['CodeDeployDefault.LambdaLinear10PercentEvery2Minutes', linear10(2)],
    ['CodeDeployDefault.LambdaLinear10PercentEvery3Minutes', linear10(3)],
    ['CodeDeployDefault.LambdaLinear10PercentEvery10Minutes', linear10(10)],
  ];
  for (const [config, expected] of cases) {
    it(`${config} shifts exactly on schedule`, async () => {
      h.fake.cloudwatch.setAlarm('errors', 'OK');
      const platform = h.lambdaPlatform();
      const result = await platform.deploy(request('d-sched', { deploymentConfig: config, alarmConfiguration: { alarms: ['errors'] } }));
      expect(result).toMatchObject({ status: 'Succeeded' });
      expect(aliasSchedule()).toEqual(expected);
      expect(aliasView()).toEqual({ version: '2', weights: {}, description: '' });
    });
  }

  it('custom TimeBasedLinear 15% every 2 minutes caps the last step at 100%', async () => {
    const platform = h.lambdaPlatform();
    await platform.deploy(request('d-custom', { deploymentConfig: { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 15, linearInterval: 2 } } }));
    expect(aliasSchedule().map(([t, v, w]) => [t / MIN, v, w['2'] ?? null])).toEqual([
      [0, '1', 0.15],
      [2, '1', 0.3],
      [4, '1', 0.45],
      [6, '1', 0.6],
      [8, '1', 0.75],
      [10, '1', 0.9],
      [12, '2', null],
    ]);
  });

  it('custom TimeBasedCanary 25% for 45 minutes and SAM short names', async () => {
    const platform = h.lambdaPlatform();
    await platform.deploy(request('d-c25', { deploymentConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 25, canaryInterval: 45 } } }));
    expect(aliasSchedule()).toEqual([
      [0, '1', { '2': 0.25 }],
      [45 * MIN, '2', {}],
    ]);
    await expect(platform.deploy(request('d-bad', { deploymentConfig: 'CodeDeployDefault.Nope' }))).rejects.toMatchObject({ code: 'CONVOY_PLUGIN_INVALID_REQUEST' });
  });
});

describe('lambda plugin: hooks', () => {
  it('invokes hooks with the CodeDeploy payload and runs AfterAllowTraffic once all traffic moved', async () => {
    h.hook('CodeDeployHook_pre', 'Succeeded');
    h.hook('CodeDeployHook_post', 'Succeeded');
    const platform = h.lambdaPlatform();
    const events = h.watch(platform);
    const r = await platform.deploy({ id: 'd-hooks', appspec: appspec({ before: 'CodeDeployHook_pre', after: 'CodeDeployHook_post' }), deploymentConfig: 'LambdaCanary10Percent5Minutes' });
    expect(r.status).toBe('Succeeded');
    const record = await h.store.load('d-hooks');
    expect(h.hookInvocations).toEqual([
      { fn: 'CodeDeployHook_pre', payload: { DeploymentId: 'd-hooks', LifecycleEventHookExecutionId: record!.hooks[0]!.executionId } },
      { fn: 'CodeDeployHook_post', payload: { DeploymentId: 'd-hooks', LifecycleEventHookExecutionId: record!.hooks[1]!.executionId } },
    ]);
    expect(h.fake.callsOf('lambda', 'Invoke').map((c) => (c.input as { InvocationType: string }).InvocationType)).toEqual(['Event', 'Event']);
    const order = events.filter((e) => e.type === 'hook:end' || e.type === 'traffic:shift').map((e) => (e.type === 'hook:end' ? e.hook : `${e.percent}%`));
    expect(order).toEqual(['BeforeAllowTraffic', '10%', '100%', 'AfterAllowTraffic']);
  });

  it('a hook reporting Failed before traffic fails the deployment without touching the alias', async () => {
    h.hook('CodeDeployHook_pre', 'Failed');
    const r = await h.lambdaPlatform().deploy({ id: 'd-hf', appspec: appspec({ before: 'CodeDeployHook_pre' }), deploymentConfig: 'LambdaCanary10Percent5Minutes' });
    expect(r).toMatchObject({ status: 'Failed', error: { code: 'HOOK_EXECUTION_FAILURE' }, rollback: { status: 'NotNeeded' } });
    expect(h.fake.callsOf('lambda', 'UpdateAlias')).toHaveLength(0);
  });

  it('AfterAllowTraffic Failed rolls the alias back to CurrentVersion', async () => {
    h.hook('CodeDeployHook_post', 'Failed');
    const before = aliasView();
    const r = await h.lambdaPlatform().deploy({ id: 'd-haf', appspec: appspec({ after: 'CodeDeployHook_post' }), deploymentConfig: 'LambdaLinear10PercentEvery1Minute' });
    expect(r).toMatchObject({ status: 'Failed', error: { code: 'HOOK_EXECUTION_FAILURE' }, rollback: { status: 'Succeeded' } });
    expect(aliasView()).toEqual(before);
  });

  it('a hook with no verdict within its limit fails the deployment (TIMEOUT)', async () => {
    h.hook('CodeDeployHook_pre', 'silent');
    const t0 = h.clock.now();
    const r = await h.lambdaPlatform({ hookTimeoutMs: 3_600_000 }).deploy({ id: 'd-ht', appspec: appspec({ before: 'CodeDeployHook_pre' }) });
    expect(r).toMatchObject({ status: 'Failed', error: { code: 'TIMEOUT' } });
    expect(h.clock.now() - t0).toBe(3_600_000);
    // A late verdict is refused.
    const late = await h.gateway.handleHookStatus({ deploymentId: 'd-ht', lifecycleEventHookExecutionId: (await h.store.load('d-ht'))!.hooks[0]!.executionId, status: 'Succeeded' });
    expect(late.body.__type).toBe('LifecycleEventAlreadyCompletedException');
  });
});

describe('lambda plugin: alarms, faults, stop', () => {
  it('an alarm in ALARM mid-canary stops the deployment and leaves the alias exactly as before', async () => {
    h.fake.cloudwatch.setAlarm('errors', 'OK');
    h.fake.cloudwatch.setAlarm('latency', 'OK', 'CompositeAlarm');
    const before = aliasView();
    const platform = h.lambdaPlatform();
    h.watch(platform, (e) => {
      if (e.type === 'traffic:shift' && e.step === 0) h.fake.cloudwatch.setAlarm('latency', 'ALARM', 'CompositeAlarm');
    });
    const r = await platform.deploy(request('d-alarm', { deploymentConfig: 'LambdaCanary10Percent30Minutes', alarmConfiguration: { alarms: ['errors', 'latency'] } }));
    expect(r).toMatchObject({ status: 'Stopped', error: { code: 'ALARM_ACTIVE' }, rollback: { status: 'Succeeded' } });
    expect(aliasView()).toEqual(before);
    const record = await h.store.load('d-alarm');
    expect(record!.events.some((e) => e.type === 'alarm:active' && e.alarms.includes('latency'))).toBe(true);
  });

  it('alarm read failures stop the deployment unless ignorePollAlarmFailure', async () => {
    h.fake.fail('cloudwatch', 'DescribeAlarms', 'AccessDenied', { status: 403 });
    const platform = h.lambdaPlatform();
    const stopped = await platform.deploy(request('d-af1', { deploymentConfig: 'LambdaCanary10Percent5Minutes', alarmConfiguration: { alarms: ['errors'] } }));
    expect(stopped).toMatchObject({ status: 'Stopped', error: { code: 'ALARM_ACTIVE' } });
    expect(aliasView()).toEqual({ version: '1', weights: {}, description: '' });
    const ok = await platform.deploy(request('d-af2', { deploymentConfig: 'LambdaCanary10Percent5Minutes', alarmConfiguration: { alarms: ['errors'], ignorePollAlarmFailure: true } }));
    expect(ok.status).toBe('Succeeded');
  });

  it('throttling is absorbed by SDK retries', async () => {
    h.fake.throttle('lambda', 'GetAlias', 1);
    h.fake.throttle('lambda', 'UpdateAlias', 2);
    const r = await h.lambdaPlatform().deploy(request('d-thr', { deploymentConfig: 'LambdaCanary10Percent5Minutes' }));
    expect(r.status).toBe('Succeeded');
    expect(h.fake.callsOf('lambda', 'UpdateAlias').filter((c) => c.error === 'TooManyRequestsException')).toHaveLength(2);
    expect(aliasSchedule()).toEqual(canary(5));
  }, 30_000);

  it('alias not found fails with INVALID_LAMBDA_FUNCTION', async () => {
    const r = await h.lambdaPlatform().deploy({ id: 'd-nf', appspec: appspec({}, 'nope') });
    expect(r).toMatchObject({ status: 'Failed', error: { code: 'INVALID_LAMBDA_FUNCTION' }, rollback: { status: 'NotNeeded' } });
  });

  it('alias not on CurrentVersion fails the pre-check (INVALID_LAMBDA_CONFIGURATION)', async () => {
    h.fake.lambda.touchAlias('api', 'live', { FunctionVersion: '3' });
    const r = await h.lambdaPlatform().deploy(request('d-stale'));
    expect(r).toMatchObject({ status: 'Failed', error: { code: 'INVALID_LAMBDA_CONFIGURATION' } });
    expect(r.error?.message).toMatch(/does not match the current version/);
    expect(h.fake.callsOf('lambda', 'UpdateAlias')).toHaveLength(0);
  });

  it('an alias already split between versions fails the pre-check', async () => {
    h.fake.lambda.touchAlias('api', 'live', { weights: { '3': 0.5 } });
    const r = await h.lambdaPlatform().deploy(request('d-split'));
    expect(r).toMatchObject({ status: 'Failed', error: { code: 'INVALID_LAMBDA_CONFIGURATION' } });
  });

  it('an alias changed by someone else mid-shift (stale RevisionId) fails and rolls back', async () => {
    const platform = h.lambdaPlatform();
    h.watch(platform, (e) => {
      if (e.type === 'traffic:shift' && e.step === 0) h.fake.lambda.touchAlias('api', 'live');
    });
    const r = await platform.deploy(request('d-rev', { deploymentConfig: 'LambdaLinear10PercentEvery1Minute' }));
    expect(r).toMatchObject({ status: 'Failed', error: { code: 'INVALID_LAMBDA_CONFIGURATION' }, rollback: { status: 'Succeeded' } });
    expect(r.error?.message).toMatch(/changed outside this deployment/);
    expect(aliasView()).toEqual({ version: '1', weights: {}, description: '' });
  });

  it('stop mid-shift rolls back by default; stop without rollback leaves the split, rollback() restores', async () => {
    const platform = h.lambdaPlatform();
    let target = 'd-stop1';
    let stopOpts: { rollback?: boolean } = {};
    h.watch(platform, (e) => {
      if (e.deploymentId === target && e.type === 'traffic:shift' && e.step === 2) void platform.stop(target, stopOpts);
    });
    const r1 = await platform.deploy(request('d-stop1', { deploymentConfig: 'LambdaLinear10PercentEvery1Minute' }));
    expect(r1).toMatchObject({ status: 'Stopped', error: { code: 'MANUAL_STOP' }, rollback: { status: 'Succeeded' } });
    expect(aliasView()).toEqual({ version: '1', weights: {}, description: '' });

    target = 'd-stop2';
    stopOpts = { rollback: false };
    const r2 = await platform.deploy(request('d-stop2', { deploymentConfig: 'LambdaLinear10PercentEvery1Minute' }));
    expect(r2.status).toBe('Stopped');
    expect(r2.rollback).toBeUndefined();
    expect(aliasView()).toEqual({ version: '1', weights: { '2': 0.3 }, description: '' });
    const r3 = await platform.rollback('d-stop2');
    expect(r3.rollback).toEqual({ status: 'Succeeded' });
    expect(aliasView()).toEqual({ version: '1', weights: {}, description: '' });
  });
});

describe('lambda plugin: durability', () => {
  it('a coordinator restart mid-canary resumes from the store without restarting or leaving traffic split', async () => {
    h.hook('CodeDeployHook_pre', 'Succeeded');
    h.hook('CodeDeployHook_post', 'Succeeded');
    h.fake.cloudwatch.setAlarm('errors', 'OK');
    const first = h.lambdaPlatform();
    const crash = new AbortController();
    const firstEvents = h.watch(first, (e) => {
      if (e.type === 'traffic:shift' && e.step === 0) crash.abort(new Error('coordinator crashed'));
    });
    const req: DeploymentRequest = {
      id: 'd-restart',
      appspec: appspec({ before: 'CodeDeployHook_pre', after: 'CodeDeployHook_post' }),
      deploymentConfig: 'LambdaCanary10Percent30Minutes',
      alarmConfiguration: { alarms: ['errors'] },
    };
    const suspended = await first.deploy(req, crash.signal);
    expect(suspended.status).toBe('InProgress');
    expect(aliasView()).toEqual({ version: '1', weights: { '2': 0.1 }, description: '' });
    expect(firstEvents.at(-1)?.type).toBe('traffic:shift');

    // Ten virtual minutes pass while the coordinator is down.
    h.clock.advance(10 * MIN);
    h.restart();
    const second = h.lambdaPlatform();
    const secondEvents: PlatformEvent[] = h.watch(second);
    const done = await second.resume('d-restart');
    expect(done.status).toBe('Succeeded');
    expect(aliasView()).toEqual({ version: '2', weights: {}, description: '' });
    expect(aliasSchedule()).toEqual(canary(30));
    expect(h.hookInvocations.map((i) => i.fn)).toEqual(['CodeDeployHook_pre', 'CodeDeployHook_post']);
    expect(secondEvents[0]).toMatchObject({ type: 'deployment:resume', phase: 'AllowTraffic', step: 1 });
    const record = await h.store.load('d-restart');
    expect(record!.events.filter((e) => e.type === 'deployment:start')).toHaveLength(1);
    await expect(second.resume('d-restart')).resolves.toMatchObject({ status: 'Succeeded' });
  });

  it('a restart with an UpdateAlias in flight re-checks the alias instead of failing on the stale RevisionId', async () => {
    const first = h.lambdaPlatform();
    const crash = new AbortController();
    const req = request('d-inflight', { deploymentConfig: 'LambdaLinear10PercentEvery1Minute' });
    h.watch(first, (e) => {
      if (e.type === 'traffic:shift' && e.step === 1) crash.abort(new Error('crash'));
    });
    await first.deploy(req, crash.signal);
    // Forge the crash window: the 30% call reached Lambda but the record still says "step 2 in flight".
    const rec = (await h.store.load('d-inflight'))!;
    rec.cursor.inFlight = 2;
    h.clock.advance(MIN);
    await h.store.save(rec);
    h.fake.lambda.touchAlias('api', 'live', { weights: { '2': 0.3 } });
    h.restart();
    const done = await h.lambdaPlatform().resume('d-inflight');
    expect(done.status).toBe('Succeeded');
    expect(aliasView()).toEqual({ version: '2', weights: {}, description: '' });
  });
});
