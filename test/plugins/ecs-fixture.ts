// A blue/green-ready ECS service in the fake: ALB with prod (80) and test (8080) listeners, two target groups,
// an EXTERNAL-controller service whose PRIMARY task set is on the blue group.

import type { DeploymentRequest } from '../../coordinator/plugins/types.ts';
import type { Harness } from './harness.ts';

export interface EcsFixture {
  readonly blueTg: string;
  readonly greenTg: string;
  readonly prod: string;
  readonly test: string;
  readonly blueTaskSet: string;
}

export function ecsFixture(h: Harness, options: { greenAtZero?: boolean } = {}): EcsFixture {
  const blueTg = h.fake.elbv2.addTargetGroup('web-blue', 'web-lb');
  const greenTg = h.fake.elbv2.addTargetGroup('web-green', 'web-lb');
  const prod = h.fake.elbv2.addListener('web-lb', 80, blueTg, options.greenAtZero === false ? undefined : greenTg);
  const test = h.fake.elbv2.addListener('web-lb', 8080, blueTg);
  const svc = h.fake.ecs.addService('prod-cluster', 'web', { taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:7', targetGroupArn: blueTg, containerName: 'web', containerPort: 8080 });
  return { blueTg, greenTg, prod, test, blueTaskSet: svc.taskSets[0]!.taskSetArn };
}

export function ecsAppSpec(hooks: Partial<Record<string, string>> = {}): string {
  const hookLines = Object.entries(hooks).map(([event, fn]) => `  - ${event}: ${fn}`);
  return [
    'version: 0.0',
    'Resources:',
    '  - TargetService:',
    '      Type: AWS::ECS::Service',
    '      Properties:',
    '        TaskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:8"',
    '        LoadBalancerInfo:',
    '          ContainerName: "web"',
    '          ContainerPort: 8080',
    '        PlatformVersion: "1.4.0"',
    '        NetworkConfiguration:',
    '          AwsvpcConfiguration:',
    '            Subnets: ["subnet-a", "subnet-b"]',
    '            SecurityGroups: ["sg-web"]',
    '            AssignPublicIp: "DISABLED"',
    ...(hookLines.length ? ['Hooks:', ...hookLines] : []),
  ].join('\n');
}

export function ecsRequest(f: EcsFixture, id: string, extra: Partial<DeploymentRequest> & { terminationWaitMinutes?: number; stabilizeTimeoutMinutes?: number; noTestListener?: boolean } = {}): DeploymentRequest {
  const { terminationWaitMinutes, stabilizeTimeoutMinutes, noTestListener, ...rest } = extra;
  return {
    id,
    appspec: ecsAppSpec(),
    target: {
      cluster: 'prod-cluster',
      service: 'web',
      prodListenerArn: f.prod,
      ...(noTestListener ? {} : { testListenerArn: f.test }),
      targetGroupArns: [f.blueTg, f.greenTg],
      terminationWaitMinutes: terminationWaitMinutes ?? 5,
      ...(stabilizeTimeoutMinutes !== undefined ? { stabilizeTimeoutMinutes } : {}),
    },
    ...rest,
  };
}
