// The ECS compute-platform plugin: `ecsPlugin.create(init)(components)`.

import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { createEngine, type EngineComponents, type EngineInit } from '../engine.ts';
import { PLUGIN_API_VERSION, type ComputePlatformPlugin } from '../types.ts';
import { ecsDriver } from './driver.ts';

export interface EcsPluginInit extends EngineInit {
  /** Poll period while the green task set stabilises. Default 15 s (as the SDK waiters). */
  readonly pollIntervalMs?: number;
}

export interface EcsPluginComponents extends EngineComponents {
  readonly ecs: ECSClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
}

export const DEFAULT_ECS_POLL_INTERVAL_MS = 15_000;

export const ecsPlugin: ComputePlatformPlugin<EcsPluginInit, EcsPluginComponents> = {
  meta: { name: 'ecs', apiVersion: PLUGIN_API_VERSION, computePlatform: 'ECS' },
  create: (init = {}) => (components) =>
    createEngine(ecsDriver(components.ecs, components.elbv2, { pollIntervalMs: init.pollIntervalMs ?? DEFAULT_ECS_POLL_INTERVAL_MS }), components, init),
};

export { ecsTargetSchema, type EcsTarget } from './driver.ts';
export { parseEcsAppSpec, ECS_HOOK_EVENTS, type EcsAppSpec, type EcsHookEvent } from './appspec.ts';
