// The fake endpoint against the real SDK v3 clients: wire formats, errors, throttling absorbed by retries.

import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTaskSetCommand, DescribeServicesCommand, DescribeTaskSetsCommand, ECSClient } from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetAliasCommand, InvokeCommand, LambdaClient, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAws } from './server.ts';

let fake: FakeAws;
beforeEach(async () => {
  fake = new FakeAws();
  await fake.start();
});
afterEach(async () => {
  await fake.close();
});

describe('fake AWS endpoint', () => {
  it('Lambda GetAlias/UpdateAlias/Invoke round-trip over REST-JSON', async () => {
    fake.lambda.addFunction('api', ['1', '2'], { live: '1' });
    const invoked: unknown[] = [];
    fake.lambda.addFunction('CodeDeployHook_pre', ['1']);
    fake.lambda.invokeHandlers.set('CodeDeployHook_pre', (p) => void invoked.push(p));
    const lambda = new LambdaClient(fake.clientConfig());
    const a = await lambda.send(new GetAliasCommand({ FunctionName: 'api', Name: 'live' }));
    expect(a.FunctionVersion).toBe('1');
    const u = await lambda.send(
      new UpdateAliasCommand({ FunctionName: 'api', Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } }, RevisionId: a.RevisionId }),
    );
    expect(u.RoutingConfig?.AdditionalVersionWeights).toEqual({ '2': 0.1 });
    await expect(
      lambda.send(new UpdateAliasCommand({ FunctionName: 'api', Name: 'live', FunctionVersion: '1', RevisionId: a.RevisionId })),
    ).rejects.toMatchObject({ name: 'PreconditionFailedException' });
    await expect(lambda.send(new GetAliasCommand({ FunctionName: 'api', Name: 'nope' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    const inv = await lambda.send(new InvokeCommand({ FunctionName: 'CodeDeployHook_pre', InvocationType: 'Event', Payload: new TextEncoder().encode('{"DeploymentId":"d-1"}') }));
    expect(inv.StatusCode).toBe(202);
    expect(invoked).toEqual([{ DeploymentId: 'd-1' }]);
  });

  it('throttling is absorbed by the SDK default retries on every protocol', async () => {
    fake.lambda.addFunction('api', ['1'], { live: '1' });
    fake.cloudwatch.setAlarm('a1', 'OK');
    const tg = fake.elbv2.addTargetGroup('blue', 'lb');
    const listener = fake.elbv2.addListener('lb', 80, tg);
    fake.ecs.addService('c1', 's1', { taskDefinition: 'td:1', targetGroupArn: tg, containerName: 'web', containerPort: 80 });
    fake.throttle('lambda', 'GetAlias', 2);
    fake.throttle('ecs', 'DescribeServices', 2);
    fake.throttle('elbv2', 'DescribeListeners', 2);
    fake.throttle('cloudwatch', 'DescribeAlarms', 2);
    const cfg = fake.clientConfig();
    await new LambdaClient(cfg).send(new GetAliasCommand({ FunctionName: 'api', Name: 'live' }));
    await new ECSClient(cfg).send(new DescribeServicesCommand({ cluster: 'c1', services: ['s1'] }));
    await new ElasticLoadBalancingV2Client(cfg).send(new DescribeListenersCommand({ ListenerArns: [listener] }));
    const alarms = await new CloudWatchClient(cfg).send(new DescribeAlarmsCommand({ AlarmNames: ['a1'], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }));
    expect(alarms.MetricAlarms?.[0]?.StateValue).toBe('OK');
    for (const [svc, op] of [['lambda', 'GetAlias'], ['ecs', 'DescribeServices'], ['elbv2', 'DescribeListeners'], ['cloudwatch', 'DescribeAlarms']] as const) {
      expect(fake.callsOf(svc, op).map((c) => c.error ?? 'ok')).toEqual([expect.stringMatching(/Throttl|TooMany/), expect.stringMatching(/Throttl|TooMany/), 'ok']);
    }
  }, 30_000);

  it('ECS JSON 1.1 and ELBv2 query/XML shapes survive the SDK parsers', async () => {
    const blue = fake.elbv2.addTargetGroup('blue', 'lb');
    const green = fake.elbv2.addTargetGroup('green', 'lb');
    const listener = fake.elbv2.addListener('lb', 80, blue, green);
    fake.ecs.addService('c1', 's1', { taskDefinition: 'td:1', targetGroupArn: blue, containerName: 'web', containerPort: 80 });
    const ecs = new ECSClient(fake.clientConfig());
    const elb = new ElasticLoadBalancingV2Client(fake.clientConfig());
    const svc = await ecs.send(new DescribeServicesCommand({ cluster: 'c1', services: ['s1'] }));
    expect(svc.services?.[0]?.taskSets?.[0]?.status).toBe('PRIMARY');
    expect(svc.services?.[0]?.taskSets?.[0]?.createdAt).toBeInstanceOf(Date);
    const created = await ecs.send(
      new CreateTaskSetCommand({ cluster: 'c1', service: 's1', taskDefinition: 'td:2', externalId: 'd-1', loadBalancers: [{ targetGroupArn: green, containerName: 'web', containerPort: 80 }], scale: { value: 100, unit: 'PERCENT' } }),
    );
    const arn = created.taskSet!.taskSetArn!;
    const ts1 = await ecs.send(new DescribeTaskSetsCommand({ cluster: 'c1', service: 's1', taskSets: [arn] }));
    expect(ts1.taskSets?.[0]?.stabilityStatus).toBe('STABILIZING');
    const health0 = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: green }));
    expect(health0.TargetHealthDescriptions?.[0]?.TargetHealth?.State).toBe('initial');
    await ecs.send(new DescribeTaskSetsCommand({ cluster: 'c1', service: 's1', taskSets: [arn] }));
    const health1 = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: green }));
    expect(health1.TargetHealthDescriptions?.map((d) => d.TargetHealth?.State)).toEqual(['healthy', 'healthy']);

    const listeners = await elb.send(new DescribeListenersCommand({ ListenerArns: [listener] }));
    expect(listeners.Listeners?.[0]?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups).toEqual([
      { TargetGroupArn: blue, Weight: 100 },
      { TargetGroupArn: green, Weight: 0 },
    ]);
    await elb.send(
      new ModifyListenerCommand({
        ListenerArn: listener,
        DefaultActions: [{ Type: 'forward', Order: 1, ForwardConfig: { TargetGroups: [{ TargetGroupArn: blue, Weight: 90 }, { TargetGroupArn: green, Weight: 10 }] } }],
      }),
    );
    expect(fake.elbv2.weights(listener)).toEqual({ [blue]: 90, [green]: 10 });
    const tgs = await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [blue, green] }));
    expect(tgs.TargetGroups?.map((t) => t.LoadBalancerArns?.length)).toEqual([1, 1]);
    await expect(elb.send(new DescribeListenersCommand({ ListenerArns: ['arn:nope'] }))).rejects.toMatchObject({ name: 'ListenerNotFoundException' });
  });
});
