// The ECS compute-platform plugin: `ecsPlugin.create(init)(components)`.

import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { createEngine, type EngineInit } from '../engine.ts';
import type { HookGateway } from '../hooks.ts';
import { PLUGIN_API_VERSION, type Clock, type ComputePlatformPlugin, type PluginDeploymentStore, type PluginLogger } from '../types.ts';
import { ecsDriver } from './driver.ts';

export interface EcsPluginInit extends EngineInit {
  /** Poll period while the green task set stabilises. Default 15 s (as the SDK waiters). */
  readonly pollIntervalMs?: number;
}

export interface EcsPluginComponents {
  readonly ecs: ECSClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
  /** Invokes hook functions. */
  readonly lambda: LambdaClient;
  readonly cloudwatch: CloudWatchClient;
  readonly store: PluginDeploymentStore;
  readonly clock: Clock;
  readonly logger: PluginLogger;
  readonly hooks: HookGateway;
}

export const DEFAULT_ECS_POLL_INTERVAL_MS = 15_000;

export const ecsPlugin: ComputePlatformPlugin<EcsPluginInit, EcsPluginComponents> = {
  meta: { name: 'ecs', apiVersion: PLUGIN_API_VERSION, computePlatform: 'ECS' },
  create: (init = {}) => (components) =>
    createEngine(ecsDriver(components.ecs, components.elbv2, { pollIntervalMs: init.pollIntervalMs ?? DEFAULT_ECS_POLL_INTERVAL_MS }), components, init),
};

export { ecsTargetSchema, type EcsTarget } from './driver.ts';
export { parseEcsAppSpec, ECS_HOOK_EVENTS, type EcsAppSpec, type EcsHookEvent } from './appspec.ts';
