// Fake ELBv2 (AWS query protocol, XML responses): DescribeListeners, ModifyListener, DescribeTargetGroups,
// DescribeTargetHealth. Target health follows the fake ECS task sets registered in each target group.

import type { FakeEcs } from './ecs.ts';
import { ACCOUNT, REGION } from './lambda.ts';
import { AwsFault } from './wire.ts';

export interface FakeListener {
  ListenerArn: string;
  LoadBalancerArn: string;
  Port: number;
  Protocol: string;
  DefaultActions: unknown[];
}

export interface FakeTargetGroup {
  TargetGroupArn: string;
  TargetGroupName: string;
  Protocol: string;
  Port: number;
  VpcId: string;
  TargetType: string;
  LoadBalancerArns: string[];
}

export const ELB_XMLNS = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';

export class FakeElbv2 {
  readonly listeners = new Map<string, FakeListener>();
  readonly targetGroups = new Map<string, FakeTargetGroup>();

  constructor(private readonly ecs: FakeEcs) {}

  static loadBalancerArn(name: string): string {
    return `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/${name}/50dc6c495c0c9188`;
  }

  addTargetGroup(name: string, lbName: string): string {
    const arn = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/${name}/73e2d6bc24d8a067`;
    this.targetGroups.set(arn, { TargetGroupArn: arn, TargetGroupName: name, Protocol: 'HTTP', Port: 80, VpcId: 'vpc-1', TargetType: 'ip', LoadBalancerArns: [FakeElbv2.loadBalancerArn(lbName)] });
    return arn;
  }

  /** A listener forwarding 100% to `tgArn` (and 0% to `zeroTgArn`, as CodeDeploy leaves it, when given). */
  addListener(lbName: string, port: number, tgArn: string, zeroTgArn?: string): string {
    const arn = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/${lbName}/50dc6c495c0c9188/${port}f1a2b3c4d5e6`;
    const groups = [{ TargetGroupArn: tgArn, Weight: 100 }, ...(zeroTgArn ? [{ TargetGroupArn: zeroTgArn, Weight: 0 }] : [])];
    this.listeners.set(arn, {
      ListenerArn: arn,
      LoadBalancerArn: FakeElbv2.loadBalancerArn(lbName),
      Port: port,
      Protocol: 'HTTP',
      DefaultActions: [{ Type: 'forward', Order: 1, ForwardConfig: { TargetGroups: groups, TargetGroupStickinessConfig: { Enabled: false } } }],
    });
    return arn;
  }

  /** Weight per target group ARN in a listener's forward action. */
  weights(listenerArn: string): Record<string, number> {
    const l = this.listeners.get(listenerArn)!;
    const fwd = l.DefaultActions.find((a) => (a as { Type: string }).Type === 'forward') as { ForwardConfig?: { TargetGroups: Array<{ TargetGroupArn: string; Weight?: number }> }; TargetGroupArn?: string };
    if (fwd.ForwardConfig) return Object.fromEntries(fwd.ForwardConfig.TargetGroups.map((g) => [g.TargetGroupArn, g.Weight ?? 1]));
    return fwd.TargetGroupArn ? { [fwd.TargetGroupArn]: 100 } : {};
  }

  private listener(arn: unknown): FakeListener {
    const l = this.listeners.get(String(arn));
    if (l === undefined) throw new AwsFault('ListenerNotFound', `Listener not found: ${String(arn)}`);
    return l;
  }

  handle(op: string, input: Record<string, unknown>): Record<string, unknown> {
    switch (op) {
      case 'DescribeListeners': {
        const arns = (input['ListenerArns'] as string[] | undefined) ?? [];
        return { Listeners: arns.map((a) => this.listener(a)) };
      }
      case 'ModifyListener': {
        const l = this.listener(input['ListenerArn']);
        const actions = input['DefaultActions'] as Array<Record<string, unknown>> | undefined;
        if (actions !== undefined) {
          for (const a of actions) {
            const fc = a['ForwardConfig'] as { TargetGroups?: Array<{ TargetGroupArn: string; Weight?: number }> } | undefined;
            const arns = [...(fc?.TargetGroups ?? []).map((g) => g.TargetGroupArn), ...(typeof a['TargetGroupArn'] === 'string' ? [a['TargetGroupArn']] : [])];
            for (const tg of arns) {
              if (!this.targetGroups.has(tg)) throw new AwsFault('TargetGroupNotFound', `Target group not found: ${tg}`);
            }
            for (const g of fc?.TargetGroups ?? []) {
              if (g.Weight !== undefined && (g.Weight < 0 || g.Weight > 999)) throw new AwsFault('ValidationError', `Weight out of range: ${g.Weight}`);
            }
          }
          l.DefaultActions = actions;
        }
        return { Listeners: [l] };
      }
      case 'DescribeTargetGroups': {
        const arns = (input['TargetGroupArns'] as string[] | undefined) ?? [...this.targetGroups.keys()];
        return {
          TargetGroups: arns.map((a) => {
            const tg = this.targetGroups.get(a);
            if (tg === undefined) throw new AwsFault('TargetGroupNotFound', `Target group not found: ${a}`);
            return tg;
          }),
        };
      }
      case 'DescribeTargetHealth': {
        const tgArn = String(input['TargetGroupArn']);
        if (!this.targetGroups.has(tgArn)) throw new AwsFault('TargetGroupNotFound', `Target group not found: ${tgArn}`);
        const descriptions: unknown[] = [];
        let n = 0;
        for (const svc of this.ecs.services.values()) {
          for (const ts of svc.taskSets) {
            const lb = ts.loadBalancers.find((b) => b.targetGroupArn === tgArn);
            if (lb === undefined) continue;
            const healthy = this.ecs.healthy(ts);
            for (let i = 0; i < ts.computedDesiredCount; i++) {
              n += 1;
              descriptions.push({
                Target: { Id: `10.0.${n}.${i + 10}`, Port: lb.containerPort },
                HealthCheckPort: String(lb.containerPort),
                TargetHealth: healthy
                  ? { State: 'healthy' }
                  : this.ecs.neverHealthy
                    ? { State: 'unhealthy', Reason: 'Target.FailedHealthChecks', Description: 'Health checks failed' }
                    : { State: 'initial', Reason: 'Elb.InitialHealthChecking', Description: 'Initial health checks in progress' },
              });
            }
          }
        }
        return { TargetHealthDescriptions: descriptions };
      }
      default:
        throw new AwsFault('InvalidAction', `Unsupported ELBv2 action ${op}`);
    }
  }
}
