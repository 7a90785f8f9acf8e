// ECS blue/green on an EXTERNAL-controller service with ALB weighted target groups (reference §2.5):
// Start (DescribeServices, DescribeListeners, DescribeTargetGroups) → BeforeInstall → Install (CreateTaskSet on
// the green TG, wait for STEADY_STATE and healthy targets) → AfterInstall → AllowTestTraffic → AfterAllowTestTraffic
// → BeforeAllowTraffic → AllowTraffic (prod forward weights per step, blue kept at 0) → UpdatePrimary
// (UpdateServicePrimaryTaskSet green) → AfterAllowTraffic → TerminationWait → TerminateBlue (DeleteTaskSet).
// Rollback: listeners back to their recorded actions, blue primary again, green deleted.

import {
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  DescribeServicesCommand,
  DescribeTaskSetsCommand,
  UpdateServicePrimaryTaskSetCommand,
  type ECSClient,
  type Service,
  type TaskSet,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ModifyListenerCommand,
  type Action,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { z } from 'zod';
import type { Phase, PlatformDriver, RunContext } from '../engine.ts';
import { DeploymentHalt, PLUGIN_ERROR_CODES, PluginError, errorName } from '../errors.ts';
import { ECS_PREDEFINED_CONFIGS, resolveDeploymentConfig, trafficSchedule } from '../schedule.ts';
import type { DeploymentRequest, JsonValue } from '../types.ts';
import { parseEcsAppSpec, type EcsAppSpec, type EcsHookEvent } from './appspec.ts';

const MINUTE_MS = 60_000;
/** ECS refuses a new task set when 5 exist on the service. */
const MAX_TASK_SETS = 5;

/** Deployment-group settings CodeDeploy keeps outside the AppSpec (`DeploymentRequest.target`). */
export const ecsTargetSchema = z.strictObject({
  cluster: z.string().min(1),
  service: z.string().min(1),
  prodListenerArn: z.string().min(1),
  testListenerArn: z.string().min(1).optional(),
  /** The pair; whichever backs the PRIMARY task set is blue, the other green. */
  targetGroupArns: z.tuple([z.string().min(1), z.string().min(1)]),
  /** Wait after AfterAllowTraffic before deleting blue (console default 60, API max 2880). */
  terminationWaitMinutes: z.number().int().min(0).max(2880).default(60),
  /** How long green may take to reach steady state with healthy targets (CodeDeploy: 1 hour). */
  stabilizeTimeoutMinutes: z.number().int().min(1).max(7200).default(60),
});
export type EcsTarget = z.infer<typeof ecsTargetSchema>;

export interface EcsDriverSettings {
  /** Poll period for DescribeTaskSets / DescribeTargetHealth while green stabilises (the SDK waiters use 15 s). */
  readonly pollIntervalMs: number;
}

type Ctx = RunContext<EcsAppSpec>;

function parseTarget(request: DeploymentRequest): EcsTarget {
  const parsed = ecsTargetSchema.safeParse(request.target ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PluginError(PLUGIN_ERROR_CODES.INVALID_REQUEST, `Invalid ECS target settings at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  if (parsed.data.targetGroupArns[0] === parsed.data.targetGroupArns[1]) {
    throw new PluginError(PLUGIN_ERROR_CODES.INVALID_REQUEST, 'The two target groups must differ');
  }
  return parsed.data;
}

/** JSON round-trip: AWS outputs → plain record state (drops undefined, keeps exactly what was read). */
function toJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
}

/** Replaces the (first) forward action's targets with weighted groups, keeping Order, stickiness and other actions. */
function withWeights(actions: readonly Action[], groups: ReadonlyArray<{ arn: string; weight: number }>): Action[] {
  let replaced = false;
  const out = actions.map((a): Action => {
    if (a.Type !== 'forward' || replaced) return a;
    replaced = true;
    const stickiness = a.ForwardConfig?.TargetGroupStickinessConfig;
    return {
      Type: 'forward',
      ...(a.Order !== undefined ? { Order: a.Order } : {}),
      ForwardConfig: {
        TargetGroups: groups.map((g) => ({ TargetGroupArn: g.arn, Weight: g.weight })),
        ...(stickiness !== undefined ? { TargetGroupStickinessConfig: stickiness } : {}),
      },
    };
  });
  if (!replaced) throw new DeploymentHalt('failure', 'ELASTIC_LOAD_BALANCING_INVALID', 'Listener has no forward action to shift');
  return out;
}

function forwardArns(actions: readonly Action[]): string[] {
  const fwd = actions.find((a) => a.Type === 'forward');
  if (fwd === undefined) return [];
  return [...(fwd.ForwardConfig?.TargetGroups ?? []).map((g) => g.TargetGroupArn ?? ''), ...(fwd.TargetGroupArn ? [fwd.TargetGroupArn] : [])];
}

export function ecsDriver(ecs: ECSClient, elbv2: ElasticLoadBalancingV2Client, settings: EcsDriverSettings): PlatformDriver<EcsAppSpec> {
  const state = (ctx: Ctx): Record<string, JsonValue> => ctx.record.state;
  const str = (ctx: Ctx, key: string): string => {
    const v = state(ctx)[key];
    if (typeof v !== 'string') throw new DeploymentHalt('failure', 'INTERNAL_ERROR', `Record state has no ${key}`);
    return v;
  };

  /** Listener actions recorded at discovery (JSON in the record). */
  const actionsOf = (ctx: Ctx, key: 'prodActions' | 'testActions'): Action[] => {
    const v = state(ctx)[key];
    if (!Array.isArray(v)) throw new DeploymentHalt('failure', 'INTERNAL_ERROR', `Record state has no ${key}`);
    return v as unknown as Action[];
  };

  const describeService = async (ctx: Ctx, target: EcsTarget): Promise<Service> => {
    const out = await ctx.call('DescribeServices', 'INVALID_ECS_SERVICE', (signal) =>
      ecs.send(new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] }), { abortSignal: signal }),
    );
    const svc = out.services?.[0];
    if (svc === undefined) throw new DeploymentHalt('failure', 'INVALID_ECS_SERVICE', `Service ${target.service} not found in cluster ${target.cluster}`);
    return svc;
  };

  const modifyListener = (ctx: Ctx, what: string, listenerArn: string, actions: readonly Action[]): Promise<unknown> =>
    ctx.call(what, 'ELASTIC_LOAD_BALANCING_INVALID', (signal) =>
      elbv2.send(new ModifyListenerCommand({ ListenerArn: listenerArn, DefaultActions: [...actions] }), { abortSignal: signal }),
    );

  const hookPhase = (event: EcsHookEvent, skip?: (target: EcsTarget) => boolean): Phase<EcsAppSpec> => ({
    name: event,
    async run(ctx) {
      const fn = ctx.parsed.hooks[event];
      if (fn === undefined || skip?.(parseTarget(ctx.request)) === true) return 'Skipped';
      await ctx.runHook(event, fn);
    },
  });

  async function discover(ctx: Ctx, target: EcsTarget): Promise<void> {
    const svc = await describeService(ctx, target);
    if (svc.status !== 'ACTIVE') throw new DeploymentHalt('failure', 'INVALID_ECS_SERVICE', `Service ${target.service} is ${svc.status ?? '?'}, not ACTIVE`);
    if (svc.deploymentController?.type !== 'EXTERNAL') {
      throw new DeploymentHalt('failure', 'INVALID_ECS_SERVICE', `Service ${target.service} must use the EXTERNAL deployment controller (has ${svc.deploymentController?.type ?? 'ECS'})`);
    }
    const taskSets = svc.taskSets ?? [];
    const primary = taskSets.find((t) => t.status === 'PRIMARY');
    if (primary?.taskSetArn === undefined) throw new DeploymentHalt('failure', 'INVALID_ECS_SERVICE', `Service ${target.service} has no PRIMARY task set`);
    const ours = taskSets.some((t) => t.externalId === ctx.record.id);
    if (!ours && taskSets.length >= MAX_TASK_SETS) {
      throw new DeploymentHalt('failure', 'ECS_UPDATE_ERROR', `Service ${target.service} already has ${taskSets.length} task sets; delete stale ones first`);
    }
    const blueTg = primary.loadBalancers?.[0]?.targetGroupArn;
    const [a, b] = target.targetGroupArns;
    if (blueTg !== a && blueTg !== b) {
      throw new DeploymentHalt('failure', 'ELASTIC_LOAD_BALANCING_INVALID', `The PRIMARY task set's target group ${blueTg ?? '(none)'} is not one of the deployment's pair`);
    }
    const greenTg = blueTg === a ? b : a;
    const listenerArns = [target.prodListenerArn, ...(target.testListenerArn ? [target.testListenerArn] : [])];
    const listeners = await ctx.call('DescribeListeners', 'ELASTIC_LOAD_BALANCING_INVALID', (signal) =>
      elbv2.send(new DescribeListenersCommand({ ListenerArns: listenerArns }), { abortSignal: signal }),
    );
    const byArn = new Map((listeners.Listeners ?? []).map((l) => [l.ListenerArn, l]));
    const prod = byArn.get(target.prodListenerArn);
    const test = target.testListenerArn ? byArn.get(target.testListenerArn) : undefined;
    if (prod === undefined || (target.testListenerArn !== undefined && test === undefined)) {
      throw new DeploymentHalt('failure', 'ELASTIC_LOAD_BALANCING_INVALID', 'Production or test listener not found');
    }
    if (!forwardArns(prod.DefaultActions ?? []).includes(blueTg)) {
      throw new DeploymentHalt('failure', 'ELASTIC_LOAD_BALANCING_INVALID', `Production listener does not forward to the blue target group ${blueTg}`);
    }
    const tgs = await ctx.call('DescribeTargetGroups', 'ELASTIC_LOAD_BALANCING_INVALID', (signal) =>
      elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [blueTg, greenTg] }), { abortSignal: signal }),
    );
    const lbs = (tgs.TargetGroups ?? []).map((t) => new Set(t.LoadBalancerArns ?? []));
    if (lbs.length !== 2 || !lbs[0]!.has(prod.LoadBalancerArn ?? '') || !lbs[1]!.has(prod.LoadBalancerArn ?? '')) {
      throw new DeploymentHalt('failure', 'ELASTIC_LOAD_BALANCING_INVALID', 'Both target groups must be attached to the listener\'s load balancer');
    }
    Object.assign(state(ctx), {
      blueTaskSetArn: primary.taskSetArn,
      blueTargetGroupArn: blueTg,
      greenTargetGroupArn: greenTg,
      prodActions: toJson(prod.DefaultActions ?? []),
      testActions: test ? toJson(test.DefaultActions ?? []) : null,
      primary: toJson({
        launchType: primary.launchType,
        platformVersion: primary.platformVersion,
        networkConfiguration: primary.networkConfiguration,
        capacityProviderStrategy: primary.capacityProviderStrategy,
        serviceRegistries: primary.serviceRegistries,
      }),
    });
    await ctx.save();
  }

  async function createGreen(ctx: Ctx, target: EcsTarget): Promise<void> {
    const spec = ctx.parsed;
    state(ctx)['installStarted'] = true;
    state(ctx)['installStartedAt'] ??= ctx.clock.now();
    await ctx.save();
    if (typeof state(ctx)['greenTaskSetArn'] !== 'string') {
      const existing = (await describeService(ctx, target)).taskSets?.find((t) => t.externalId === ctx.record.id);
      let arn = existing?.taskSetArn;
      if (arn === undefined) {
        const primary = state(ctx)['primary'] as Partial<TaskSet>;
        const net = spec.networkConfiguration
          ? { awsvpcConfiguration: { subnets: [...spec.networkConfiguration.subnets], securityGroups: [...spec.networkConfiguration.securityGroups], assignPublicIp: spec.networkConfiguration.assignPublicIp } }
          : primary.networkConfiguration;
        const capacity = spec.capacityProviderStrategy?.map((c) => ({ ...c })) ?? primary.capacityProviderStrategy;
        const out = await ctx.call('CreateTaskSet', 'ECS_UPDATE_ERROR', (signal) =>
          ecs.send(
            new CreateTaskSetCommand({
              cluster: target.cluster,
              service: target.service,
              externalId: ctx.record.id,
              clientToken: ctx.record.id,
              taskDefinition: spec.taskDefinition,
              loadBalancers: [{ targetGroupArn: str(ctx, 'greenTargetGroupArn'), containerName: spec.containerName, containerPort: spec.containerPort }],
              ...(net ? { networkConfiguration: net } : {}),
              ...(capacity && capacity.length > 0 ? { capacityProviderStrategy: capacity } : primary.launchType ? { launchType: primary.launchType } : {}),
              ...(spec.platformVersion ?? primary.platformVersion ? { platformVersion: spec.platformVersion ?? primary.platformVersion } : {}),
              ...(primary.serviceRegistries && primary.serviceRegistries.length > 0 ? { serviceRegistries: primary.serviceRegistries } : {}),
              scale: { value: 100, unit: 'PERCENT' },
            }),
            { abortSignal: signal },
          ),
        );
        arn = out.taskSet?.taskSetArn;
      }
      if (arn === undefined) throw new DeploymentHalt('failure', 'ECS_UPDATE_ERROR', 'CreateTaskSet returned no task set ARN');
      state(ctx)['greenTaskSetArn'] = arn;
      await ctx.save();
    }
    // The ALB health-checks only target groups a listener uses: keep green in the prod forward action at 0.
    const prodActions = actionsOf(ctx, 'prodActions');
    if (!forwardArns(prodActions).includes(str(ctx, 'greenTargetGroupArn'))) {
      state(ctx)['listenersTouched'] = true;
      await ctx.save();
      await modifyListener(ctx, 'ModifyListener (attach green at 0)', target.prodListenerArn, prodWeights(ctx, 0));
    }
  }

  function prodWeights(ctx: Ctx, greenPercent: number): Action[] {
    return withWeights(actionsOf(ctx, 'prodActions'), [
      { arn: str(ctx, 'blueTargetGroupArn'), weight: 100 - greenPercent },
      { arn: str(ctx, 'greenTargetGroupArn'), weight: greenPercent },
    ]);
  }

  async function waitGreenHealthy(ctx: Ctx, target: EcsTarget): Promise<void> {
    const deadline = (state(ctx)['installStartedAt'] as number) + target.stabilizeTimeoutMinutes * MINUTE_MS;
    const green = str(ctx, 'greenTaskSetArn');
    let last = 'not polled';
    for (;;) {
      const out = await ctx.call('DescribeTaskSets', 'ECS_UPDATE_ERROR', (signal) =>
        ecs.send(new DescribeTaskSetsCommand({ cluster: target.cluster, service: target.service, taskSets: [green] }), { abortSignal: signal }),
      );
      const ts = out.taskSets?.[0];
      if (ts === undefined) throw new DeploymentHalt('failure', 'ECS_UPDATE_ERROR', `Green task set ${green} disappeared`);
      last = `stability ${ts.stabilityStatus ?? '?'}, running ${ts.runningCount ?? 0}/${ts.computedDesiredCount ?? 0}`;
      if (ts.stabilityStatus === 'STEADY_STATE') {
        const health = await ctx.call('DescribeTargetHealth', 'ELASTIC_LOAD_BALANCING_INVALID', (signal) =>
          elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: str(ctx, 'greenTargetGroupArn') }), { abortSignal: signal }),
        );
        const states = (health.TargetHealthDescriptions ?? []).map((d) => d.TargetHealth?.State ?? 'unknown');
        if (states.length > 0 && states.every((s) => s === 'healthy')) return;
        last += `, targets ${states.join('/') || 'none'}`;
      }
      const remaining = deadline - ctx.clock.now();
      if (remaining <= 0) {
        throw new DeploymentHalt('failure', 'TIMEOUT', `Green task set did not become steady and healthy within ${target.stabilizeTimeoutMinutes} min (${last})`);
      }
      await ctx.clock.sleep(Math.min(remaining, settings.pollIntervalMs), ctx.signal);
      await ctx.pollAlarms();
    }
  }

  async function deleteTaskSet(ctx: Ctx, target: EcsTarget, arn: string, what: string): Promise<void> {
    await ctx.call(what, 'ECS_UPDATE_ERROR', async (signal) => {
      try {
        await ecs.send(new DeleteTaskSetCommand({ cluster: target.cluster, service: target.service, taskSet: arn, force: true }), { abortSignal: signal });
      } catch (err) {
        if (errorName(err) !== 'TaskSetNotFoundException') throw err;
      }
    });
  }

  return {
    name: 'ecs',
    parseAppSpec: parseEcsAppSpec,

    summarize: (spec) => toJson(spec) as Record<string, JsonValue>,

    checkRequest(request) {
      resolveDeploymentConfig(request.deploymentConfig, ECS_PREDEFINED_CONFIGS, 'ECS');
      parseTarget(request);
    },

    phases(_spec, request) {
      const steps = trafficSchedule(resolveDeploymentConfig(request.deploymentConfig, ECS_PREDEFINED_CONFIGS, 'ECS'));
      const noTest = (t: EcsTarget): boolean => t.testListenerArn === undefined;
      return [
        { name: 'Start', run: (ctx) => discover(ctx, parseTarget(ctx.request)) },
        hookPhase('BeforeInstall'),
        {
          name: 'Install',
          async run(ctx) {
            const target = parseTarget(ctx.request);
            await createGreen(ctx, target);
            await waitGreenHealthy(ctx, target);
          },
        },
        hookPhase('AfterInstall'),
        {
          name: 'AllowTestTraffic',
          async run(ctx) {
            const target = parseTarget(ctx.request);
            if (target.testListenerArn === undefined) return 'Skipped';
            state(ctx)['listenersTouched'] = true;
            await ctx.save();
            const actions = withWeights(actionsOf(ctx, 'testActions'), [
              { arn: str(ctx, 'greenTargetGroupArn'), weight: 100 },
              { arn: str(ctx, 'blueTargetGroupArn'), weight: 0 },
            ]);
            await modifyListener(ctx, 'ModifyListener (test)', target.testListenerArn, actions);
          },
        },
        hookPhase('AfterAllowTestTraffic', noTest),
        hookPhase('BeforeAllowTraffic'),
        {
          name: 'AllowTraffic',
          async run(ctx) {
            const target = parseTarget(ctx.request);
            state(ctx)['listenersTouched'] = true;
            await ctx.shiftTraffic(steps, (percent) => modifyListener(ctx, `ModifyListener (prod ${percent}%)`, target.prodListenerArn, prodWeights(ctx, percent)).then(() => undefined));
          },
        },
        {
          name: 'UpdatePrimary',
          async run(ctx) {
            const target = parseTarget(ctx.request);
            state(ctx)['primarySwapped'] = true;
            await ctx.save();
            await ctx.call('UpdateServicePrimaryTaskSet', 'ECS_UPDATE_ERROR', (signal) =>
              ecs.send(new UpdateServicePrimaryTaskSetCommand({ cluster: target.cluster, service: target.service, primaryTaskSet: str(ctx, 'greenTaskSetArn') }), { abortSignal: signal }),
            );
          },
        },
        hookPhase('AfterAllowTraffic'),
        {
          name: 'TerminationWait',
          async run(ctx) {
            const target = parseTarget(ctx.request);
            if (target.terminationWaitMinutes === 0) return 'Skipped';
            if (typeof state(ctx)['terminationWaitStartedAt'] !== 'number') {
              state(ctx)['terminationWaitStartedAt'] = ctx.clock.now();
              await ctx.save();
            }
            await ctx.waitUntil((state(ctx)['terminationWaitStartedAt'] as number) + target.terminationWaitMinutes * MINUTE_MS);
          },
        },
        {
          name: 'TerminateBlue',
          async run(ctx) {
            const target = parseTarget(ctx.request);
            state(ctx)['blueDeleted'] = true;
            await ctx.save();
            await deleteTaskSet(ctx, target, str(ctx, 'blueTaskSetArn'), 'DeleteTaskSet (blue)');
          },
        },
      ];
    },

    async restore(ctx) {
      const target = parseTarget(ctx.request);
      const s = state(ctx);
      if (s['blueDeleted'] === true) {
        throw new Error('The original (blue) task set was already deleted; redeploy the previous revision instead');
      }
      if (s['installStarted'] !== true && s['listenersTouched'] !== true) return 'NotNeeded';
      if (s['listenersTouched'] === true) {
        await modifyListener(ctx, 'ModifyListener (rollback prod)', target.prodListenerArn, actionsOf(ctx, 'prodActions'));
        if (target.testListenerArn !== undefined && Array.isArray(s['testActions'])) {
          await modifyListener(ctx, 'ModifyListener (rollback test)', target.testListenerArn, actionsOf(ctx, 'testActions'));
        }
      }
      if (s['primarySwapped'] === true) {
        await ctx.call('UpdateServicePrimaryTaskSet (rollback)', 'ECS_UPDATE_ERROR', (signal) =>
          ecs.send(new UpdateServicePrimaryTaskSetCommand({ cluster: target.cluster, service: target.service, primaryTaskSet: str(ctx, 'blueTaskSetArn') }), { abortSignal: signal }),
        );
      }
      let green = typeof s['greenTaskSetArn'] === 'string' ? s['greenTaskSetArn'] : undefined;
      if (green === undefined && s['installStarted'] === true) {
        green = (await describeService(ctx, target)).taskSets?.find((t) => t.externalId === ctx.record.id)?.taskSetArn;
      }
      if (green !== undefined) await deleteTaskSet(ctx, target, green, 'DeleteTaskSet (rollback green)');
      return 'Succeeded';
    },
  };
}
